import Foundation
import Testing

extension SyncSuite {
    /// The audit trail's events travel like any record: a hub's trail covers every device.
    @Suite("governance across devices")
    struct GovernanceSyncTests {
        static func audit(_ store: StoreHandle) throws -> [[String: Any]] {
            try parseArray(try store.succeed("audit", "--format", "json").stdout)
        }

        /// Erasing one note by id once left no audit event anywhere; now the
        /// device records it and the hub holds the same event after a sync.
        @Test func anEraseByIdIsAuditedAndTheEventReachesTheHub() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    let note = try alice.add("--title", "Visit", "--body", "the bus is late again", "--participant", "P07")
                    try alice.syncSucceeds()
                    _ = try alice.succeed("erase", note, "--reason", "consent withdrawn", "--yes")
                    let events = try Self.audit(alice)
                    try #require(events.count == 1, "\(events)")
                    #expect(events[0]["action"] as? String == "erase" && events[0]["filters"] as? String == "note=\(note)"
                            && events[0]["counts"] as? String == "notes=1 records=1" && events[0]["purpose"] as? String == "consent withdrawn"
                            && events[0]["by"] as? String == "alice", "\(events)")
                    try alice.syncSucceeds()
                    let atHub = try Self.audit(hubStore)
                    #expect(atHub.map { $0["id"] as? String } == events.map { $0["id"] as? String }, "\(atHub)")
                    #expect(atHub.first?["action"] as? String == "erase" && atHub.first?["purpose"] as? String == "consent withdrawn")
                    #expect(try hubStore.show(note)["erased"] as? Bool == true)
                }
            }
        }

        /// A store names its own user and device, so a laptop enrolled as
        /// "mallory" whose store says "alice" wrote "alice" into its events:
        /// on the hub they read as alice's (an IG lead's try). The hub's
        /// audit now also names the enrolled device whose key wrote each event.
        @Test func theHubsAuditNamesTheEnrolledDeviceBesideWhatTheEventSays() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let mallory = try workspace.makeStore("mallory.sqlite", device: "alice")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try mallory.join(try hub.enroll("mallory"))
                    try alice.add("--title", "Visit")
                    try alice.syncSucceeds()
                    try mallory.syncSucceeds()
                    try alice.succeed("export", "csv", "--out", workspace.path("alice-export"))
                    try mallory.succeed("export", "csv", "--out", workspace.path("mallory-export"))
                    try alice.syncSucceeds()
                    try mallory.syncSucceeds()
                    try hubStore.succeed("export", "csv", "--out", workspace.path("hub-export"))
                    let atHub = try Self.audit(hubStore)
                    #expect(atHub.map { $0["by"] as? String } == ["alice", "alice", "hub"], "\(atHub)")
                    #expect(Set(atHub.prefix(2).compactMap { $0["device"] as? String }) == ["alice", "mallory"], "\(atHub)")
                    #expect(atHub.last?["device"] is NSNull, "the hub's own event names no enrolled device")
                    let table = try hubStore.succeed("audit")
                    #expect(table.lines.first?.contains("DEVICE") == true && table.stdout.contains("mallory"), "\(table)")
                    // A laptop knows no enrolments: its trail has no device column, and null in JSON.
                    #expect(try Self.audit(alice).allSatisfy { $0["device"] is NSNull })
                    #expect(try alice.succeed("audit").lines.first?.contains("DEVICE") == false)
                }
            }
        }
    }
}
