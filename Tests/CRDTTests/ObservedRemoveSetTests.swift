import CRDT
import Testing

/// Sets are observed-remove sets with operation ids as add tags (Bieniusa et
/// al. 2012): a remove takes away only the adds its author saw.
@Suite struct ObservedRemoveSetTests {
    static let note = RecordID(hex: "ffeeddccbbaa99887766554433221100")!
    static let now: UInt64 = 1_700_000_000_000

    /// Two replicas that both hold the create of `note`.
    static func pair() -> (ReplicaState, ReplicaState) {
        var a = ReplicaState(replica: ReplicaID(high: 0, low: 1))
        var b = ReplicaState(replica: ReplicaID(high: 0, low: 2))
        b.apply(a.makeLocal(note, .create(type: "note"), wallMillis: now))
        return (a, b)
    }

    @Test func concurrentAddAndRemoveKeepTheElementInEveryOrder() throws {
        var (a, b) = Self.pair()
        let firstAdd = a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 1)
        b.apply(firstAdd)
        // B removes the add it saw while A, unaware, adds the element again.
        let remove = b.remove(Self.note, "tags", .text("coast"), wallMillis: Self.now + 2)
        guard case .remove(_, _, let observed) = remove.action else { Issue.record("not a remove"); return }
        #expect(observed == [firstAdd.id])
        let secondAdd = a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 2)

        a.apply(remove)
        b.apply(secondAdd)
        for replica in [a, b] {
            #expect(replica.record(Self.note)?.elements("tags") == [.text("coast")])
        }
        expectSame(a.observable, b.observable, "replicas differ")
        // A third replica hearing it all in any order agrees.
        let all = Array(a.operations.values)
        for permutation in permutations(all) {
            var c = ReplicaState(replica: ReplicaID(high: 0, low: 3))
            for operation in permutation { c.apply(operation) }
            expectSame(c.observable, a.observable, "replicas differ")
        }
    }

    @Test func removeTakesAwayEveryObservedAdd() throws {
        var (a, b) = Self.pair()
        let adds = [
            a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 1),
            a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 2),
            a.makeLocal(Self.note, .add(set: "tags", element: .text("fishing")), wallMillis: Self.now + 3),
        ]
        for add in adds { b.apply(add) }
        let remove = b.remove(Self.note, "tags", .text("coast"), wallMillis: Self.now + 4)
        guard case .remove(_, _, let observed) = remove.action else { Issue.record("not a remove"); return }
        #expect(observed == [adds[0].id, adds[1].id])
        a.apply(remove)
        for replica in [a, b] {
            #expect(replica.record(Self.note)?.elements("tags") == [.text("fishing")])
        }
    }

    @Test func removeArrivingBeforeItsAddsStillRemovesThem() {
        var (a, b) = Self.pair()
        let add = a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 1)
        b.apply(add)
        let remove = b.remove(Self.note, "tags", .text("coast"), wallMillis: Self.now + 2)
        var late = ReplicaState(replica: ReplicaID(high: 0, low: 3))
        for operation in [remove, add] + Array(a.operations.values) { late.apply(operation) }
        #expect(late.record(Self.note)?.elements("tags") == [])
        #expect(late.record(Self.note)?.sets.isEmpty == true, "an empty set is left out")
    }

    @Test func reAddAfterRemoveMakesTheElementPresentAgain() {
        var (a, b) = Self.pair()
        b.apply(a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 1))
        a.apply(b.remove(Self.note, "tags", .text("coast"), wallMillis: Self.now + 2))
        #expect(a.record(Self.note)?.elements("tags") == [])
        b.apply(a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 3))
        for replica in [a, b] {
            #expect(replica.record(Self.note)?.elements("tags") == [.text("coast")])
        }
    }

    @Test func removeOfAnUnseenElementChangesNothing() {
        var (a, _) = Self.pair()
        _ = a.makeLocal(Self.note, .add(set: "tags", element: .text("coast")), wallMillis: Self.now + 1)
        let remove = a.remove(Self.note, "tags", .text("inland"), wallMillis: Self.now + 2)
        guard case .remove(_, _, let observed) = remove.action else { Issue.record("not a remove"); return }
        #expect(observed.isEmpty)
        #expect(a.record(Self.note)?.elements("tags") == [.text("coast")])
    }

    @Test func elementsOfDifferentKindsAndSetsAreDistinct() {
        var (a, _) = Self.pair()
        for element in [Value.bool(true), .number(1), .text("1"), .text("true")] {
            _ = a.makeLocal(Self.note, .add(set: "tags", element: element), wallMillis: Self.now + 1)
        }
        _ = a.makeLocal(Self.note, .add(set: "people", element: .number(1)), wallMillis: Self.now + 1)
        a.remove(Self.note, "tags", .number(1), wallMillis: Self.now + 2)
        let record = a.record(Self.note)
        #expect(Set(record?.elements("tags") ?? []) == [.bool(true), .text("1"), .text("true")])
        #expect(record?.elements("people") == [.number(1)])
    }

    @Test func negativeZeroAndZeroAreOneElement() {
        var (a, _) = Self.pair()
        _ = a.makeLocal(Self.note, .add(set: "scores", element: .number(-0.0)), wallMillis: Self.now + 1)
        _ = a.makeLocal(Self.note, .add(set: "scores", element: .number(0)), wallMillis: Self.now + 2)
        #expect(a.record(Self.note)?.elements("scores").count == 1)
        a.remove(Self.note, "scores", .number(0), wallMillis: Self.now + 3)
        #expect(a.record(Self.note)?.elements("scores") == [])
    }
}
