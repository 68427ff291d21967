import CRDT
import CRDTTestSupport
import Testing

/// The text's laws: the visible text, and the whole sequence with deleted
/// characters, is a function of the set of operations held, whatever the
/// order, duplicates or partial deliveries; and it is the sequence the naive
/// reference model builds.
@Suite struct TextConvergenceTests {
    static let cases: [(seed: UInt64, replicas: Int)] = [
        (0x7E47_0001, 3), (0x7E47_0002, 4), (0x7E47_0003, 5), (0xC0FF_EE00_7E47_0004, 4), (0x7E47_0005, 3),
    ]

    @Test(arguments: cases)
    func replicasConvergeToTheReferenceModelWhateverTheDeliveryOrder(seed: UInt64, replicaCount: Int) throws {
        var workload = TextWorkload(seed: seed, replicaCount: replicaCount)
        workload.run(steps: 1_500)
        let reference = TextReferenceModel(workload.made)

        // The history must exercise what it claims to test.
        #expect(reference.concurrentScans > 20, "seed \(seed): few concurrent insertions at one place")
        #expect(reference.ties > 5, "seed \(seed): the replica tie-break was never needed")
        #expect(reference.items.contains { $0.deleted } && reference.items.contains { !$0.deleted })

        let expected = reference.elements.map { "\($0.id)\($0.deleted ? "-" : "+")" }
        func shown(_ text: TextSequence) -> [String] { text.elements.map { "\($0.id)\($0.isDeleted ? "-" : "+")" } }

        workload.syncAll()
        for (index, replica) in workload.replicas.enumerated() {
            #expect(replica.waitingCount == 0, "seed \(seed): replica \(index) still waits")
            #expect(replica.text == reference.text, "seed \(seed): replica \(index)'s text differs from the reference model")
            #expect(shown(replica) == expected, "seed \(seed): replica \(index)'s sequence differs from the reference model")
        }

        // Fresh replicas fed everything in random orders with duplicates,
        // the operations as made or coalesced into runs.
        let coalesced = TextOperation.coalesced(workload.made)
        #expect(coalesced.count < workload.made.count)
        for round in 0 ..< 4 {
            var fresh = TextSequence(replica: ReplicaID(high: 0xF2E5, low: UInt64(round)))
            let operations = workload.deliveryOrder(round % 2 == 0 ? workload.made : coalesced)
            for operation in operations { fresh.apply(operation) }
            #expect(fresh.waitingCount == 0)
            #expect(fresh.text == reference.text, "seed \(seed), round \(round): a fresh replica's text differs")
            #expect(shown(fresh) == expected, "seed \(seed), round \(round): a fresh replica's sequence differs")
        }
    }

    @Test(arguments: cases)
    func mergeIsCommutativeAssociativeAndIdempotent(seed: UInt64, replicaCount: Int) throws {
        var workload = TextWorkload(seed: seed, replicaCount: replicaCount)
        workload.run(steps: 600, syncPercent: 10)
        // Three different sets of operations, each some replica's edits.
        let made = workload.made
        var random = workload.random
        let sets = (0 ..< 3).map { _ in made.filter { _ in random.chance(50) } }
        func merged(_ parts: [[TextOperation]]) -> [String] {
            var text = TextSequence(replica: ReplicaID(high: 1, low: 1))
            for part in parts { for operation in part { text.apply(operation) } }
            return text.elements.map { "\($0.id)\($0.isDeleted ? "-" : "+")" } + ["waiting \(text.waitingCount)"]
        }
        let (a, b, c) = (sets[0], sets[1], sets[2])
        #expect(merged([a, b]) == merged([b, a]), "seed \(seed): not commutative")
        #expect(merged([a, b, c]) == merged([c, b, a]) && merged([a, c, b]) == merged([b, c, a]), "seed \(seed): not associative")
        #expect(merged([a, a, b, a]) == merged([a, b]), "seed \(seed): not idempotent")
        #expect(merged([a, b]) != merged([a]), "seed \(seed): the sets were the same, the laws would hold vacuously")
    }

    @Test(arguments: cases)
    func anchorsResolveToTheirCharacterOnEveryReplica(seed: UInt64, replicaCount: Int) throws {
        var workload = TextWorkload(seed: seed, replicaCount: replicaCount)
        workload.run(steps: 1_500)
        workload.syncAll()
        let reference = TextReferenceModel(workload.made)
        let anchored = workload.anchors.compactMap(\.anchor.character)
        #expect(anchored.count > 20, "seed \(seed): few anchors taken")
        let deleted = Set(reference.items.filter(\.deleted).map(\.id))
        #expect(anchored.contains { deleted.contains($0) } && anchored.contains { !deleted.contains($0) },
                "seed \(seed): anchors on both surviving and deleted characters")
        for (index, replica) in workload.replicas.enumerated() {
            let visible = replica.elements.filter { !$0.isDeleted }
            for entry in workload.anchors {
                guard let character = entry.anchor.character else {
                    #expect(replica.offset(of: entry.anchor) == replica.count)
                    continue
                }
                let offset = try #require(replica.offset(of: entry.anchor))
                #expect(offset == reference.offset(of: character), "seed \(seed): replica \(index), anchor \(character)")
                if !deleted.contains(character) {
                    #expect(visible[offset].id == character, "seed \(seed): replica \(index) resolves \(character) to another character")
                }
            }
        }
    }
}
