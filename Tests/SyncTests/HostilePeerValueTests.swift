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
    
        /// Values at the edges of what the schema allows go through the hub
        /// to a colleague's laptop, where every read command and export runs.
        @Test func extremeButValidValuesReachAColleagueAndEveryReaderCopes() throws {
            try HubFixture.with { fixture in
                let colleague = try fixture.workspace.makeStore("colleague.sqlite", device: "colleague")
                try colleague.join(try fixture.hub.enroll("colleague"))
                let held = try fixture.hubStore.versionVector()[fixture.device.replica]
                let note = RecordID(high: 0xE57E_E57E, low: 1)
                let values: [(String, Value)] = [
                    ("title", .text(String(repeating: "T", count: Limits.title.bytes))),
                    ("body", .text("")), ("kind", .text("interview")), ("consent", .text("given")),
                    ("area", .text("\u{202E}East Marsh\u{1B}[31m")), ("participant", .text(String(repeating: "p", count: Limits.label.bytes))),
                    ("occurred_at", .text("0001-01-01T00:00:00Z")), ("measures.ucla3", .number(9)), ("measures.ons_lonely", .number(1)),
                    ("measures.steps", .number(Double.greatestFiniteMagnitude)), ("measures.debt", .number(-Double.greatestFiniteMagnitude)),
                    ("measures.tiny", .number(Double.leastNonzeroMagnitude)),
                ]
                var operations = [CRDT.Operation(id: OperationID(origin: fixture.device.replica, seq: held + 1),
                                                 timestamp: Timestamp(physical: Store.systemMillis(), logical: 0), record: note,
                                                 action: .create(type: "note"))]
                for (field, value) in values {
                    operations.append(CRDT.Operation(id: OperationID(origin: fixture.device.replica, seq: held + UInt64(operations.count) + 1),
                                                     timestamp: Timestamp(physical: Store.systemMillis(), logical: UInt16(operations.count)),
                                                     record: note, action: .assign(field: field, value: value, replaces: [])))
                }
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                try peer.send(.operations(batchID: 1, batch: OperationBatch(operations)))
                guard case .ack? = try peer.receive() else {
                    Issue.record("the hub refused values the schema allows")
                    return
                }
                try peer.send(.done(batches: 1, operations: UInt64(operations.count)))
                try colleague.syncSucceeds()
                let id = note.hex
                #expect(try colleague.show(id)["title"] as? String == String(repeating: "T", count: Limits.title.bytes))
                for arguments in [["list"], ["list", "--format", "json"], ["show", id], ["show", id, "--format", "json"], ["search", "TTTT"],
                                  ["conflicts"], ["status"], ["scan"],
                                  ["export", "csv", "--out", fixture.workspace.path("x-csv"), "--allow-identifiers"],
                                  ["export", "json", "--out", fixture.workspace.path("x.ndjson"), "--allow-identifiers"],
                                  ["export", "qdpx", "--out", fixture.workspace.path("x.qdpx"), "--allow-identifiers"],
                                  ["export", "report", "--out", fixture.workspace.path("x.html"), "--allow-identifiers"]] {
                    for store in [colleague, fixture.hubStore] {
                        let result = try store.run(arguments)
                        #expect(result.status == 0 || (result.status == 1 && result.stderr.split(separator: "\n").count == 1),
                                "\(arguments) on \(store.name): \(result)")
                    }
                }
            }
        }
}
}
