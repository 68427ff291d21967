import CRDT
import Store

/// Each note's themes and how it comes to be coded with each: the rows of
/// `note_themes.csv` and NDJSON's `note_theme` lines.
///
/// One row per note and theme it is coded with, including sub-themes (so a
/// theme's rows count its notes as `theme list` does), with `how`:
/// - `tag`: a tag of the note names the theme or an alias;
/// - `passage`: no tag does, but a coded passage of the note does (the
///   passages themselves are listed in `passages.csv`);
/// - `inherited`: neither; the note is coded with a theme below it.
public enum NoteThemes {
    public enum How: String, Sendable {
        case tag, passage, inherited
    }

    public struct Row: Sendable, Equatable {
        public let note: RecordID
        public let theme: RecordID
        public let how: How
    }

    /// The rows for `notes`, in their order, each note's themes in codebook order.
    public static func rows(_ codings: Codings, notes: [VisibleRecord]) -> [Row] {
        let order = Dictionary(uniqueKeysWithValues: codings.book.ordered.enumerated().map { ($0.element.id, $0.offset) })
        var rows: [Row] = []
        var named: [String: [RecordID]] = [:]
        for note in notes {
            let themes = codings.themes(of: note.id)
            guard !themes.isEmpty else { continue }
            let tagged = codings.book.themes(tagging: note, named: &named)
            let direct = codings.direct[note.id] ?? []
            for theme in themes.sorted(by: { (order[$0] ?? .max, $0) < (order[$1] ?? .max, $1) }) {
                let how: How = tagged.contains(theme) ? .tag : direct.contains(theme) ? .passage : .inherited
                rows.append(Row(note: note.id, theme: theme, how: how))
            }
        }
        return rows
    }
}
