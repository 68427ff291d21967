import CRDT
import CRDTTestSupport
import Testing

/// The central property: the visible state is a function of the set of
/// operations held, whatever the order, duplicates or interleaving.
@Suite struct ConvergenceTests {
    static let cases: [(seed: UInt64, replicas: Int)] = [
        (0x5EED_0001, 3), (0x5EED_0002, 4), (0x5EED_0003, 5), (0xC0FF_EE00_D15E_A5E5, 4),
    ]

    @Test(arguments: cases)
    func replicasConvergeWhateverTheDeliveryOrder(seed: UInt64, replicaCount: Int) throws {
        var workload = RandomWorkload(seed: seed, replicaCount: replicaCount)
        workload.run(steps: 3_000)
        let reference = ReferenceModel.visibleRecords(workload.made).map(\.canonicalBytes)

        // The history must exercise what it claims to test.
        let everything = workload.made.reduce(into: ReplicaState(replica: ReplicaID(high: 0, low: 0))) { $0.apply($1) }
        let visible = everything.visibleRecords
        #expect(visible.contains { !$0.conflicts.isEmpty }, "seed \(seed): no conflicts produced")
        #expect(visible.contains { $0.erased }, "seed \(seed): no erase produced")
        #expect(visible.contains { $0.isDeleted }, "seed \(seed): no deleted record produced")
        #expect(visible.contains { !$0.sets.isEmpty }, "seed \(seed): no set elements produced")
        #expect(visible.flatMap(\.conflicts).contains { $0.heads[0].timestamp == $0.heads[1].timestamp },
                "seed \(seed): no conflict between equal timestamps, so the origin tie-break goes untested")
        #expect(visible.map(\.canonicalBytes) == reference, "seed \(seed): differs from the reference model")
        let expected = everything.observable

        // The replicas that wrote the history, after everyone hears from everyone.
        var replicas = workload.replicas
        for i in replicas.indices {
            for j in replicas.indices where i != j { replicas[i].merge(workload.replicas[j]) }
        }
        for (index, replica) in replicas.enumerated() {
            expectSame(replica.observable, expected, "seed \(seed): writer replica \(index) differs after a full exchange")
        }

        // Fresh replicas fed every version of every operation in random orders, with duplicates.
        let versions = workload.everyVersion
        for round in 0..<4 {
            var fresh = ReplicaState(replica: ReplicaID(high: UInt64(round), low: 99))
            var newCount = 0
            for operation in workload.deliveryOrder(versions) where fresh.apply(operation) { newCount += 1 }
            #expect(newCount == workload.made.count, "seed \(seed), round \(round): duplicates were counted as new")
            expectSame(fresh.observable, expected, "seed \(seed), round \(round): a fresh replica differs")
        }
    }

    @Test(arguments: cases)
    func mergeIsCommutativeAssociativeAndIdempotent(seed: UInt64, replicaCount: Int) throws {
        var workload = RandomWorkload(seed: seed, replicaCount: replicaCount)
        workload.run(steps: 1_500, syncEvery: 10)
        // Partially synced replicas, each holding a different set.
        let a = workload.replicas[0], b = workload.replicas[1], c = workload.replicas[2]
        #expect(a.observable != b.observable, "seed \(seed): the replicas are already equal, the laws would hold vacuously")

        expectSame(a.merged(with: b).observable, b.merged(with: a).observable, "seed \(seed): merge is not commutative")
        expectSame(a.merged(with: b).merged(with: c).observable, a.merged(with: b.merged(with: c)).observable,
                   "seed \(seed): merge is not associative")
        expectSame(a.merged(with: a).observable, a.observable, "seed \(seed): merging a replica with itself changed it")
        expectSame(a.merged(with: b).merged(with: b).observable, a.merged(with: b).observable, "seed \(seed): merging twice differs from once")

        var again = a.merged(with: b)
        let news = b.operations.values.filter { again.apply($0) }
        #expect(news.isEmpty, "seed \(seed): operations already held were applied again")
    }

    @Test func mergeResultMatchesTheReferenceModelOverTheUnion() {
        var workload = RandomWorkload(seed: 0xAB5C_155A, replicaCount: 3)
        workload.run(steps: 800, syncEvery: 8)
        let a = workload.replicas[0], b = workload.replicas[1]
        let union = Array(a.operations.values) + Array(b.operations.values)
        #expect(a.merged(with: b).visibleRecords.map(\.canonicalBytes) == ReferenceModel.visibleRecords(union).map(\.canonicalBytes))
    }
}
