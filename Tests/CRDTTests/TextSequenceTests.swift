import CRDT
import CRDTTestSupport
import Foundation
import Synthetic
import Testing

/// Local editing of one text: offsets, runs, deletions by id, anchors.
@Suite struct TextSequenceTests {
    static let alice = ReplicaID(high: 0, low: 0xA)
    static let bob = ReplicaID(high: 0, low: 0xB)

    @Test func localEditsReadBackAsAPlainStringWouldAndCountScalars() throws {
        var text = TextSequence(replica: Self.alice)
        _ = text.insert("hello world", at: 0)
        _ = text.insert("brave new ", at: 6)
        _ = text.delete(0 ..< 1)
        _ = text.insert("H", at: 0)
        _ = text.insert("é😀", at: text.count)
        #expect(text.text == "Hello brave new worldé😀")
        #expect(text.count == 23, "offsets count Unicode scalars")
        _ = text.delete(21 ..< 22)
        #expect(text.text == "Hello brave new world😀")
    }

    @Test func aTypedRunIsOneOperationAndOneRun() throws {
        var text = TextSequence(replica: Self.alice)
        let operation = try required(text.insert("fieldnotes", at: 0))
        guard case .insert(let run) = operation else { Issue.record("not an insertion"); return }
        #expect(run.first == 1 && run.count == 10 && run.left == nil && run.right == nil)
        // Typing character by character also stays one run in storage, and
        // its operations coalesce into one.
        var typed = TextSequence(replica: Self.alice)
        var operations: [TextOperation] = []
        for (offset, character) in "fieldnotes".enumerated() {
            operations.append(try required(typed.insert(String(character), at: offset)))
        }
        #expect(typed.runCount == 1)
        #expect(TextOperation.coalesced(operations) == [operation])
        // Backspacing over it is one deletion range.
        var deletes: [TextOperation] = []
        for offset in stride(from: 9, through: 5, by: -1) { deletes.append(try required(typed.delete(offset ..< offset + 1))) }
        #expect(TextOperation.coalesced(deletes) == [.delete([CharacterRange(replica: Self.alice, first: 6, count: 5)])])
        #expect(typed.text == "field" && typed.runCount == 2)
    }

    @Test func aDeletionRemovesOnlyWhatItsAuthorSaw() throws {
        var a = TextSequence(replica: Self.alice)
        let base = try required(a.insert("abcdef", at: 0))
        var b = TextSequence(replica: Self.bob)
        b.apply(base)
        // Bob deletes "cd" while Alice types inside it.
        let deletion = try required(b.delete(2 ..< 4))
        let typed = try required(a.insert("XY", at: 3))
        a.apply(deletion)
        b.apply(typed)
        #expect(a.text == "abXYef")
        #expect(b.text == a.text)
    }

    @Test func operationsArrivingBeforeWhatTheyNeedWaitAndThenApply() throws {
        var a = TextSequence(replica: Self.alice)
        let first = try required(a.insert("abc", at: 0))
        let second = try required(a.insert("XYZ", at: 1))
        let third = try required(a.delete(2 ..< 5))
        var b = TextSequence(replica: Self.bob)
        #expect(b.apply(third) == .waiting)
        #expect(b.apply(second) == .waiting)
        #expect(b.waitingCount == 2)
        #expect(b.apply(first) == .applied)
        #expect(b.waitingCount == 0)
        #expect(b.text == a.text && a.text == "aXc")
        #expect(b.apply(second) == .unchanged)
        #expect(b.apply(third) == .unchanged)
    }

    @Test func malformedOperationsChangeNothingAndNeverTrap() throws {
        var text = TextSequence(replica: Self.alice)
        _ = text.insert("abc", at: 0)
        let before = text.elements
        let huge = UInt64.max - 1
        #expect(text.apply(.insert(TextInsertion(replica: Self.bob, first: huge, text: "xy", left: nil, right: nil))) == .unchanged)
        #expect(text.apply(.insert(TextInsertion(replica: Self.bob, first: 0, text: "xy", left: nil, right: nil))) == .unchanged)
        #expect(text.apply(.insert(TextInsertion(replica: Self.bob, first: 1, text: "", left: nil, right: nil))) == .unchanged)
        #expect(text.apply(.delete([CharacterRange(replica: Self.alice, first: huge, count: 5)])) == .unchanged)
        #expect(text.apply(.delete([CharacterRange(replica: Self.alice, first: 0, count: 2)])) == .unchanged)
        // An origin never delivered: the insertion waits, and changes nothing.
        let ghost = CharacterID(replica: ReplicaID(high: 9, low: 9), counter: 4)
        #expect(text.apply(.insert(TextInsertion(replica: Self.bob, first: 1, text: "x", left: ghost, right: nil))) == .waiting)
        #expect(text.elements == before && text.text == "abc")
    }

    @Test func aCoalescedCopyOfOperationsAlreadyHeldAddsOnlyWhatIsNew() throws {
        var a = TextSequence(replica: Self.alice)
        var operations: [TextOperation] = []
        for (offset, character) in "abcdef".enumerated() {
            operations.append(try required(a.insert(String(character), at: offset)))
        }
        var b = TextSequence(replica: Self.bob)
        for operation in operations.prefix(2) { b.apply(operation) }
        let whole = TextOperation.coalesced(operations)
        #expect(whole.count == 1)
        #expect(b.apply(whole[0]) == .applied)
        #expect(b.text == "abcdef" && b.elements == a.elements)
    }

    @Test func anAnchorFollowsItsCharacterAndStaysWhereItStoodWhenDeleted() throws {
        var text = TextSequence(replica: Self.alice)
        _ = text.insert("the quick fox", at: 0)
        let fox = text.anchor(at: 10)
        let end = text.anchor(at: text.count)
        #expect(end == .end)
        _ = text.insert("brown ", at: 10)
        #expect(text.offset(of: fox) == 16)
        _ = text.delete(0 ..< 4)
        #expect(text.offset(of: fox) == 12)
        _ = text.delete(10 ..< 15)
        #expect(text.text == "quick brow")
        #expect(text.offset(of: fox) == 10, "a deleted character resolves to where it stood")
        #expect(text.offset(of: end) == 10)
        let stranger = TextSequence.Anchor(character: CharacterID(replica: Self.bob, counter: 1))
        #expect(text.offset(of: stranger) == nil)
    }

    @Test func largeTextsSplitIntoManyLeavesAndStayConsistent() throws {
        // Enough scattered edits to split leaves many times, checked against a plain array.
        var random = SplitMix64(seed: 0x1EAF)
        var text = TextSequence(replica: Self.alice)
        var plain: [Unicode.Scalar] = []
        for _ in 0 ..< 6_000 {
            if plain.isEmpty || random.chance(70) {
                let offset = Int.random(in: 0 ... plain.count, using: &random)
                let scalar = Unicode.Scalar(UInt8.random(in: 97 ... 122, using: &random))
                _ = text.insert(String(scalar), at: offset)
                plain.insert(scalar, at: offset)
            } else {
                let offset = Int.random(in: 0 ..< plain.count, using: &random)
                let end = min(plain.count, offset + Int.random(in: 1 ... 4, using: &random))
                _ = text.delete(offset ..< end)
                plain.removeSubrange(offset ..< end)
            }
        }
        #expect(text.runCount > 4 * 64, "the workload did not split leaves")
        #expect(text.text == String(String.UnicodeScalarView(plain)))
        // Every character's anchor resolves to its offset.
        for offset in stride(from: 0, to: plain.count, by: 7) {
            #expect(text.offset(of: text.anchor(at: offset)) == offset)
        }
    }
}
