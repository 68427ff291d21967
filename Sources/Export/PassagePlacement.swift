import Analysis
import CRDT

/// Where a coded passage stands in the body an export writes, or why it
/// stands nowhere there.
enum PassagePlacement: Equatable {
    /// Its words, as offsets in Unicode scalars of the exported body, end exclusive.
    case body(Range<Int>)
    /// Its note's text is withheld for consent: it points into no text.
    case withheld
    /// Every one of its characters has been deleted.
    case allDeleted
    /// This store does not hold the note's text yet (it has not synced), or
    /// the body changed between reading the notes and the passages.
    case notHere
}

extension ExportDataset {
    /// Where `passage` stands in `note`, its note as this export holds it. A passage's
    /// offsets are on the stored body; `--redact` replaces identifiers with
    /// placeholders of other lengths, so they are mapped through each
    /// replacement, and a passage that starts or ends inside a replaced
    /// identifier takes in its whole placeholder.
    func placement(of passage: Passages.Resolved, in note: VisibleRecord) -> PassagePlacement {
        guard !withheld.contains(passage.note) else { return .withheld }
        guard let span = passage.span, note.id == passage.note else { return .notHere }
        guard !span.isEmpty else { return .allDeleted }
        let body = Array((note.value("body")?.text ?? "").unicodeScalars)
        let replaced = bodyRedactions[passage.note] ?? []
        let range = PassagePlacement.mapped(span.start ..< span.end, through: replaced)
        guard range.upperBound <= body.count else { return .notHere }
        // With nothing replaced, the exported words are the passage's words exactly.
        if replaced.isEmpty, !body[range].elementsEqual(span.text.unicodeScalars) { return .notHere }
        return .body(range)
    }
}

extension PassagePlacement {
    /// `range` (scalar offsets in a text) moved to where it stands once each
    /// of `replaced` (sorted, not overlapping) is swapped for its placeholder.
    static func mapped(_ range: Range<Int>, through replaced: [IdentifierScanner.Match]) -> Range<Int> {
        var start = range.lowerBound, end = range.upperBound
        var shift = 0
        for match in replaced {
            let placeholder = match.kind.placeholder.unicodeScalars.count
            let from = match.range.lowerBound + shift
            if match.range.lowerBound < range.lowerBound && range.lowerBound < match.range.upperBound { start = from }
            else if match.range.upperBound <= range.lowerBound { start += placeholder - match.range.count }
            if match.range.lowerBound < range.upperBound && range.upperBound < match.range.upperBound { end = from + placeholder }
            else if match.range.upperBound <= range.upperBound { end += placeholder - match.range.count }
            shift += placeholder - match.range.count
        }
        return start ..< end
    }
}
