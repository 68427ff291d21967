import CRDT
import Synthetic
import Testing

/// How a replica keeps what it holds: each origin's operations in seq order
/// in chunks, those past a gap aside until it fills, and each record's
/// replaced ids per origin. Held against plain dictionaries and sets and the
/// reference model, in random arrival orders.
@Suite struct OperationLogTests {
    static let note = RecordID(hex: "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf")!
    static let now: UInt64 = 1_700_000_000_000

    /// The vector computed plainly: per origin, the longest run 1, 2, 3, … held.
    static func plainVector(_ held: [OperationID: Operation]) -> VersionVector {
        var entries: [ReplicaID: UInt64] = [:]
        for origin in Set(held.keys.map(\.origin)) {
            var seq: UInt64 = 0
            while held[OperationID(origin: origin, seq: seq + 1)] != nil { seq += 1 }
            entries[origin] = seq
        }
        return VersionVector(entries)
    }

    @Test func operationsPastGapsAndAcrossChunksAreHeldExactlyWhateverTheOrder() throws {
        // 9,000 writes of one origin fill more than two chunks; a second origin interleaves.
        var writer = ReplicaState(replica: ReplicaID(high: 1, low: 1))
        var other = ReplicaState(replica: ReplicaID(high: 2, low: 2))
        var made = [writer.makeLocal(Self.note, .create(type: "note"), wallMillis: Self.now)]
        other.apply(made[0])
        for index in 0..<9_000 {
            made.append(writer.assign(Self.note, "f\(index % 50)", .number(Double(index)), wallMillis: Self.now + UInt64(index)))
            if index % 30 == 0 { made.append(other.assign(Self.note, "f\(index % 50)", .text("o\(index)"), wallMillis: Self.now + UInt64(index))) }
        }
        #expect(writer.vector[writer.replica] > 8_192, "the log must span three chunks")

        var rng = SplitMix64(seed: 0x106_0F0B5)
        var order = made.shuffled(using: &rng)
        order += (0..<900).map { _ in made[Int.random(in: 0..<made.count, using: &rng)] }
        order.shuffle(using: &rng)
        // Hold back one early write, so that at the erase below most of its origin lies past a gap.
        let heldBack = made[5]
        order.removeAll { $0.id == heldBack.id }

        var fresh = ReplicaState(replica: ReplicaID(high: 3, low: 3))
        var plain: [OperationID: Operation] = [:]
        for (step, operation) in order.enumerated() {
            let new = plain[operation.id] == nil
            plain[operation.id] = operation
            #expect(fresh.apply(operation) == new, "step \(step): apply must report exactly the new operations")
            if step % 701 == 0 { #expect(fresh.vector == Self.plainVector(plain), "step \(step)") }
        }
        #expect(fresh.vector == Self.plainVector(plain))
        #expect(fresh.vector[writer.replica] == heldBack.id.seq - 1, "the gap must hold the vector back")
        #expect(fresh.operations.count == plain.count)
        #expect(Set(fresh.operations.keys) == Set(plain.keys))
        for (id, operation) in plain { #expect(fresh.operations[id] == operation) }
        #expect(fresh.record(Self.note) == ReferenceModel.visibleRecords(plain.values).first)

        // An erase purges what lies past the gap as well as before it, and the held-back write on arrival.
        let erase = writer.makeLocal(Self.note, .erase(reason: "withdrawn"), wallMillis: Self.now + 20_000)
        fresh.apply(erase)
        fresh.apply(heldBack)
        #expect(fresh.vector[writer.replica] == erase.id.seq, "the filled gap must release every write past it")
        #expect(fresh.operations.count == made.count + 1)
        for operation in made + [erase] {
            #expect(fresh.operations[operation.id] == operation.purged, "\(operation.id) must be held purged")
        }
    }

    @Test func seqsNoOriginMakesAreHeldButNeverCounted() {
        let stranger = ReplicaID(high: 9, low: 9)
        var state = ReplicaState(replica: ReplicaID(high: 1, low: 1))
        let ts = Timestamp(physical: Self.now, logical: 0)
        let zero = Operation(id: OperationID(origin: stranger, seq: 0), timestamp: ts, record: Self.note, action: .create(type: "note"))
        let last = Operation(id: OperationID(origin: stranger, seq: .max), timestamp: ts, record: Self.note, action: .create(type: "note"))
        #expect(state.apply(zero) && state.apply(last))
        #expect(!state.apply(zero) && !state.apply(last))
        #expect(state.operations.count == 2 && state.operations[zero.id] == zero && state.operations[last.id] == last)
        #expect(state.operations[OperationID(origin: stranger, seq: 1)] == nil)
        #expect(state.vector == VersionVector())
    }

    /// Twelve writers (more than a record scans before it indexes origins)
    /// write one field twice each; a resolver replaces all twelve heads. In
    /// any arrival order only the resolver's value shows, including when a
    /// replaced write arrives after the write that replaces it.
    @Test func aWriteReplacingHeadsOfManyOriginsHidesThemInAnyOrder() throws {
        var resolver = ReplicaState(replica: ReplicaID(high: 0xFF, low: 0))
        var made = [resolver.makeLocal(Self.note, .create(type: "note"), wallMillis: Self.now)]
        for writer in 0..<12 {
            var state = ReplicaState(replica: ReplicaID(high: UInt64(writer), low: 7))
            state.apply(made[0])
            // A write to another field first, so each origin's seqs are not 1, 2, 3 in this record's field.
            made.append(state.assign(Self.note, "place", .text("p\(writer)"), wallMillis: Self.now + 1))
            made.append(state.assign(Self.note, "title", .text("first \(writer)"), wallMillis: Self.now + 2))
            made.append(state.assign(Self.note, "title", .text("second \(writer)"), wallMillis: Self.now + 3))
        }
        for operation in made { resolver.apply(operation) }
        #expect(resolver.record(Self.note)?.conflicts.first { $0.name == "title" }?.heads.count == 12)
        let resolved = resolver.assign(Self.note, "title", .text("agreed"), wallMillis: Self.now + 10)
        made.append(resolved)

        var rng = SplitMix64(seed: 0x5CA7_7E12)
        var lateReplacedArrivals = 0
        for round in 0..<40 {
            let order = made.shuffled(using: &rng)
            var fresh = ReplicaState(replica: ReplicaID(high: 0xEE, low: UInt64(round)))
            for operation in order { fresh.apply(operation) }
            let position = try #require(order.firstIndex { $0.id == resolved.id })
            if order[position...].contains(where: { if case .assign("title", _, _) = $0.action { return true }; return false }) {
                lateReplacedArrivals += 1
            }
            let record = try #require(fresh.record(Self.note))
            #expect(record.value("title") == .text("agreed"), "round \(round)")
            #expect(record.conflicts.map(\.name) == ["place"], "round \(round): only the unresolved field may conflict")
            #expect(record == ReferenceModel.visibleRecords(made).first, "round \(round)")
        }
        #expect(lateReplacedArrivals > 30, "most rounds must deliver a replaced write after the resolver's")
    }
}
