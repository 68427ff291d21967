import Foundation
import Testing

extension SyncSuite {
    @Suite("overhead")
    struct OverheadTests {
        /// When neither side has anything new, a sync costs a handshake and
        /// two vectors: well under 2 KiB each way, whatever the store's size.
        @Test(arguments: [0, 60, 600])
        func noOpSyncSendsAndReceivesFewBytes(notes: Int) throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                if notes > 0 { try device.succeed("import", try workspace.notesFile("notes.ndjson", count: notes)) }
                try HubProcess.with(hubStore) { hub in
                    try device.join(try hub.enroll("field-1"))
                    let first = try device.syncSucceeds()
                    #expect(first.sent == (try device.status()["local_operations"] as? Int))
                    let idle = try device.syncSucceeds()
                    #expect(idle.sent == 0 && idle.received == 0)
                    #expect(idle.bytesOut > 0 && idle.bytesOut < 2048, "\(idle.bytesOut) bytes out")
                    #expect(idle.bytesIn > 0 && idle.bytesIn < 2048, "\(idle.bytesIn) bytes in")
                    #expect(try hubStore.digest() == (try device.digest()))
                }
            }
        }
    }
}
