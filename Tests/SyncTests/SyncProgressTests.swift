import Foundation
import Store
import Sync
import TLS
import Testing

extension SyncSuite {
    /// `DeviceSync.run(progress:)` tells its caller how far the sync has got
    /// (the CLI draws its progress line from it; nothing below prints).
    @Suite("sync progress")
    struct SyncProgressTests {
        @Test func progressCountsRiseToTheReportsTotals() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.succeed("import", try workspace.notesFile("notes.ndjson", count: 600))
                try HubProcess.with(hubStore) { hub in
                    try device.join(try hub.enroll("field-1"))
                    let store = try Store.open(at: device.path)
                    let link = try #require(try store.hubLink())
                    var seen: [SyncProgress] = []
                    let report = try DeviceSync(store: store, link: link, identity: try KeyFile.load(forStore: device.path), timeout: 20)
                        .run { seen.append($0) }
                    #expect(report.sent >= 600 * 11, "every note's eleven operations, and the area it added")
                    // Reported as it goes: many steps, never going back, ending at the totals.
                    #expect(seen.count > 2)
                    #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.sent <= $1.sent && $0.received <= $1.received })
                    #expect(seen.contains { $0.sent > 0 && $0.sent < report.sent }, "\(seen)")
                    #expect(seen.last == SyncProgress(sent: report.sent, received: report.received))
                }
            }
        }
    }
}
