import CRDT
import Testing

/// Erase is a fact that, once held, wins over everything about its record,
/// including operations that arrive later.
@Suite struct EraseTests {
    static let note = RecordID(hex: "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")!
    static let other = RecordID(hex: "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf")!
    static let now: UInt64 = 1_700_000_000_000

    /// True when an operation carries no value of its record.
    static func holdsNoValue(_ operation: Operation) -> Bool {
        switch operation.action {
        case .create, .erase: return true
        case .assign(_, let value, _): return value == .null
        case .add(_, let element), .remove(_, let element, _): return element == .null
        case .insertText(_, let run): return run.text == nil
        case .deleteText: return true
        }
    }

    /// A note and a neighbour with titles, a body and tags, then one removal.
    static func populated() -> ReplicaState {
        var a = ReplicaState(replica: ReplicaID(high: 0, low: 1))
        _ = a.makeLocal(note, .create(type: "note"), wallMillis: now)
        a.assign(note, "title", .text("secret title"), wallMillis: now + 1)
        a.assign(note, "body", .text("secret body"), wallMillis: now + 2)
        _ = a.makeLocal(note, .add(set: "tags", element: .text("secret-tag")), wallMillis: now + 3)
        _ = a.makeLocal(note, .add(set: "tags", element: .text("other-tag")), wallMillis: now + 4)
        a.remove(note, "tags", .text("other-tag"), wallMillis: now + 5)
        _ = a.makeLocal(other, .create(type: "note"), wallMillis: now + 6)
        a.assign(other, "title", .text("neighbour"), wallMillis: now + 7)
        return a
    }

    @Test func erasePurgesEveryValueOfTheRecordAndOnlyThatRecord() throws {
        var a = Self.populated()
        let before = a.operations.count
        let erase = a.makeLocal(Self.note, .erase(reason: "consent withdrawn"), wallMillis: Self.now + 8)
        let record = try #require(a.record(Self.note))
        #expect(record.erased)
        #expect(record.fields.isEmpty && record.sets.isEmpty)
        #expect(record.type == "note", "the type is not a value and stays")
        // Ids and clocks stay so vectors remain exact; payloads go.
        #expect(a.operations.count == before + 1)
        for operation in a.operations.values where operation.record == Self.note {
            #expect(Self.holdsNoValue(operation), "\(operation.id) still holds a value")
        }
        #expect(a.operations[erase.id]?.action == .erase(reason: "consent withdrawn"))
        #expect(a.record(Self.other)?.value("title") == .text("neighbour"))
    }

    @Test func operationsArrivingAfterTheEraseAreStoredPurged() throws {
        var a = Self.populated()
        var b = ReplicaState(replica: ReplicaID(high: 0, low: 2))
        for operation in a.operations.values { b.apply(operation) }
        // B keeps editing offline while A erases.
        let lateTitle = b.assign(Self.note, "title", .text("late secret"), wallMillis: Self.now + 20)
        let lateTag = b.makeLocal(Self.note, .add(set: "tags", element: .text("late-tag")), wallMillis: Self.now + 21)
        let lateRemove = b.remove(Self.note, "tags", .text("secret-tag"), wallMillis: Self.now + 22)
        let erase = a.makeLocal(Self.note, .erase(reason: "consent withdrawn"), wallMillis: Self.now + 8)

        for operation in [lateTitle, lateTag, lateRemove] {
            let isNew = a.apply(operation)
            #expect(isNew)
            let stored = try #require(a.operations[operation.id])
            #expect(stored == operation.purged)
            #expect(stored.id == operation.id && stored.timestamp == operation.timestamp)
        }
        #expect(a.vector[b.replica] == lateRemove.id.seq, "purged operations still count in the vector")
        #expect(a.record(Self.note)?.fields.isEmpty == true)
        #expect(a.record(Self.note)?.sets.isEmpty == true)

        b.apply(erase)
        expectSame(a.observable, b.observable, "replicas differ")
        for operation in b.operations.values where operation.record == Self.note {
            #expect(Self.holdsNoValue(operation))
        }
    }

    @Test func eraseWinsOverAConcurrentRestore() throws {
        var a = Self.populated()
        a.assign(Self.note, "deleted", .bool(true), wallMillis: Self.now + 10)
        var b = ReplicaState(replica: ReplicaID(high: 0, low: 2))
        for operation in a.operations.values { b.apply(operation) }
        // B restores, later in time than A's erase, without having seen it.
        let restore = b.assign(Self.note, "deleted", .bool(false), wallMillis: Self.now + 60)
        let erase = a.makeLocal(Self.note, .erase(reason: "consent withdrawn"), wallMillis: Self.now + 11)
        #expect(restore.timestamp > erase.timestamp)

        for permutation in [[restore, erase], [erase, restore]] {
            var c = ReplicaState(replica: ReplicaID(high: 0, low: 3))
            for operation in Self.populated().operations.values { c.apply(operation) }
            for operation in Array(a.operations.values) + Array(b.operations.values) { c.apply(operation) }
            for operation in permutation { c.apply(operation) }
            let record = try #require(c.record(Self.note))
            #expect(record.erased && record.fields.isEmpty && !record.isDeleted)
        }
        a.apply(restore)
        b.apply(erase)
        expectSame(a.observable, b.observable, "replicas differ")
        #expect(b.record(Self.note)?.erased == true)
    }

    @Test func eraseArrivingBeforeTheCreateShowsTheSameErasedRecord() throws {
        var a = Self.populated()
        _ = a.makeLocal(Self.note, .erase(reason: "consent withdrawn"), wallMillis: Self.now + 8)
        let operations = a.operations.values.sorted { $0.timestamp < $1.timestamp }
        var reversed = ReplicaState(replica: ReplicaID(high: 0, low: 2))
        for operation in operations.reversed() { reversed.apply(operation) }
        expectSame(reversed.observable, a.observable, "replicas differ")
        let record = try #require(reversed.record(Self.note))
        #expect(record.erased && record.type == "note")
    }

    @Test func secondEraseIsHarmless() {
        var a = Self.populated()
        let first = a.makeLocal(Self.note, .erase(reason: "one"), wallMillis: Self.now + 8)
        var b = ReplicaState(replica: ReplicaID(high: 0, low: 2))
        for operation in a.operations.values where operation.id != first.id { b.apply(operation) }
        let second = b.makeLocal(Self.note, .erase(reason: "two"), wallMillis: Self.now + 9)
        a.apply(second)
        b.apply(first)
        expectSame(a.observable, b.observable, "replicas differ")
        #expect(a.record(Self.note)?.erased == true)
    }
}
