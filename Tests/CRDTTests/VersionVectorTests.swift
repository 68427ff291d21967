import CRDT
import Synthetic
import CRDTTestSupport
import Testing

@Suite struct VersionVectorTests {
    static let a = ReplicaID(high: 0, low: 1)
    static let b = ReplicaID(high: 0, low: 2)
    static let c = ReplicaID(high: 1, low: 0)
    static let note = RecordID(hex: "0123456789abcdef0123456789abcdef")!

    @Test func missingListsOneRangePerOriginInOriginOrder() {
        let ours = VersionVector([Self.c: 7, Self.a: 5, Self.b: 2])
        let theirs = VersionVector([Self.a: 3, Self.c: 7, ReplicaID(high: 9, low: 9): 4])
        #expect(ours.missing(from: theirs) == [
            SeqRange(origin: Self.a, first: 4, last: 5),
            SeqRange(origin: Self.b, first: 1, last: 2),
        ])
        #expect(ours.missing(from: theirs).map(\.count) == [2, 2])
        #expect(ours.missing(from: ours).isEmpty)
        #expect(ours.missing(from: ours.merged(with: theirs)).isEmpty)
        #expect(VersionVector().missing(from: ours).isEmpty)
        #expect(ours.missing(from: VersionVector()).map(\.first) == [1, 1, 1])
    }

    @Test func seqRangeCountsClosedRanges() {
        #expect(SeqRange(origin: Self.a, first: 3, last: 3).count == 1)
        #expect(SeqRange(origin: Self.a, first: 1, last: 10).count == 10)
        #expect(SeqRange(origin: Self.a, first: 4, last: 3).count == 0)
    }

    @Test func zeroEntriesAreLeftOut() {
        #expect(VersionVector([Self.a: 0]) == VersionVector())
        var vector = VersionVector([Self.a: 4])
        vector[Self.a] = 0
        #expect(vector == VersionVector())
        #expect(vector.entries.isEmpty)
        #expect(vector[Self.b] == 0)
    }

    @Test func mergedTakesEachOriginsGreaterSeqAndObeysTheLaws() {
        var rng = SplitMix64(seed: 0x7EC7_0125)
        let origins = [Self.a, Self.b, Self.c]
        func random() -> VersionVector {
            VersionVector(Dictionary(uniqueKeysWithValues: origins.map { ($0, UInt64.random(in: 0...5, using: &rng)) }))
        }
        for _ in 0..<500 {
            let x = random(), y = random(), z = random()
            let xy = x.merged(with: y)
            for origin in origins { #expect(xy[origin] == max(x[origin], y[origin])) }
            #expect(xy == y.merged(with: x))
            #expect(xy.merged(with: z) == x.merged(with: y.merged(with: z)))
            #expect(x.merged(with: x) == x)
            #expect(xy.total >= max(x.total, y.total))
        }
    }

    @Test func containsIsTheContiguousPrefix() {
        let vector = VersionVector([Self.a: 3])
        #expect(vector.contains(OperationID(origin: Self.a, seq: 1)))
        #expect(vector.contains(OperationID(origin: Self.a, seq: 3)))
        #expect(!vector.contains(OperationID(origin: Self.a, seq: 4)))
        #expect(!vector.contains(OperationID(origin: Self.b, seq: 1)))
        #expect(vector.total == 3)
    }

    @Test func gapHoldsTheVectorUntilItIsFilled() throws {
        var writer = ReplicaState(replica: Self.a)
        let ops = [
            writer.makeLocal(Self.note, .create(type: "note"), wallMillis: 1),
            writer.assign(Self.note, "title", .text("one"), wallMillis: 2),
            writer.assign(Self.note, "title", .text("two"), wallMillis: 3),
            writer.assign(Self.note, "title", .text("three"), wallMillis: 4),
        ]
        #expect(ops.map(\.id.seq) == [1, 2, 3, 4])
        #expect(writer.vector[Self.a] == 4)

        var reader = ReplicaState(replica: Self.b)
        reader.apply(ops[0])
        reader.apply(ops[2])
        #expect(reader.vector[Self.a] == 1, "seq 3 past the gap at 2 must not count")
        reader.apply(ops[3])
        #expect(reader.vector[Self.a] == 1)
        #expect(reader.vector.missing(from: VersionVector()) == [SeqRange(origin: Self.a, first: 1, last: 1)])
        #expect(writer.vector.missing(from: reader.vector) == [SeqRange(origin: Self.a, first: 2, last: 4)],
                "the peer resends past the gap; duplicates are harmless")
        reader.apply(ops[1])
        #expect(reader.vector[Self.a] == 4, "filling the gap walks over everything held past it")
        expectSame(reader.observable, writer.observable, "replicas differ")
    }

    @Test func localSeqsAreContiguousAndVectorCountsEveryOrigin() {
        var x = ReplicaState(replica: Self.a)
        var y = ReplicaState(replica: Self.b)
        for step in 0..<10 {
            let op = x.makeLocal(Self.note, step == 0 ? .create(type: "note") : .add(set: "tags", element: .number(Double(step))), wallMillis: UInt64(step))
            y.apply(op)
            let reply = y.makeLocal(Self.note, .add(set: "people", element: .number(Double(step))), wallMillis: UInt64(step))
            x.apply(reply)
        }
        #expect(x.vector == VersionVector([Self.a: 10, Self.b: 10]))
        #expect(x.vector == y.vector)
        #expect(x.vector.total == UInt64(x.operations.count))
    }
}
