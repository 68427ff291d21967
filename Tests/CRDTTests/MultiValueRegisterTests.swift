import CRDT
import Testing

/// Fields are multi-value registers: concurrent writes stay as heads, the
/// greatest `(timestamp, origin)` is shown, and a write that saw them all
/// resolves them.
@Suite struct MultiValueRegisterTests {
    static let note = RecordID(hex: "00112233445566778899aabbccddeeff")!
    static let now: UInt64 = 1_700_000_000_000

    /// Origin pairs `(smaller, greater)` in byte order, including ones where
    /// only the low word differs and where a numerically smaller high word
    /// must still lose to a greater one.
    static let originPairs: [(ReplicaID, ReplicaID)] = [
        (ReplicaID(high: 0, low: 1), ReplicaID(high: 0, low: 2)),
        (ReplicaID(high: 0, low: .max), ReplicaID(high: 1, low: 0)),
        (ReplicaID(high: 0x7F00_0000_0000_0000, low: 5), ReplicaID(high: 0x8000_0000_0000_0000, low: 0)),
    ]

    /// Two replicas that both saw the create, then write `title` in the same
    /// millisecond without hearing from each other.
    static func concurrentTitles(smaller: ReplicaID, greater: ReplicaID)
        -> (create: Operation, fromSmaller: Operation, fromGreater: Operation) {
        var s = ReplicaState(replica: smaller)
        var g = ReplicaState(replica: greater)
        let create = s.makeLocal(note, .create(type: "note"), wallMillis: now)
        g.apply(create, wallMillis: now)
        let fromSmaller = s.assign(note, "title", .text("smaller origin"), wallMillis: now + 10)
        let fromGreater = g.assign(note, "title", .text("greater origin"), wallMillis: now + 10)
        return (create, fromSmaller, fromGreater)
    }

    @Test(arguments: originPairs)
    func equalTimestampsBreakTiesOnTheGreaterOriginInEveryArrivalOrder(smaller: ReplicaID, greater: ReplicaID) throws {
        #expect(smaller < greater && smaller.bytes.lexicographicallyPrecedes(greater.bytes))
        let (create, fromSmaller, fromGreater) = Self.concurrentTitles(smaller: smaller, greater: greater)
        #expect(fromSmaller.timestamp == fromGreater.timestamp, "the test needs a true tie")

        for order in [[create, fromSmaller, fromGreater], [create, fromGreater, fromSmaller],
                      [fromGreater, fromSmaller, create], [fromSmaller, create, fromGreater, fromSmaller]] {
            var observer = ReplicaState(replica: ReplicaID(high: 9, low: 9))
            for operation in order { observer.apply(operation) }
            let record = try #require(observer.record(Self.note))
            #expect(record.value("title") == .text("greater origin"))
            // The loser is kept, second, as a conflict.
            #expect(record.heads("title").map(\.id) == [fromGreater.id, fromSmaller.id])
            #expect(record.conflicts.map(\.name) == ["title"])
        }
    }

    @Test func greaterTimestampWinsOverGreaterOrigin() throws {
        var small = ReplicaState(replica: ReplicaID(high: 0, low: 1))
        var great = ReplicaState(replica: ReplicaID(high: .max, low: .max))
        let create = small.makeLocal(Self.note, .create(type: "note"), wallMillis: Self.now)
        great.apply(create)
        let late = small.assign(Self.note, "title", .text("later"), wallMillis: Self.now + 11)
        let early = great.assign(Self.note, "title", .text("earlier"), wallMillis: Self.now + 10)
        small.apply(early)
        great.apply(late)
        for replica in [small, great] {
            let record = try #require(replica.record(Self.note))
            #expect(record.value("title") == .text("later"))
            #expect(record.heads("title").map(\.value) == [.text("later"), .text("earlier")])
        }
    }

    @Test func writeThatSawBothHeadsResolvesTheConflictEverywhere() throws {
        let smaller = ReplicaID(high: 0, low: 1), greater = ReplicaID(high: 0, low: 2)
        let (create, fromSmaller, fromGreater) = Self.concurrentTitles(smaller: smaller, greater: greater)
        var resolver = ReplicaState(replica: ReplicaID(high: 5, low: 5))
        for operation in [create, fromSmaller, fromGreater] { resolver.apply(operation) }
        // The resolution names both heads, even the one that was not shown.
        let resolution = resolver.assign(Self.note, "title", .text("agreed"), wallMillis: Self.now + 20)
        guard case .assign(_, _, let replaces) = resolution.action else { Issue.record("not an assign"); return }
        #expect(Set(replaces) == [fromSmaller.id, fromGreater.id])

        // Every arrival order, including the resolution before either loser:
        // an overwritten write that arrives late never becomes a head.
        let all = [create, fromSmaller, fromGreater, resolution]
        for permutation in permutations(all) {
            var replica = ReplicaState(replica: ReplicaID(high: 7, low: 7))
            for operation in permutation { replica.apply(operation) }
            let record = try #require(replica.record(Self.note))
            #expect(record.heads("title").map(\.id) == [resolution.id], "order \(permutation.map(\.id.seq))")
            #expect(record.value("title") == .text("agreed"))
            #expect(record.conflicts.isEmpty)
        }
    }

    @Test func writeThatSawOnlyOneHeadLeavesTheOtherStanding() throws {
        let (create, fromSmaller, fromGreater) = Self.concurrentTitles(smaller: ReplicaID(high: 0, low: 1), greater: ReplicaID(high: 0, low: 2))
        var partial = ReplicaState(replica: ReplicaID(high: 5, low: 5))
        partial.apply(create)
        partial.apply(fromSmaller)
        let overwrite = partial.assign(Self.note, "title", .text("saw one"), wallMillis: Self.now + 20)
        partial.apply(fromGreater)
        let record = try #require(partial.record(Self.note))
        #expect(Set(record.heads("title").map(\.id)) == [overwrite.id, fromGreater.id])
        #expect(record.value("title") == .text("saw one"))
    }

    @Test func nullUnsetsAFieldAndConcurrentUnsetStaysAConflict() throws {
        var a = ReplicaState(replica: ReplicaID(high: 0, low: 1))
        var b = ReplicaState(replica: ReplicaID(high: 0, low: 2))
        let create = a.makeLocal(Self.note, .create(type: "note"), wallMillis: Self.now)
        let place = a.assign(Self.note, "place", .text("harbour"), wallMillis: Self.now + 1)
        b.apply(create)
        b.apply(place)
        let unset = a.assign(Self.note, "place", .null, wallMillis: Self.now + 2)
        #expect(a.record(Self.note)?.value("place") == nil)
        #expect(a.record(Self.note)?.fields.isEmpty == true, "a field whose only head is null is left out")

        let edit = b.assign(Self.note, "place", .text("market"), wallMillis: Self.now + 2)
        a.apply(edit)
        b.apply(unset)
        expectSame(a.observable, b.observable, "replicas differ")
        let record = try #require(a.record(Self.note))
        // Equal clocks; the greater origin (b) shows its value and the unset is the other head.
        #expect(record.heads("place").map(\.value) == [.text("market"), .null])
    }

    @Test func deleteAndRestoreAreOrdinaryWritesToTheDeletedField() throws {
        var a = ReplicaState(replica: ReplicaID(high: 0, low: 1))
        let create = a.makeLocal(Self.note, .create(type: "note"), wallMillis: Self.now)
        a.assign(Self.note, "title", .text("kept"), wallMillis: Self.now + 1)
        a.assign(Self.note, "deleted", .bool(true), wallMillis: Self.now + 2)
        #expect(a.record(Self.note)?.isDeleted == true)
        #expect(a.record(Self.note)?.value("title") == .text("kept"), "delete keeps the values")
        a.assign(Self.note, "deleted", .bool(false), wallMillis: Self.now + 3)
        #expect(a.record(Self.note)?.isDeleted == false)
        #expect(a.record(Self.note)?.heads("deleted").count == 1)
        #expect(create.id.seq == 1)
    }
}

/// Every ordering of a small array (Heap's algorithm).
func permutations<T>(_ items: [T]) -> [[T]] {
    var items = items
    var out: [[T]] = []
    func generate(_ k: Int) {
        if k <= 1 { out.append(items); return }
        generate(k - 1)
        for i in 0..<(k - 1) {
            items.swapAt(k % 2 == 0 ? i : 0, k - 1)
            generate(k - 1)
        }
    }
    generate(items.count)
    return out
}
