import CRDT
import Store

/// Coding passages of a note's body with themes: finding the passage a
/// person means, recording it on the text's character ids, and reading
/// where it stands today.
public enum Passages {
    /// What a person names a passage by.
    public enum Selection: Sendable {
        /// A phrase that must occur exactly once in the body.
        case quote(String)
        /// Offsets in Unicode scalars, end exclusive.
        case range(Range<Int>)
    }

    /// The changes that code `selection` of `note`'s body with `theme`, by
    /// `coder`, at `now` (ISO 8601 UTC). Refuses a phrase that is not in
    /// the body or occurs more than once (listing where), and a range
    /// outside it.
    public static func code(_ selection: Selection, of note: RecordID, theme: RecordID, coder: String, now: String,
                            in store: Store, id: RecordID) throws -> [Change] {
        guard let record = try store.record(note), record.type == Note.type, !record.erased else {
            throw StoreError.invalid("no note \(note.short)", "give a note's id or a unique prefix")
        }
        let body = Array((record.value("body")?.text ?? "").unicodeScalars)
        let range: Range<Int>
        switch selection {
        case .quote(let phrase):
            let wanted = Array(phrase.unicodeScalars)
            guard !wanted.isEmpty else { throw StoreError.invalid("the quote is empty", "give the words to code, as they are in the body") }
            let found = occurrences(of: wanted, in: body)
            guard let first = found.first else {
                throw StoreError.invalid("\"\(phrase)\" is not in the body of note \(note.short)", "quote the words exactly as 'fieldnotes show \(note.short)' prints them")
            }
            guard found.count == 1 else {
                let places = found.prefix(5).map { "at \($0): …\(context(body, $0, wanted.count))…" }.joined(separator: "; ")
                throw StoreError.invalid("\"\(phrase)\" occurs \(found.count) times in note \(note.short) (\(places))",
                                         "quote more words so that they occur once, or give --range START:END")
            }
            range = first ..< first + wanted.count
        case .range(let given):
            guard !given.isEmpty, given.lowerBound >= 0, given.upperBound <= body.count else {
                throw StoreError.invalid("the range \(given.lowerBound):\(given.upperBound) is not inside the body (\(body.count) characters)",
                                         "give START:END with 0 <= START < END <= \(body.count)")
            }
            range = given
        }
        guard let ends = try store.characters(in: note, range: range) else {
            throw StoreError.invalid("the body of note \(note.short) changed while coding", "try again")
        }
        return [
            .create(id, type: Passage.type),
            .assign(id, field: "note", value: .text(note.hex)),
            .assign(id, field: "theme", value: .text(theme.hex)),
            .assign(id, field: "start", value: .text(ends.first.description)),
            .assign(id, field: "last", value: .text(ends.last.description)),
            .assign(id, field: "coder", value: .text(coder)),
            .assign(id, field: "coded_at", value: .text(now)),
        ]
    }

    static func occurrences(of wanted: [Unicode.Scalar], in body: [Unicode.Scalar]) -> [Int] {
        guard wanted.count <= body.count else { return [] }
        return (0 ... body.count - wanted.count).filter { start in body[start ..< start + wanted.count].elementsEqual(wanted) }
    }

    static func context(_ body: [Unicode.Scalar], _ start: Int, _ length: Int) -> String {
        let from = max(0, start - 15), to = min(body.count, start + length + 15)
        return String(String.UnicodeScalarView(body[from ..< to])).replacingNewlines
    }

    /// A passage as it stands today.
    public struct Resolved: Sendable {
        public let record: VisibleRecord
        public let note: RecordID
        public let theme: RecordID
        /// Who coded it and when, as its record says.
        public var coder: String { record.value("coder")?.text ?? "" }
        public var codedAt: String { record.value("coded_at")?.text ?? "" }
        /// Where its words stand in the note's body now; nil if this store
        /// does not hold the characters (the note has not synced yet).
        public let span: TextSpan?

        /// Every character of the passage has been deleted.
        public var allDeleted: Bool { span?.isEmpty ?? false }

        /// The same passage with its record's values rewritten (as an
        /// export's `--redact` rewrites them); where it stands is kept.
        public func replacing(record: VisibleRecord) -> Resolved {
            Resolved(record: record, note: note, theme: theme, span: span)
        }
    }

    /// Every live passage, with where it stands, in record order.
    public static func all(_ store: Store) throws -> [Resolved] {
        try store.list(RecordFilter(type: Passage.type)).compactMap { try resolve($0, in: store) }
    }

    /// Where a passage stands today; nil for a record that is not a readable passage.
    public static func resolve(_ record: VisibleRecord, in store: Store) throws -> Resolved? {
        guard record.type == Passage.type, !record.erased,
              let note = record.value("note")?.text.flatMap(RecordID.init(hex:)),
              let theme = record.value("theme")?.text.flatMap(RecordID.init(hex:)),
              let first = record.value("start")?.text.flatMap(CharacterID.init(text:)),
              let last = record.value("last")?.text.flatMap(CharacterID.init(text:)) else { return nil }
        return Resolved(record: record, note: note, theme: theme, span: try store.span(in: note, first: first, last: last))
    }
}

extension String {
    /// The text on one line: line breaks and tabs as spaces.
    var replacingNewlines: String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 }))
    }
}
