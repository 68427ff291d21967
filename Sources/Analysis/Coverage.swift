import CRDT
import Store

/// The area × theme matrix: how many notes in each known area are coded
/// with each theme (a theme counts the notes of the themes below it, as
/// `Codings` says). Empty cells are the point: they are where nobody has
/// listened yet.
///
/// - Rows are every known area (`Areas`), in name order, even with no notes;
///   then, only when they hold notes, one row for notes whose area is outside
///   the vocabulary ("(other areas)": map them with `area map`) and one for
///   notes with no area ("(no area)").
/// - Columns are every theme of the codebook, parents before children.
/// - Gaps and thin cells are counted over the known areas only: the extra
///   rows are not places, so they cannot be gaps.
public struct Coverage: Sendable {
    public enum RowKind: String, Sendable {
        /// A known area.
        case area
        /// Notes whose area is outside the vocabulary.
        case other
        /// Notes with no area.
        case none
    }

    public struct Row: Sendable {
        public let area: String
        public let kind: RowKind
        /// Notes in the row.
        public let notes: Int
        /// Notes coded with each theme, in `themes` order.
        public let counts: [Int]
    }

    /// A cell with fewer notes than this (and more than none) is thin evidence.
    public static let thinBelow = 3
    public static let otherAreasRow = "(other areas)"
    public static let noAreaRow = "(no area)"

    /// The codebook's themes, parents before children, with their depth.
    public let themes: [(id: RecordID, depth: Int)]
    public let rows: [Row]
    public let book: Codebook

    public init(areas: Areas, codings: Codings, notes: [VisibleRecord]) {
        book = codings.book
        let themes = codings.book.ordered
        self.themes = themes
        let column = Dictionary(uniqueKeysWithValues: themes.enumerated().map { ($0.element.id, $0.offset) })
        var counts: [String: [Int]] = [:]
        var totals: [String: Int] = [:]
        var other = [Int](repeating: 0, count: themes.count), none = other
        var otherNotes = 0, noneNotes = 0
        for note in notes where note.type == Note.type && !note.erased && !note.isDeleted {
            let coded = codings.themes(of: note.id).compactMap { column[$0] }
            func count(into row: inout [Int]) { for index in coded { row[index] += 1 } }
            if let area = areas.area(of: note) {
                var row = counts[area.name] ?? [Int](repeating: 0, count: themes.count)
                count(into: &row)
                counts[area.name] = row
                totals[area.name, default: 0] += 1
            } else if let text = note.value("area")?.text, !text.trimmingSpaces.isEmpty {
                count(into: &other)
                otherNotes += 1
            } else {
                count(into: &none)
                noneNotes += 1
            }
        }
        var rows = areas.known.map { area in
            Row(area: area.name, kind: .area, notes: totals[area.name] ?? 0, counts: counts[area.name] ?? [Int](repeating: 0, count: themes.count))
        }
        if otherNotes > 0 { rows.append(Row(area: Coverage.otherAreasRow, kind: .other, notes: otherNotes, counts: other)) }
        if noneNotes > 0 { rows.append(Row(area: Coverage.noAreaRow, kind: .none, notes: noneNotes, counts: none)) }
        self.rows = rows
    }

    /// The store's coverage over its live notes, or over `notes` if given (a filtered selection).
    public static func load(_ store: Store, notes: [VisibleRecord]? = nil) throws -> Coverage {
        let notes = try notes ?? store.list(RecordFilter(type: Note.type))
        return Coverage(areas: try Areas.load(store), codings: try Codings.load(store, notes: notes), notes: notes)
    }

    private var knownRows: [Row] { rows.filter { $0.kind == .area } }

    /// Area–theme pairs over the known areas.
    public var pairs: Int { knownRows.count * themes.count }
    /// Pairs with no notes.
    public var gaps: Int { knownRows.reduce(0) { $0 + $1.counts.filter { $0 == 0 }.count } }
    /// Pairs with one or two notes.
    public var thin: Int { knownRows.reduce(0) { $0 + $1.counts.filter { $0 > 0 && $0 < Coverage.thinBelow }.count } }

    /// "14 of 165 area–theme pairs have no evidence".
    public var headline: String { "\(gaps) of \(pairs) area–theme pairs have no evidence" }
}
