import Foundation
import Testing

/// Every test of the sync system runs one at a time: they start processes,
/// time out peers and kill hubs, and the machine has few cores to share.
@Suite("sync", .serialized)
struct SyncSuite {}

/// A running hub with one good device, "field-1", enrolled, joined and
/// synced once, for tests that throw a bad peer at the hub and then check
/// that the hub is unharmed.
struct HubFixture {
    let workspace: Workspace
    let hubStore: StoreHandle
    let hub: HubProcess
    let device: StoreHandle
    let code: String
    let credentials: DeviceCredentials

    static func with(hubOptions: [String] = ["--idle-timeout", "5"], descriptorLimit: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: (HubFixture) throws -> Void) throws {
        try Workspace.with { workspace in
            let hubStore = try workspace.makeStore("hub.sqlite", device: "hub", sourceLocation: sourceLocation)
            let device = try workspace.makeStore("field-1.sqlite", device: "field-1", sourceLocation: sourceLocation)
            try device.add("--title", "first visit", "--body", "the bus was late again", "--tag", "transport",
                           sourceLocation: sourceLocation)
            try HubProcess.with(hubStore, options: hubOptions, descriptorLimit: descriptorLimit, sourceLocation: sourceLocation) { hub in
                let code = try hub.enroll("field-1", sourceLocation: sourceLocation)
                try device.join(code, sourceLocation: sourceLocation)
                try device.syncSucceeds(sourceLocation: sourceLocation)
                let credentials = try DeviceCredentials(device, sourceLocation: sourceLocation)
                try body(HubFixture(workspace: workspace, hubStore: hubStore, hub: hub, device: device, code: code,
                                    credentials: credentials))
            }
        }
    }

    /// What every bad-peer test ends with: the bad peer left the hub store
    /// exactly as it was, the hub is still serving, and the good device
    /// syncs a new note to it and ends up with the same digest as the hub.
    func expectHubUnharmed(digestBefore: String, retryWhileBusyFor seconds: Double = 0,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try hubStore.digest(sourceLocation: sourceLocation) == digestBefore, "the bad peer changed the hub store",
                sourceLocation: sourceLocation)
        try #require(hub.isRunning, "the hub died: \(hub.child.stderrText)", sourceLocation: sourceLocation)
        let id = try device.add("--title", "written after the bad peer", "--body", "still here", sourceLocation: sourceLocation)
        var result = try device.sync(sourceLocation: sourceLocation)
        let deadline = Date().addingTimeInterval(seconds)
        while result.status != 0, result.stderr.contains("busy"), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            result = try device.sync(sourceLocation: sourceLocation)
        }
        try #require(result.status == 0, "the good device could not sync after the bad peer: \(result)\nhub log:\n\(hub.child.stderrText)",
                     sourceLocation: sourceLocation)
        let summary = try #require(SyncSummary(result.output), "\(result)", sourceLocation: sourceLocation)
        #expect(summary.sent > 0, sourceLocation: sourceLocation)
        #expect(try hubStore.digest(sourceLocation: sourceLocation) == (try device.digest(sourceLocation: sourceLocation)),
                sourceLocation: sourceLocation)
        #expect(try hubStore.show(id, sourceLocation: sourceLocation)["title"] as? String == "written after the bad peer",
                sourceLocation: sourceLocation)
    }
}
