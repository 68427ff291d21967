import CRDT
import Store

/// How far two coders agree, theme by theme: percent agreement and Cohen's
/// kappa (Cohen 1960, "A coefficient of agreement for nominal scales") over
/// the notes both coded.
///
/// The unit is the **note**, not the character:
/// - the notes compared are those both coders coded (each has at least one
///   live passage on it whose words remain, its theme in the codebook, on a
///   note that is neither deleted nor erased);
/// - for each theme, each of those notes is a yes or a no for each coder: did
///   the coder code a passage of it with that theme? (Exactly that theme:
///   a passage coded with a sub-theme is a yes for the sub-theme only.)
///   Tags are not counted: a tag has no coder.
/// - From the 2×2 table: p_o = (both + neither) / n; p_e = p_A·p_B +
///   (1 − p_A)(1 − p_B), with p_A and p_B the shares of notes each coder coded
///   with the theme; κ = (p_o − p_e) / (1 − p_e).
/// - κ is undefined when p_e = 1: both coders gave every note the same answer
///   (both coded the theme on every note, or neither on any), so there is no
///   disagreement chance could explain. It is reported as nil (`null`, and
///   "undefined" in tables), never as 1 or 0.
///
/// QualCoder (report_compare_coder_file.py) compares one code in one file
/// character by character: percent agreement counts characters both coded or
/// neither coded over the file's length, and its kappa is computed over the
/// characters either coder coded, with p_e = p_yes × p_no. Our figures are
/// note-level and use Cohen's p_e = p_yes + p_no, so they are not comparable
/// number for number with QualCoder's; they answer "do the two of us code
/// the same notes with the same themes?".
public struct Agreement: Sendable {
    /// What one yes-or-no answer is about.
    public enum Unit: String, Sendable, CaseIterable {
        /// Did the coder code a passage of the note with the theme?
        case note
        /// Did the coder's passages with the theme cover this character of
        /// the note's body? QualCoder's unit: agreement over every
        /// character of the notes both coded, as its file comparison counts
        /// it; kappa is Cohen's, from the same table.
        case character
    }

    /// Two coders' answers about one theme over the notes both coded.
    public struct Counts: Sendable, Equatable {
        public var both = 0, onlyA = 0, onlyB = 0, neither = 0

        public init(both: Int = 0, onlyA: Int = 0, onlyB: Int = 0, neither: Int = 0) {
            self.both = both
            self.onlyA = onlyA
            self.onlyB = onlyB
            self.neither = neither
        }

        public var notes: Int { both + onlyA + onlyB + neither }
        /// p_o, from 0 to 1 (0 for no notes).
        public var observed: Double { notes == 0 ? 0 : Double(both + neither) / Double(notes) }
        /// p_e, the agreement expected by chance from each coder's own rate.
        public var expected: Double {
            guard notes > 0 else { return 1 }
            let n = Double(notes)
            let a = Double(both + onlyA) / n, b = Double(both + onlyB) / n
            return a * b + (1 - a) * (1 - b)
        }
        /// Cohen's kappa; nil when p_e = 1 (decided on the counts, not on a rounded p_e).
        public var kappa: Double? {
            let a = both + onlyA, b = both + onlyB
            if notes == 0 || (a == 0 && b == 0) || (a == notes && b == notes) { return nil }
            return (observed - expected) / (1 - expected)
        }

        static func + (x: Counts, y: Counts) -> Counts {
            Counts(both: x.both + y.both, onlyA: x.onlyA + y.onlyA, onlyB: x.onlyB + y.onlyB, neither: x.neither + y.neither)
        }
    }

    public let coderA: String
    public let coderB: String
    public let unit: Unit
    /// The notes both coded, in id order.
    public let notes: [RecordID]
    /// Each theme either coder used on those notes, in codebook order.
    public let themes: [(theme: RecordID, counts: Counts)]
    /// Every theme's table added together: agreement over note × theme pairs.
    public var pooled: Counts { themes.reduce(Counts()) { $0 + $1.counts } }

    /// Compares `coderA` and `coderB` (device names, ignoring case) over
    /// `passages` (`Passages.all`), counting those whose note is in `liveNotes`.
    /// Throws `StoreError.invalid` for a coder with no such passages, the
    /// same coder twice, or no note in common.
    /// With `unit: .character`, `bodyLengths` gives each note's body length in characters (Unicode scalars).
    public init(passages: [Passages.Resolved], book: Codebook, liveNotes: Set<RecordID>, coderA: String, coderB: String,
                unit: Unit = .note, bodyLengths: [RecordID: Int] = [:]) throws {
        self.unit = unit
        let keyA = Codebook.key(coderA), keyB = Codebook.key(coderB)
        guard keyA != keyB else { throw StoreError.invalid("both coders are '\(coderA)'", "compare two different coders") }
        let live = passages.filter { liveNotes.contains($0.note) }
        var coded: [String: [RecordID: Set<RecordID>]] = [:]
        var names: [String: String] = [:]
        for (key, mine) in Dictionary(grouping: live, by: { Codebook.key($0.coder) }) {
            let themes = Codings.byPassage(book: book, passages: mine)
            guard !themes.isEmpty, let first = mine.first else { continue }
            coded[key] = themes
            names[key] = first.coder
        }
        for (key, given) in [(keyA, coderA), (keyB, coderB)] where coded[key] == nil {
            let known = names.values.sorted()
            throw StoreError.invalid("no coded passages by '\(given)'",
                                     known.isEmpty ? "no passages are coded yet; 'fieldnotes code' codes one"
                                                   : "coders with passages: \(known.joined(separator: ", "))")
        }
        let a = coded[keyA] ?? [:], b = coded[keyB] ?? [:]
        let common = Set(a.keys).intersection(b.keys).sorted()
        self.coderA = names[keyA] ?? coderA
        self.coderB = names[keyB] ?? coderB
        guard !common.isEmpty else {
            throw StoreError.invalid("\(self.coderA) and \(self.coderB) have coded no note in common",
                                     "agreement is measured over the notes both coded; code some of the same notes, then run it again")
        }
        var used: Set<RecordID> = []
        for note in common { used.formUnion(a[note] ?? []); used.formUnion(b[note] ?? []) }
        self.notes = common
        // Per coder, note and theme: the characters its passages cover.
        func covered(_ key: String, _ note: RecordID, _ theme: RecordID, _ length: Int) -> [Bool] {
            var marks = [Bool](repeating: false, count: length)
            for passage in live where Codebook.key(passage.coder) == key && passage.note == note && passage.theme == theme {
                guard let span = passage.span else { continue }
                for index in max(0, span.start) ..< min(length, span.end) { marks[index] = true }
            }
            return marks
        }
        self.themes = book.ordered.map(\.id).filter(used.contains).map { theme in
            var counts = Counts()
            if unit == .character {
                for note in common {
                    let length = bodyLengths[note] ?? 0
                    for (x, y) in zip(covered(keyA, note, theme, length), covered(keyB, note, theme, length)) {
                        switch (x, y) {
                        case (true, true): counts.both += 1
                        case (true, false): counts.onlyA += 1
                        case (false, true): counts.onlyB += 1
                        case (false, false): counts.neither += 1
                        }
                    }
                }
                return (theme, counts)
            }
            for note in common {
                switch ((a[note] ?? []).contains(theme), (b[note] ?? []).contains(theme)) {
                case (true, true): counts.both += 1
                case (true, false): counts.onlyA += 1
                case (false, true): counts.onlyB += 1
                case (false, false): counts.neither += 1
                }
            }
            return (theme, counts)
        }
    }

    /// The comparison from the store: its codebook, passages, and which of their notes are live.
    public static func load(_ store: Store, coderA: String, coderB: String, unit: Unit = .note) throws -> Agreement {
        let passages = try Passages.all(store)
        var live: Set<RecordID> = []
        var lengths: [RecordID: Int] = [:]
        for note in Set(passages.map(\.note)) {
            if let record = try store.record(note), record.type == Note.type, !record.erased, !record.isDeleted {
                live.insert(note)
                lengths[note] = record.value("body")?.text?.unicodeScalars.count ?? 0
            }
        }
        return try Agreement(passages: passages, book: try Codebook.load(store), liveNotes: live, coderA: coderA, coderB: coderB,
                             unit: unit, bodyLengths: lengths)
    }
}
