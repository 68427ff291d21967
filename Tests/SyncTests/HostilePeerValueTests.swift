import CRDT
import Foundation
import Store
import Testing
import Wire

extension SyncSuite {
    /// An enrolled device sending values that break the record schema
    /// (`Protocol/SCHEMA.md`): the hub refuses the batch with
    /// `schemaViolation`, naming the operation, and writes nothing of it.
    /// What the schema allows, every command and export reads (the hostile
    /// values within the schema are `HostileValuesTests` in ExportTests).
    @Suite("hostile values from peers")
    struct HostilePeerValueTests {
        static let cases: [(String, Value)] = [
            ("measures.ucla3", .number(1e300)),
            ("measures.ucla3", .number(99)),
            ("measures.ucla3", .number(-4)),
            ("measures.ucla3", .text("seven")),
            ("measures.ons_lonely", .number(0.5)),
            ("measures.steps", .text("many")),
            ("measures.Bad Name", .number(1)),
            ("kind", .number(42)),
            ("kind", .text("séance")),
            ("occurred_at", .text("last Tuesday")),
            ("occurred_at", .text("0000-01-01T00:00+01:00")),
            ("occurred_at", .bool(true)),
            ("consent", .text("")),
            ("title", .number(3)),
            ("title", .text(String(repeating: "t", count: 5000))),
            ("area", .bool(false)),
            ("participant", .text(String(repeating: "p", count: 300))),
        ]

        @Test func hubRefusesEveryOperationThatBreaksTheSchemaAndNamesIt() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let held = try fixture.hubStore.versionVector()[fixture.device.replica]
                for (field, value) in Self.cases {
                    let note = RecordID(high: UInt64.random(in: 1 ... .max), low: 7)
                    let clock = Timestamp(physical: Store.systemMillis(), logical: 0)
                    let operations = [
                        CRDT.Operation(id: OperationID(origin: fixture.device.replica, seq: held + 1), timestamp: clock, record: note,
                                       action: .create(type: "note")),
                        CRDT.Operation(id: OperationID(origin: fixture.device.replica, seq: held + 2), timestamp: clock, record: note,
                                       action: .assign(field: field, value: value, replaces: [])),
                    ]
                    let peer = try RawPeer(port: fixture.hub.port)
                    try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                    try peer.send(.operations(batchID: 1, batch: OperationBatch(operations)))
                    let reply = try peer.receive()
                    guard case .error(let code, let text)? = reply else {
                        Issue.record("the hub accepted \(field) = \(value): \(String(describing: reply))")
                        continue
                    }
                    #expect(code == .schemaViolation, "\(field) = \(value): \(code) \(text)")
                    #expect(text.contains("\(fixture.device.replica.hex.prefix(8)):\(held + 2)"), "the error names the operation: \(text)")
                    #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held, "\(field) = \(value)")
                }
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }
    }
}
