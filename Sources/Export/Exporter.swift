import CRDT
import Dispatch
import Formats
import Store

/// How an export treats direct identifiers it finds in the text.
public enum IdentifierPolicy: Sendable {
    /// Stop, write nothing, and report each one (the default).
    case refuse
    /// Replace each with a placeholder such as `[postcode]`.
    case redact
    /// Write them as they are, and record that in the audit trail.
    case allow
}

public struct ExportOptions: Sendable {
    public var identifiers: IdentifierPolicy
    /// Replace an existing target: only a regular file that is no SQLite database (so never a store),
    /// or the directory of an earlier CSV export.
    public var force: Bool
    /// CSV only: write cells that start like a formula (`=`, `+`, `-`, `@`, tab, CR) as stored,
    /// instead of prefixing them with a single quote. Recorded in the audit trail as `cells=raw`.
    public var rawCells: Bool
    /// Report only: the page's title (the scope is put in the headline).
    public var reportTitle: String?
    /// Report only: figures drawn from fewer distinct people than this are
    /// suppressed and marked (NHS small-number practice); at least 1.
    public var minCount: Int
    /// Why the export is made and who receives it, for the audit trail.
    public var purpose: String = ""
    public var recipient: String = ""

    public init(identifiers: IdentifierPolicy = .refuse, force: Bool = false, rawCells: Bool = false,
                reportTitle: String? = nil, minCount: Int = HTMLReport.defaultMinCount, purpose: String = "", recipient: String = "") {
        self.identifiers = identifiers
        self.force = force
        self.rawCells = rawCells
        self.reportTitle = reportTitle
        self.minCount = max(1, minCount)
        self.purpose = purpose
        self.recipient = recipient
    }
}

/// What one export wrote.
public struct ExportSummary: Sendable {
    public let format: ExportFormat
    /// The path written, absolute.
    public let path: String
    public let notes: Int
    /// Notes exported without their text, for consent.
    public let withheld: Int
    public let themes: Int
    public let insights: Int
    public let decisions: Int
    /// Identifiers replaced by `--redact`.
    public let redacted: Int
    /// Identifiers written as they are because of `--allow-identifiers`.
    public let allowed: [IdentifierHit]
    /// The audit event's record id.
    public let audit: RecordID
    /// The counts as the audit trail records them: `notes=12 withheld=1 themes=4 insights=3 decisions=2`,
    /// then `redacted=N` or `identifiers=N` when identifiers were replaced or allowed,
    /// and `cells=raw` when a CSV export kept formula-like cells as stored (`--raw-cells`).
    public let counts: String

    static func counts(notes: Int, withheld: Int, themes: Int, insights: Int, decisions: Int, redacted: Int, allowed: Int,
                       rawCells: Bool = false) -> String {
        var words = ["notes=\(notes)", "withheld=\(withheld)", "themes=\(themes)", "insights=\(insights)", "decisions=\(decisions)"]
        if redacted > 0 { words.append("redacted=\(redacted)") }
        if allowed > 0 { words.append("identifiers=\(allowed)") }
        if rawCells { words.append("cells=raw") }
        return words.joined(separator: " ")
    }
}

/// Writes exports of a store: CSV tables, NDJSON, a REFI-QDA project or an
/// HTML report. Every export is checked for direct identifiers first, leaves
/// out the text of notes without consent, is written whole or not at all,
/// and is recorded in the audit trail.
///
///     let summary = try Exporter(store: store).write(format: .csv, to: "out", filter: ExportFilter(area: "East Marsh"))
/// The steps of an export, as `Exporter.write` reports them.
public enum ExportStep: Sendable, Equatable {
    /// Reading the notes and records the filter selects.
    case reading
    /// Checking the selected notes for direct identifiers.
    case checking(notes: Int)
    /// Rendering and writing the file(s).
    case writing(notes: Int)
    /// Recording the export in the audit trail.
    case recording
}

public struct Exporter {
    let store: Store
    /// Milliseconds since the Unix epoch: the export's timestamp (injected so output is reproducible in tests).
    let clock: () -> UInt64

    public init(store: Store, clock: @escaping () -> UInt64 = Store.systemMillis) {
        self.store = store
        self.clock = clock
    }

    /// Exports to `path` (a file, or a directory for CSV). Throws `ExportError`
    /// (or `StoreError`) and writes nothing when anything is wrong, including
    /// direct identifiers under `.refuse`. `progress` is told each step as it starts.
    @discardableResult
    public func write(format: ExportFormat, to path: String, filter: ExportFilter = ExportFilter(),
                      options: ExportOptions = ExportOptions(), progress: (ExportStep) -> Void = { _ in }) throws -> ExportSummary {
        let target = try OutputTarget(path, directory: format.isDirectory, force: options.force, store: store.path)
        let now = Int64(clock() / 1000)
        progress(.reading)
        var data = try ExportDataset.load(store, filter: filter, now: now)
        data.prepare(for: format, title: options.reportTitle)
        progress(.checking(notes: data.notes.count))
        // Unless identifiers are to be replaced first, the rendering reads the same data
        // as the scan: it is made beside the scan, and thrown away if the scan refuses.
        let hits: [IdentifierHit]
        var rendered: Result<Rendered, any Error>?
        if options.identifiers == .redact {
            hits = data.scan()
        } else {
            // The background's copy is its closure's: no other binding holds the dataset (`release`).
            let (found, made) = Exporter.sideBySide({ [data] in data.scan() }, { Result { try Exporter.render(format, data, options: options) } })
            hits = found ?? data.scan()
            rendered = made
        }
        switch options.identifiers {
        case .refuse:
            if !hits.isEmpty {
                // A refused export is recorded too: someone tried to take identifiers out.
                try store.commit(try AuditTrail.changes(
                    action: "export-refused", format: format.rawValue, filters: filter.summary, counts: "identifiers=\(hits.count)",
                    path: target.absolutePath, by: try AuditTrail.actor(store), at: ISO8601.format(seconds: now),
                    purpose: options.purpose, recipient: options.recipient))
                throw ExportError.identifiersFound(hits)
            }
        case .redact: data = data.redacted()
        case .allow: break
        }
        progress(.writing(notes: data.notes.count))
        switch try rendered?.get() ?? Exporter.render(format, data, options: options) {
        case .file(let bytes): try target.write(bytes)
        case .directory(let files): try target.write(files: files)
        }
        progress(.recording)
        let allowed = options.identifiers == .allow ? hits : []
        let counts = ExportSummary.counts(notes: data.notes.count, withheld: data.withheld.count, themes: data.themes.count,
                                          insights: data.insights.count, decisions: data.decisions.count,
                                          redacted: data.redactions, allowed: allowed.count, rawCells: format == .csv && options.rawCells)
        let at = ISO8601.format(seconds: now)
        let by = try AuditTrail.actor(store)
        let absolute = target.absolutePath
        // The audit event is on disk before the export appears: an export is never out there unrecorded.
        var changes = try AuditTrail.changes(action: "export", format: format.rawValue, filters: filter.summary,
                                             counts: counts, path: absolute, by: by, at: at, purpose: options.purpose, recipient: options.recipient)
        if !allowed.isEmpty {
            let kinds = Dictionary(grouping: allowed, by: \.kind).sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value.count)" }
            changes += try AuditTrail.changes(action: "allow-identifiers", format: format.rawValue, filters: filter.summary,
                                              counts: kinds.joined(separator: " "), path: absolute, by: by, at: at,
                                              purpose: options.purpose, recipient: options.recipient)
        }
        let audit = try store.commit(changes)
        try target.commit()
        let summary = ExportSummary(format: format, path: absolute, notes: data.notes.count, withheld: data.withheld.count,
                                    themes: data.themes.count, insights: data.insights.count, decisions: data.decisions.count,
                                    redacted: data.redactions, allowed: allowed, audit: audit[0].record, counts: counts)
        Exporter.release(Parcel(consume data))
        return summary
    }

    /// Lets go of a loaded dataset on another thread. Freeing 100,000 notes'
    /// records takes about a tenth of an export's time; the export is done
    /// once its files and audit event are written, so it returns then, and a
    /// process that exits right after never spends that time at all.
    ///
    /// The dataset is moved into the parcel (`consume`), so the parcel holds the
    /// last reference to its records and the other thread empties it: the
    /// freeing happens there whichever thread lets go of the parcel last.
    /// (Capturing the dataset itself left a race: when the other thread was
    /// quicker, this thread's copy was the last, and it freed the records.)
    static func release(_ parcel: Parcel<ExportDataset>) {
        DispatchQueue.global(qos: .utility).async { parcel.empty() }
    }

    /// The direct identifiers an export with `filter` would find, without writing anything:
    /// in what any format writes (the report's area names and scope too).
    public func scan(filter: ExportFilter = ExportFilter()) throws -> [IdentifierHit] {
        var data = try ExportDataset.load(store, filter: filter, now: Int64(clock() / 1000))
        data.prepare(for: nil)
        return data.scan()
    }

    /// `background()` on another thread while `foreground()` runs on this one;
    /// returns once both are done (the background result is nil only if its thread
    /// handed nothing over, which `Handover` rules out). Both may read the same values, never write them.
    static func sideBySide<Background: Sendable, Foreground>(_ background: @escaping @Sendable () -> Background,
                                                             _ foreground: () -> Foreground) -> (Background?, Foreground) {
        let handover = Handover<Background>()
        DispatchQueue.global().async { handover.put(background()) }
        let mine = foreground()
        return (handover.take(), mine)
    }

    /// From how many notes an export makes some of their rows on another thread.
    static let notesSplitFrom = 4096

    /// The notes' rows on both cores: `tail` makes the last quarter's on another
    /// thread (the other core runs the identifier scan too, so it takes the smaller
    /// share) while `head` makes the rest here; returns `tail`'s, to be appended
    /// after `head`'s. Under `notesSplitFrom` notes, `head` makes them all and
    /// `tail` is given none.
    static func splitNotes<Tail: Sendable>(_ notes: [VisibleRecord], tail: @escaping @Sendable (ArraySlice<VisibleRecord>) -> Tail,
                                           head: (ArraySlice<VisibleRecord>) -> Void) -> Tail {
        guard notes.count >= notesSplitFrom else {
            head(notes[...])
            return tail(notes[notes.endIndex...])
        }
        let split = notes.count * 3 / 4
        let (made, _) = sideBySide({ [rest = notes[split...]] in tail(rest) }, { head(notes[..<split]) })
        return made ?? tail(notes[split...])
    }

    enum Rendered {
        case file([UInt8])
        case directory([(name: String, bytes: [UInt8])])
    }

    static func render(_ format: ExportFormat, _ data: ExportDataset, options: ExportOptions = ExportOptions()) throws -> Rendered {
        switch format {
        case .csv: return .directory(CSVExport.tables(data, rawCells: options.rawCells).map { ($0.fileName, $0.bytes) })
        case .json: return .file(NDJSONExport.bytes(data))
        case .qdpx:
            do { return .file(try QDPXExport.archive(data)) } catch is ZIPWriter.TooLarge {
                throw ExportError.invalid("the REFI-QDA archive would exceed 4 GiB", "narrow the export with --since, --until, --area, --theme or --tag")
            }
        case .report: return .file(HTMLReport(data: data, minCount: options.minCount).bytes)
        }
    }

    /// The bytes an export would hold, without writing a file or an audit event:
    /// for tests and benchmarks. Consent is honoured and identifiers are checked
    /// as by `write`. A file export comes back as one unnamed entry; a directory
    /// export as its files' names and contents.
    public func render(format: ExportFormat, filter: ExportFilter = ExportFilter(),
                       identifiers: IdentifierPolicy = .refuse, rawCells: Bool = false,
                       options: ExportOptions = ExportOptions()) throws -> [(name: String, bytes: [UInt8])] {
        var data = try ExportDataset.load(store, filter: filter, now: Int64(clock() / 1000))
        data.prepare(for: format, title: options.reportTitle)
        if identifiers == .redact { data = data.redacted() }
        if identifiers == .refuse {
            let hits = data.scan()
            if !hits.isEmpty { throw ExportError.identifiersFound(hits) }
        }
        var options = options
        options.rawCells = options.rawCells || rawCells
        switch try Exporter.render(format, data, options: options) {
        case .file(let bytes): return [("", bytes)]
        case .directory(let files): return files
        }
    }
}
