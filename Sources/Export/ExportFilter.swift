import Analysis
import Store

/// Which notes an export holds. Themes, insights and decisions are always
/// exported whole; the filter narrows the notes only.
public struct ExportFilter: Sendable, Equatable {
    /// Only notes that occurred on or after this ISO 8601 date or time.
    public var since: String?
    /// Only notes that occurred up to and including this date (the whole day) or time.
    public var until: String?
    /// Only notes from this area: any of its names or aliases in the area vocabulary, ignoring case (as `list --area`).
    public var area: String?
    /// Only notes with a tag naming this theme or any theme below it (ignoring case).
    public var theme: String?
    /// Only notes with this tag (exactly, as `list --tag`).
    public var tag: String?
    /// Keep notes whose participant withdrew consent, as metadata without
    /// their words (by default they are left out altogether).
    public var includeWithdrawnMetadata: Bool

    public init(since: String? = nil, until: String? = nil, area: String? = nil, theme: String? = nil, tag: String? = nil,
                includeWithdrawnMetadata: Bool = false) {
        self.since = since
        self.until = until
        self.area = area
        self.theme = theme
        self.tag = tag
        self.includeWithdrawnMetadata = includeWithdrawnMetadata
    }

    /// The filters as `name=value` words, or "none": what the audit trail records.
    public var summary: String {
        let parts: [(String, String?)] = [("since", since), ("until", until), ("area", area), ("theme", theme), ("tag", tag)]
        var given = parts.compactMap { name, value in value.map { "\(name)=\($0)" } }
        if includeWithdrawnMetadata { given.append("withdrawn=metadata") }
        return given.isEmpty ? "none" : given.joined(separator: " ")
    }

    /// The store query for the filters the store can answer itself (dates, area, tag).
    func recordFilter() throws -> RecordFilter {
        var filter = RecordFilter(type: Note.type)
        filter.rangeField = "occurred_at"
        if let since { filter.from = try Note.date(since) }
        if let until { filter.before = try NoteQuery.before(until) }
        // The area is matched against the vocabulary by `ExportDataset.load`.
        if let tag { filter.elements[Note.tagSet] = .text(tag.trimmingSpaces) }
        return filter
    }
}
