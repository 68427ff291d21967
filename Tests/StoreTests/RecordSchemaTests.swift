import CRDT
import Store
import Testing

/// The record schema and the table of limits: each rule refuses what it
/// should, names the operation, and lets null, purged operations and removes pass.
@Suite struct RecordSchemaTests {
    static let peer = ReplicaID(high: 0xFEED, low: 0xBEEF)
    static let note = recordID(1), theme = recordID(2), insight = recordID(3), decision = recordID(4)

    /// Operations from `peer`, seqs 1, 2, … in order.
    static func operations(_ actions: [(RecordID, Action)]) -> [Operation] {
        actions.enumerated().map { index, pair in
            Operation(id: OperationID(origin: peer, seq: UInt64(index + 1)), timestamp: Timestamp(physical: 1_800_000_000_000 + UInt64(index), logical: 0),
                      record: pair.0, action: pair.1)
        }
    }

    static let types: [RecordID: String] = [note: Note.type, theme: Theme.type, insight: Insight.type, decision: Decision.type]

    static func problem(_ record: RecordID, _ action: Action) -> String? {
        RecordSchema.problem(action, type: types[record]).map(\.description)
    }

    static func assign(_ field: String, _ value: Value) -> Action { .assign(field: field, value: value, replaces: []) }

    /// A person's date is refused with the reason when it names a moment
    /// the formatter cannot print in four digits (it was stored as
    /// `00-1-12-31T23:00:00Z`), and read when its offset brings it in range.
    @Test func aDateOutsideTheYearsOneTo9999IsRefusedWithTheReason() throws {
        for (text, reason) in [("0000-01-01T00:00+01:00", "'0000-01-01T00:00+01:00' is outside the years 0001 to 9999 in UTC; check the date"),
                               ("2026-02-29", "'2026-02-29' is not an ISO 8601 date: February 2026 has 28 days; check the date"),
                               ("2016-12-31T23:59:60Z", "'2016-12-31T23:59:60Z' is a leap second, which cannot be stored; write 59 seconds instead of 60")] {
            do {
                let stored = try Note.date(text)
                Issue.record("\(text) was read as \(stored)")
            } catch {
                #expect("\(error)" == reason)
            }
        }
        #expect(try Note.date(" 0000-12-31T23:30-01:00 ") == "0001-01-01T00:30:00Z")
        #expect(try Note.date("9999-12-31T23:59:59.9z") == "9999-12-31T23:59:59Z")
    }

    @Test(arguments: [
        (note, assign("kind", .number(42)), "the kind is the number 42, not one of the known values"),
        (note, assign("kind", .text("chat")), "use one of: interview"),
        (note, assign("consent", .text("maybe")), "the consent is 'maybe'"),
        (note, assign("occurred_at", .text("yesterday")), "the occurred_at is 'yesterday', not a UTC time"),
        (note, assign("occurred_at", .text("2026-11-20")), "not a UTC time"),
        (note, assign("occurred_at", .text("2026-11-20T14:30+01:00")), "not a UTC time"),
        // Only what ISO8601 prints and reads back: the years 0001 to 9999, no leap second.
        (note, assign("occurred_at", .text("0000-01-01T00:00:00Z")), "not a UTC time; write it as ISO 8601 UTC in the years 0001 to 9999"),
        (note, assign("occurred_at", .text("-0001-12-31T23:00:00Z")), "not a UTC time"),
        (note, assign("occurred_at", .text("00-1-12-31T23:00:00Z")), "not a UTC time"),
        (note, assign("occurred_at", .text("+10000-01-01T00:00:00Z")), "not a UTC time"),
        (note, assign("occurred_at", .text("2016-12-31T23:59:60Z")), "not a UTC time"),
        (note, assign("measures.ucla3", .number(99)), "ucla3=99 is out of range"),
        (note, assign("measures.ucla3", .number(6.5)), "ucla3=6.5 is out of range"),
        (note, assign("measures.ons_lonely", .number(0)), "ons_lonely=0 is out of range"),
        (note, assign("measures.ucla3", .text("7")), "the measure ucla3 is '7', not a number"),
        (note, assign("measures.steps", .number(.infinity)), "not a finite number"),
        (note, assign("measures.Bad Name", .number(1)), "is not a measure name"),
        (note, assign("title", .text(String(repeating: "t", count: 1025))), "the title is 1,025 bytes, over the 1 KiB limit"),
        (note, assign("title", .text("  ")), "the title is empty"),
        (note, assign("title", .bool(true)), "the title is the boolean true, not a text"),
        (note, assign("body", .text(String(repeating: "b", count: 600 * 1024))), "the body is 600 KiB, over the 512 KiB limit; split the note"),
        (note, assign("area", .number(1e300)), "the area is the number 1e+300, not a text"),
        (note, assign("deleted", .text("yes")), "the deleted is 'yes', not true or false"),
        (note, .add(set: "tags", element: .text(String(repeating: "x", count: 256))), "the tag is 256 bytes, over the 255-byte limit"),
        (note, .add(set: "tags", element: .number(3)), "the tag is the number 3, not a text"),
        (theme, assign("color", .text("red")), "the color is 'red', not a colour"),
        (theme, assign("parent", .text("not-an-id")), "not a record id"),
        (insight, assign("status", .text("maybe")), "the status is 'maybe'"),
        (insight, assign("statement", .text(String(repeating: "s", count: 5000))), "over the 4 KiB limit"),
        (insight, .add(set: "evidence", element: .text("zz")), "the evidence element is 'zz', not a record id"),
        (decision, assign("follows_evidence", .text("sort of")), "use one of: yes, partly, no"),
        (decision, assign("decided_at", .number(0)), "the decided_at is the number 0, not a UTC time"),
        (note, .erase(reason: String(repeating: "r", count: 2000)), "the erase reason is 2,000 bytes, over the 1 KiB limit"),
        (note, assign(String(repeating: "f", count: 256), .null), "the field name is 256 bytes, over the 255-byte limit"),
        (recordID(9), assign("anything", .text(String(repeating: "u", count: 512 * 1024 + 1))), "over the 512 KiB limit"),
    ] as [(RecordID, Action, String)])
    func ruleRefuses(record: RecordID, action: Action, expected: String) throws {
        let problem = try #require(Self.problem(record, action), "\(action) passed")
        #expect(problem.contains(expected), "\(problem)")
    }

    @Test(arguments: [
        (note, assign("kind", .text("interview"))),
        (note, assign("occurred_at", .text("2026-11-20T14:30:00Z"))),
        (note, assign("measures.ucla3", .number(9))),
        (note, assign("measures.steps", .number(-12.5))),
        (note, assign("title", .text(String(repeating: "t", count: 1024)))),
        (note, assign("body", .text(String(repeating: "b", count: 512 * 1024)))),
        (note, assign("deleted", .bool(true))),
        (theme, assign("color", .text("#1F77b4"))),
        (theme, assign("parent", .text(recordID(7).hex))),
        (decision, assign("decided_at", .text("9999-12-31T23:59:59Z"))),
        (decision, assign("decided_at", .text("0001-01-01T00:00:00Z"))),
        // null unsets, and is what purged operations carry
        (note, assign("kind", .null)), (note, assign("measures.ucla3", .null)), (note, assign("title", .null)),
        (note, assign("deleted", .null)), (note, .add(set: "tags", element: .null)),
        (insight, .add(set: "evidence", element: .null)),
        // a remove always passes, so a bad value can be taken out
        (note, .remove(set: "tags", element: .number(3), observed: [])),
        // unknown fields, sets and types pass within the protocol's limits
        (note, assign("mood", .number(3))), (note, .add(set: "links", element: .bool(true))),
        (recordID(9), assign("kind", .number(42))),
        (note, .erase(reason: "")),
    ] as [(RecordID, Action)])
    func rulePasses(record: RecordID, action: Action) {
        #expect(Self.problem(record, action) == nil)
    }

    @Test func checkNamesTheOperationAndFindsTypesInTheBatch() throws {
        let fresh = recordID(20)
        let batch = Self.operations([
            (fresh, .create(type: Note.type)),
            (fresh, Self.assign("title", .text("fine"))),
            (fresh, Self.assign("kind", .number(42))),
        ])
        let error = try #require(throws: SchemaViolation.self) { try RecordSchema.check(batch) { _ in nil } }
        #expect(error.operation == OperationID(origin: Self.peer, seq: 3))
        #expect(error.record == fresh && error.type == Note.type && error.field == "kind")
        #expect(error.description.hasPrefix("operation \(Self.peer.hex.prefix(8)):3 (note \(fresh.hex.prefix(8)), kind): the kind is the number 42"))
    }

    @Test func checkLooksUpTypesOfRecordsCreatedEarlier() throws {
        let batch = Self.operations([(Self.note, Self.assign("occurred_at", .text("not a date")))])
        #expect(throws: SchemaViolation.self) { try RecordSchema.check(batch) { Self.types[$0] } }
        // Unknown type: only the protocol's limits and the shared rules hold.
        try RecordSchema.check(batch) { _ in nil }
    }

    @Test func purgedOperationsPass() throws {
        let actions: [(RecordID, Action)] = [
            (Self.note, .create(type: Note.type)),
            (Self.note, Self.assign("kind", .number(42))),
            (Self.note, .add(set: "tags", element: .number(1))),
            (Self.note, Self.assign("measures.ucla3", .number(1e300))),
            (Self.note, .erase(reason: "consent withdrawn")),
        ]
        #expect(throws: SchemaViolation.self) { try RecordSchema.check(Self.operations(actions)) { _ in nil } }
        try RecordSchema.check(Self.operations(actions).map(\.purged)) { _ in nil }
    }

    @Test func storeChecksABatchAgainstRecordsItHolds() throws {
        try withTemporaryStore { store, _ in
            let id = try Store.newRecordID()
            var input = Note.Input()
            input.title = "A note"
            try store.commit(try Note.changes(input, for: id, creating: true, nowSeconds: 1_800_000_000))
            let bad = Self.operations([(id, Self.assign("consent", .text("perhaps")))])
            let error = try #require(throws: SchemaViolation.self) { try store.checkSchema(bad) }
            #expect(error.type == Note.type && error.field == "consent")
            try store.checkSchema(Self.operations([(id, Self.assign("consent", .text("given")))]))
        }
    }

    @Test func commitRefusesAChangeOverALimitAndWritesNothing() throws {
        try withTemporaryStore { store, _ in
            let before = try store.digest()
            let id = try Store.newRecordID()
            let changes: [Change] = [.create(id, type: Note.type), .assign(id, field: "title", value: .text("fine")),
                                     .assign(id, field: "body", value: .text(String(repeating: "b", count: 600 * 1024)))]
            let error = try #require(throws: StoreError.self) { try store.commit(changes) }
            #expect(error.description == "the body is 600 KiB, over the 512 KiB limit; split the note into several, or shorten it")
            #expect(try store.digest() == before)
            #expect(try store.record(id) == nil)
        }
    }

    @Test func noteInputIsCheckedAgainstTheSchema() throws {
        var input = Note.Input()
        input.title = "ok"
        input.tags = [String(repeating: "t", count: 300)]
        let error = try #require(throws: StoreError.self) {
            try Note.changes(input, for: recordID(1), creating: true, nowSeconds: 0)
        }
        #expect(error.description.hasPrefix("the tag is 300 bytes, over the 255-byte limit"))
        input.tags = []
        input.occurredAt = "0000-01-01T00:00+01:00"
        #expect(throws: StoreError.self) { try Note.changes(input, for: recordID(1), creating: true, nowSeconds: 0) }
    }

    @Test func sizesReadAsPeopleCountThem() {
        #expect(Limits.size(2000) == "2,000 bytes")
        #expect(Limits.size(600 * 1024) == "600 KiB")
        #expect(Limits.size(600 * 1024 + 1) == "601 KiB")
        #expect(Limits.size(10_000_000) == "9.6 MiB")
        #expect(Limits.size(512 * 1024 + 1, over: 512 * 1024) == "513 KiB")
        #expect(Limits.text.text == "512 KiB" && Limits.label.text == "255-byte")
    }

    @Test func everyLimitIsInTheTable() {
        let table = Limits.table.map(\.limit.bytes)
        for limit in [Limits.text, Limits.name, Limits.eraseReason, Limits.deviceName, Limits.title, Limits.label, Limits.statement, Limits.measureName] {
            #expect(table.contains(limit.bytes))
        }
    }
}
