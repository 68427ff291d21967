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
    }
}
