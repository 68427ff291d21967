/// What `fieldnotes export` can write.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// A directory of tidy RFC 4180 tables, one file per table.
    case csv
    /// NDJSON: one record per line, with the keys of `show --format json`.
    case json
    /// A REFI-QDA project exchange file (`.qdpx`): a ZIP holding `project.qde` and the sources.
    case qdpx
    /// One self-contained HTML page for decision-makers.
    case report

    /// True when the export is a directory rather than one file.
    public var isDirectory: Bool { self == .csv }
}
