import CRDT
import CRDTTestSupport
import Synthetic
import Testing

/// The edits a whole-text edit becomes: always exactly the new text, and the
/// characters they keep are the words a person kept (coded passages and
/// anchors hold on to those).
@Suite struct TextDiffTests {
    static func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    /// The edits applied, last first, as `TextField.edit(to:)` applies them.
    static func applied(_ edits: [TextDiff.Edit], to old: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var text = old
        for edit in edits.reversed() {
            text.replaceSubrange(edit.offset ..< edit.offset + edit.deleteCount, with: edit.insert)
        }
        return text
    }

    /// The offsets of the old text no edit deletes.
    static func kept(_ edits: [TextDiff.Edit], count: Int) -> Set<Int> {
        var kept = Set(0 ..< count)
        for edit in edits { kept.subtract(edit.offset ..< edit.offset + edit.deleteCount) }
        return kept
    }

    @Test func anyTwoTextsGiveEditsInOrderThatMakeTheNewOne() {
        var random = SplitMix64(seed: 0x7E47_D1FF)
        let alphabet = Self.scalars("ab c\n.é😀ab ")
        for round in 0 ..< 2_000 {
            let old = (0 ..< Int.random(in: 0 ... 40, using: &random)).map { _ in alphabet[Int.random(in: 0 ..< alphabet.count, using: &random)] }
            var new = old
            for _ in 0 ..< Int.random(in: 0 ... 6, using: &random) {
                if !new.isEmpty, random.chance(50) {
                    let at = Int.random(in: 0 ..< new.count, using: &random)
                    new.removeSubrange(at ..< min(new.count, at + Int.random(in: 1 ... 5, using: &random)))
                } else {
                    let at = Int.random(in: 0 ... new.count, using: &random)
                    new.insert(contentsOf: (0 ..< Int.random(in: 1 ... 5, using: &random)).map { _ in alphabet[Int.random(in: 0 ..< alphabet.count, using: &random)] }, at: at)
                }
            }
            let edits = TextDiff.edits(from: old, to: new)
            #expect(Self.applied(edits, to: old) == new, "round \(round)")
            for (first, second) in zip(edits, edits.dropFirst()) {
                // Two edits are apart by at least one kept scalar (else they would be one).
                #expect(first.offset + first.deleteCount < second.offset, "round \(round): edits overlap or are out of order")
            }
            #expect(edits.allSatisfy { $0.deleteCount > 0 || !$0.insert.isEmpty }, "round \(round): an empty edit")
        }
    }

    /// "The bus" to "The number 9 bus": the fewest scalars keep the old "b"
    /// as the one in "number", which moved a passage coded on "bus stopped"
    /// onto "ber 9 bus stopped". The words kept are kept whole.
    @Test func wordsAddedAroundAPhraseKeepThePhraseWhole() {
        let old = Self.scalars("The bus stopped coming in May.")
        let new = Self.scalars("The number 9 bus stopped suddenly coming in May.")
        let edits = TextDiff.edits(from: old, to: new)
        #expect(Self.applied(edits, to: old) == new)
        #expect(edits.allSatisfy { $0.deleteCount == 0 }, "nothing of the old text was taken out")
        #expect(edits.map { String(String.UnicodeScalarView($0.insert)) }.sorted() == [" suddenly", "number 9 "].sorted()
                || edits.map { String(String.UnicodeScalarView($0.insert)) }.sorted() == ["number 9 ", "suddenly "].sorted(),
                "inserted: \(edits.map { String(String.UnicodeScalarView($0.insert)) })")
        let bus = 4 ..< 15  // "bus stopped" in the old text
        #expect(Self.kept(edits, count: old.count).isSuperset(of: bus))
    }

    /// A sentence rewritten says something else: none of its scattered
    /// letters is kept, so a passage coded on it is gone, not moved onto
    /// words nobody coded.
    @Test func aRewrittenSentenceKeepsNoneOfItsLetters() {
        let old = Self.scalars("I never see anyone these days, it is very lonely.")
        let new = Self.scalars("My son visits every Sunday, it is lovely.")
        let edits = TextDiff.edits(from: old, to: new)
        #expect(Self.applied(edits, to: old) == new)
        let coded = 0 ..< 29  // "I never see anyone these days"
        #expect(Self.kept(edits, count: old.count).isDisjoint(with: coded), "kept: \(Self.kept(edits, count: old.count).sorted())")
    }

    /// A word replaced by another keeps none of its letters, even those the
    /// two share at an end ("cried" to "sobbed" kept "ed", and a passage
    /// coded on "cried" became "ed": a reviewer's try); a typo fixed (two
    /// scalars at most) is still compared letter by letter.
    @Test func aReplacedWordKeepsNoneOfItsLetters() {
        for (old, new, word) in [("She cried when the bus stopped.", "She sobbed when the bus stopped.", "cried"),
                                 ("He was walking home.", "He was running home.", "walking"),
                                 ("Her grandson visits on Sundays.", "Her grandmother visits on Sundays.", "grandson"),
                                 ("He is worried about the heating bill.", "He is relaxed about the heating bill.", "worried")] {
            let (a, b) = (Self.scalars(old), Self.scalars(new))
            let edits = TextDiff.edits(from: a, to: b)
            #expect(Self.applied(edits, to: a) == b)
            let start = old.unicodeScalars.distance(from: old.unicodeScalars.startIndex,
                                                    to: old.range(of: word)?.lowerBound.samePosition(in: old.unicodeScalars) ?? old.unicodeScalars.startIndex)
            #expect(Self.kept(edits, count: a.count).isDisjoint(with: start ..< start + word.unicodeScalars.count), "\(old) → \(new): \(edits)")
        }
        let typo = TextDiff.edits(from: Self.scalars("She was lonley."), to: Self.scalars("She was lonely."))
        #expect(typo.count == 1 && typo[0].deleteCount + typo[0].insert.count <= 4, "\(typo)")
    }

    @Test func aOneWordFixStaysSmallAndLeavesTheRestAlone() {
        let old = Self.scalars("We talked about the bsu to town and the library.")
        let new = Self.scalars("We talked about the bus to town and the library.")
        let edits = TextDiff.edits(from: old, to: new)
        #expect(Self.applied(edits, to: old) == new)
        #expect(edits.count == 1 && edits[0].deleteCount <= 2 && edits[0].insert.count <= 2, "\(edits)")
        let inserted = Self.scalars("We talked about the bus to town, the market and the library.")
        let more = TextDiff.edits(from: new, to: inserted)
        #expect(more.count == 2 || more.count == 1)
        #expect(more.allSatisfy { $0.deleteCount <= 4 }, "\(more)")
        #expect(Self.applied(more, to: new) == inserted)
    }

    /// Where an inserted word could go one letter earlier or later, it goes
    /// at a word boundary: "The bus" to "The big bus" inserts "big ", not "ig b".
    @Test func anInsertedWordSitsBetweenWords() {
        let old = Self.scalars("The bus came.")
        let new = Self.scalars("The big bus came.")
        let edits = TextDiff.edits(from: old, to: new)
        #expect(edits.count == 1 && edits[0].offset == 4 && edits[0].deleteCount == 0 && edits[0].insert == Self.scalars("big "), "\(edits)")
    }
}
