import CRDT
import Formats
import Store

/// Which notes a person asks for: `list` and `search` take the same filters,
/// read here into one `RecordFilter` the store answers in SQL, so filtering
/// 100,000 notes never reads them all.
///
/// - every `allTags` tag (exactly, as stored), and at least one `anyTags` tag;
/// - one of `areas` (exactly, as stored);
/// - every theme of `themes`, each including the themes below it, by the
///   codebook's rule (`Codings`): a tag naming the theme or an alias, or a
///   coded passage whose words remain;
/// - every measure condition (`ucla3>=7`): a note without the measure never matches;
/// - `kind`, and `occurred_at` from `since` to `until` (the whole day, for a date).
public struct NoteQuery: Sendable {
    public var areas: [String] = []
    public var kind: String?
    public var allTags: [String] = []
    public var anyTags: [String] = []
    /// Theme names, aliases or ids (unique prefixes of 6 or more hex digits).
    public var themes: [String] = []
    public var measures: [MeasureCondition] = []
    public var since: String?
    public var until: String?
    public var includeDeleted = false
    public var limit: Int?

    public init() {}

    /// The store filter for this query. Throws `StoreError.invalid` for an
    /// unknown kind or theme, or a date that cannot be read.
    public func recordFilter(_ store: Store) throws -> RecordFilter {
        var filter = RecordFilter(type: Note.type)
        filter.rangeField = "occurred_at"
        filter.includeDeleted = includeDeleted
        filter.limit = limit
        if let since { filter.from = try Note.date(since) }
        if let until { filter.before = try NoteQuery.before(until) }
        if let kind {
            guard Note.kinds.contains(kind) else {
                throw StoreError.invalid("unknown kind '\(kind)'", "use one of: \(Note.kinds.joined(separator: ", "))")
            }
            filter.fields["kind"] = .text(kind)
        }
        if !areas.isEmpty { filter.conditions.append(.fieldIn("area", areas.map { .text($0.trimmingSpaces) })) }
        for tag in allTags { filter.conditions.append(.element(Note.tagSet, .text(tag.trimmingSpaces))) }
        if !anyTags.isEmpty { filter.conditions.append(.anyElement(Note.tagSet, anyTags.map { .text($0.trimmingSpaces) })) }
        for measure in measures { filter.conditions.append(measure.condition) }
        if !themes.isEmpty {
            let book = try Codebook.load(store)
            let resolved = try themes.map { try book.resolve($0) }
            let coding = try ThemeCoding(book: book, store: store)
            for theme in resolved { filter.conditions.append(coding.condition(theme)) }
        }
        return filter
    }

    /// The first moment after `until`, the exclusive end of a `--until`
    /// range: the next day for a date, the next second for a time (so
    /// `--until 2026-02-15` takes in the whole day); nil for no end, when
    /// that is past 9999-12-31T23:59:59Z and nothing stored can be later.
    /// The one place this rule lives: `list`, `coverage` and exports use it.
    public static func before(_ until: String) throws -> String? {
        _ = try Note.date(until)
        return ISO8601.parse(until.trimmingSpaces)?.exclusiveEnd
    }
}

/// "Coded with this theme or one below it" as a store condition, by the
/// codebook's rule, read once per query: which tags code which themes (from
/// the store's distinct tags, few however many notes), and which notes
/// passages code.
struct ThemeCoding {
    let book: Codebook
    /// Each distinct tag in the store that names a theme, with the themes it codes.
    let tags: [(tag: Value, themes: Set<RecordID>)]
    /// Notes coded by passage, with the themes their passages code.
    let passages: [RecordID: Set<RecordID>]

    init(book: Codebook, store: Store) throws {
        self.book = book
        var tags: [(tag: Value, themes: Set<RecordID>)] = []
        for tag in try store.distinctElements(Note.tagSet) {
            guard let text = tag.text else { continue }
            let themes = Set(book.named(text))
            if !themes.isEmpty { tags.append((tag, themes)) }
        }
        self.tags = tags
        self.passages = Codings.byPassage(book: book, passages: try Passages.all(store))
    }

    /// Notes coded with `theme` or a theme below it.
    func condition(_ theme: RecordID) -> RecordCondition {
        let wanted = Set(book.subtree(theme))
        let tagging = tags.filter { !$0.themes.isDisjoint(with: wanted) }.map(\.tag)
        let coded = Set(passages.filter { !$0.value.isDisjoint(with: wanted) }.keys)
        return .any([.anyElement(Note.tagSet, tagging), .ids(coded)])
    }
}

/// A condition on a measure, as a person writes it: `ucla3>=7`,
/// `ons_lonely < 3`, `steps=2.5`. Operators: `>=`, `<=`, `>`, `<`, `=`.
public struct MeasureCondition: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let comparison: NumberComparison
    public let value: Double

    public init(name: String, comparison: NumberComparison, value: Double) {
        self.name = name
        self.comparison = comparison
        self.value = value
    }

    /// Reads `ucla3>=7`; throws `StoreError.invalid` saying what is wrong.
    public static func parse(_ text: String) throws -> MeasureCondition {
        let hint = "write NAME, an operator (>=, <=, >, <, =) and a number, as in ucla3>=7"
        // The operator starts at the first <, > or =; "<=" and ">=" are read whole.
        guard let start = text.firstIndex(where: { $0 == "<" || $0 == ">" || $0 == "=" }) else {
            throw StoreError.invalid("'\(text)' is not a measure condition", hint)
        }
        let second = text.index(after: start)
        let pair = second < text.endIndex && text[second] == "=" && text[start] != "=" ? text.index(after: second) : second
        guard let comparison = NumberComparison(rawValue: String(text[start..<pair])) else {
            throw StoreError.invalid("'\(text)' is not a measure condition", hint)
        }
        let name = String(text[..<start]).trimmingSpaces.lowercased()
        let number = String(text[pair...]).trimmingSpaces
        guard Note.isMeasureName(name) else {
            throw StoreError.invalid("'\(text)' does not start with a measure name", hint)
        }
        guard let value = Double(number), value.isFinite else {
            throw StoreError.invalid("'\(text)' does not end with a number", hint)
        }
        return MeasureCondition(name: name, comparison: comparison, value: value)
    }

    var condition: RecordCondition { .number(Note.measurePrefix + name, comparison, value) }

    public var description: String { "\(name)\(comparison.rawValue)\(JSON.format(value))" }
}

extension Codings {
    /// The themes `passages` code each note with directly, by the codebook's
    /// rule (`Codings` decides which passages code), tags aside; notes no
    /// passage codes are left out.
    static func byPassage(book: Codebook, passages: [Passages.Resolved]) -> [RecordID: Set<RecordID>] {
        // Given their notes without tags, only the passages code them.
        let bare = Set(passages.map(\.note)).map { VisibleRecord(id: $0, type: Note.type, erased: false, fields: [:], sets: [:]) }
        return Codings(book: book, notes: bare, passages: passages).direct.filter { !$0.value.isEmpty }
    }
}
