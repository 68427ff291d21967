import CRDT
import Store

/// Which notes are coded with which themes: by tag (a tag that is a
/// theme's name or alias) and by coded passage. Built once from the
/// codebook, the notes and the passages; every count and filter asks it.
public struct Codings: Sendable {
    public let book: Codebook
    /// Note → the themes it is coded with directly.
    public let direct: [RecordID: Set<RecordID>]

    public init(book: Codebook, notes: [VisibleRecord], passages: [Passages.Resolved]) {
        self.book = book
        var direct: [RecordID: Set<RecordID>] = [:]
        var named: [String: [RecordID]] = [:]
        for note in notes { direct[note.id] = book.themes(tagging: note, named: &named) }
        // A passage codes its note while its theme is in the codebook and any of its words remain.
        for passage in passages where book.themes[passage.theme] != nil && direct[passage.note] != nil && !passage.allDeleted {
            direct[passage.note, default: []].insert(passage.theme)
        }
        self.direct = direct
    }

    public static func load(_ store: Store, notes: [VisibleRecord]) throws -> Codings {
        Codings(book: try Codebook.load(store), notes: notes, passages: try Passages.all(store))
    }

    /// The themes a note is coded with, including those it counts for
    /// through a sub-theme (the codebook's rule).
    public func themes(of note: RecordID) -> Set<RecordID> { book.withAncestors(direct[note] ?? []) }

    /// Whether a note is coded with `theme` or a theme below it.
    public func codes(_ note: RecordID, _ theme: RecordID) -> Bool { themes(of: note).contains(theme) }

    /// Per theme, how many notes it codes (including through sub-themes).
    public var noteCounts: [RecordID: Int] {
        var counts: [RecordID: Int] = [:]
        for note in direct.keys { for theme in themes(of: note) { counts[theme, default: 0] += 1 } }
        return counts
    }
}
