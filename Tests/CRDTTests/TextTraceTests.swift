import CRDT
import CRDTTestSupport
import Foundation
import Synthetic
import Testing

/// A real editing history: the first 2,000 edits of the automerge-paper
/// trace (Fixtures/automerge-paper-slice.json: source and licence inside),
/// replayed locally and merged into a fresh replica, against the text a
/// naive replay of the same edits produces.
@Suite struct TextTraceTests {
    struct Slice {
        let patches: [(position: Int, deleteCount: Int, text: String)]

        init() throws {
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/automerge-paper-slice.json")
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: path))
            guard let root = object as? [String: Any], let patches = root["patches"] as? [[Any]] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            self.patches = try patches.map { patch in
                guard patch.count == 3, let position = patch[0] as? Int, let deleteCount = patch[1] as? Int,
                      let text = patch[2] as? String else { throw CocoaError(.fileReadCorruptFile) }
                return (position, deleteCount, text)
            }
        }

        /// The edits applied to an array of scalars: what any correct replay must give.
        var naiveText: String {
            var scalars: [Unicode.Scalar] = []
            for patch in patches {
                scalars.replaceSubrange(patch.position ..< patch.position + patch.deleteCount, with: patch.text.unicodeScalars)
            }
            return String(String.UnicodeScalarView(scalars))
        }
    }

    static func replay(_ slice: Slice, replica: ReplicaID) -> (TextSequence, [TextOperation]) {
        var text = TextSequence(replica: replica)
        var operations: [TextOperation] = []
        for patch in slice.patches {
            if patch.deleteCount > 0, let operation = text.delete(patch.position ..< patch.position + patch.deleteCount) {
                operations.append(operation)
            }
            if let operation = text.insert(patch.text, at: patch.position) { operations.append(operation) }
        }
        return (text, operations)
    }

    @Test func replayingTheTraceSliceGivesTheNaiveResultByteForByte() throws {
        let slice = try Slice()
        #expect(slice.patches.count == 2_000)
        let expected = slice.naiveText
        #expect(expected.hasPrefix("\\documentclass"))
        let (text, operations) = Self.replay(slice, replica: ReplicaID(high: 0xAB, low: 1))
        #expect(Array(text.text.utf8) == Array(expected.utf8))
        #expect(operations.count == 2_000)
        #expect(text.runCount < 400, "typing should make runs, not one run per character: \(text.runCount)")
    }

    @Test func theTraceSliceMergesIntoAFreshReplicaAsOperationsOrRuns() throws {
        let slice = try Slice()
        let expected = slice.naiveText
        let (original, operations) = Self.replay(slice, replica: ReplicaID(high: 0xAB, low: 1))
        let coalesced = TextOperation.coalesced(operations)
        #expect(coalesced.count * 4 < operations.count, "typing coalesces into runs: \(coalesced.count) of \(operations.count)")
        var random = SplitMix64(seed: 0x7EACE)
        for (round, batch) in [operations, coalesced, operations.shuffled(using: &random), coalesced.shuffled(using: &random)].enumerated() {
            var fresh = TextSequence(replica: ReplicaID(high: 0xCD, low: UInt64(round)))
            for operation in batch { fresh.apply(operation) }
            #expect(fresh.text == expected, "round \(round)")
            #expect(fresh.elements == original.elements, "round \(round)")
        }
    }
}
