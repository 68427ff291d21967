import CRDT
import Store

/// Which themes code the same notes: for each pair of themes, the number of
/// notes coded with both (note-level, whatever passages the codings come
/// from). The diagonal holds the number of notes coded with the theme.
///
/// Codings are counted one of two ways, and the result says which:
/// - `direct` (the default): a note counts for a theme a tag or a passage
///   codes it with directly. A theme and its sub-theme then co-occur only
///   where a note is coded with both.
/// - `withSubThemes`: a note counts for a theme and every theme above it
///   (`Codings.themes(of:)`, as `theme list` counts). Every note of a
///   sub-theme then also counts for its parent, so parent and child always
///   co-occur on the child's notes.
public struct Cooccurrence: Sendable {
    public enum Counting: String, Sendable {
        case direct
        case withSubThemes = "with_sub_themes"
    }

    public let counting: Counting
    /// The themes that code at least one note, in codebook order, with their depth in the tree.
    public let themes: [(id: RecordID, depth: Int)]
    /// `counts[i][j]`: notes coded with both `themes[i]` and `themes[j]`; `counts[i][i]`: notes coded with `themes[i]`.
    public let counts: [[Int]]
    /// The notes counted (live notes, whether or not coded).
    public let notes: Int

    public init(codings: Codings, notes: [RecordID], counting: Counting) {
        self.counting = counting
        self.notes = notes.count
        let per: [Set<RecordID>] = notes.map { counting == .direct ? codings.direct[$0] ?? [] : codings.themes(of: $0) }
        let used = per.reduce(into: Set<RecordID>()) { $0.formUnion($1) }
        let themes = codings.book.ordered.filter { used.contains($0.id) }
        let index = Dictionary(uniqueKeysWithValues: themes.enumerated().map { ($0.element.id, $0.offset) })
        var counts = Array(repeating: Array(repeating: 0, count: themes.count), count: themes.count)
        for coded in per {
            let positions = coded.compactMap { index[$0] }
            for i in positions { for j in positions { counts[i][j] += 1 } }
        }
        self.themes = themes
        self.counts = counts
    }

    /// Over every live note of the store (neither deleted nor erased).
    public static func load(_ store: Store, counting: Counting) throws -> Cooccurrence {
        let notes = try store.list(RecordFilter(type: Note.type))
        return Cooccurrence(codings: try Codings.load(store, notes: notes), notes: notes.map(\.id), counting: counting)
    }

    /// Each pair of different themes coding at least one note together, most notes first (then codebook order).
    public var pairs: [(a: RecordID, b: RecordID, notes: Int)] {
        var out: [(a: RecordID, b: RecordID, notes: Int, i: Int, j: Int)] = []
        for i in themes.indices { for j in themes.indices where j > i && counts[i][j] > 0 { out.append((themes[i].id, themes[j].id, counts[i][j], i, j)) } }
        return out.sorted { ($1.notes, $0.i, $0.j) < ($0.notes, $1.i, $1.j) }.map { ($0.a, $0.b, $0.notes) }
    }
}
