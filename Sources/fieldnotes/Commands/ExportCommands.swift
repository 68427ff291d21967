import CRDT
import Export
import Store

/// The filter options `export` and `scan` share, declared once so their help cannot drift.
enum ExportFilterOptions {
    static let options: [OptionSpec] = [
        .option("since", "DATE", "only notes from this date or time on"),
        .option("until", "DATE", "only notes up to and including this date or time"),
        .option("area", "AREA", "only notes from this area"),
        .option("theme", "NAME", "only notes tagged with this theme or any theme below it (ignoring case)"),
        .option("tag", "TAG", "only notes with this tag"),
    ]

    static func filter(_ arguments: ParsedArguments) -> ExportFilter {
        ExportFilter(since: arguments.value("since"), until: arguments.value("until"), area: arguments.value("area"),
                     theme: arguments.value("theme"), tag: arguments.value("tag"))
    }

    /// One line per record, field and kind of identifier: where it is, never what it is.
    static func describe(_ hits: [IdentifierHit]) -> [(hit: IdentifierHit, count: Int)] {
        var counts: [IdentifierHit: Int] = [:]
        for hit in hits { counts[hit, default: 0] += 1 }
        return counts.sorted { a, b in
            (a.key.type, a.key.record, a.key.field, a.key.kind) < (b.key.type, b.key.record, b.key.field, b.key.kind)
        }.map { ($0.key, $0.value) }
    }

    static func line(_ hit: IdentifierHit, _ count: Int) -> String {
        "\(hit.type) \(hit.record.hex) \(hit.field): \(hit.kind.label)" + (count > 1 ? " (\(count))" : "")
    }
}

struct ExportCommand: Command {
    static let spec = CommandSpec(
        name: "export", abstract: "Export for analysis: CSV tables, NDJSON, a REFI-QDA project or an HTML report",
        arguments: [("FORMAT", "csv (a directory of tables), json (NDJSON), qdpx (REFI-QDA project) or report (HTML page)", true)],
        options: [.option("out", "PATH", "where to write it (required); an existing PATH is refused unless --force")]
            + ExportFilterOptions.options + [
            .flag("force", "replace PATH if it exists: only a regular file that is no store, or an earlier CSV export's directory"),
            .flag("redact", "replace direct identifiers with [NHS number], [postcode], [phone] or [email]"),
            .flag("allow-identifiers", "export direct identifiers as they are; recorded in the audit trail"),
            .flag("raw-cells", "csv only: keep cells starting with =, +, -, @, tab or CR as stored (they can run as formulas); recorded in the audit trail"),
        ],
        discussion: """
            Themes, insights and decisions are always exported whole; the filters select notes.
            Notes whose consent is declined or withdrawn are exported without their title and body.
            Before writing, every text is scanned for NHS numbers, UK postcodes, UK phone numbers and
            email addresses; if any is found, each is listed (record, field, kind; never the value) and
            nothing is written, unless --redact or --allow-identifiers is given. The export is written
            beside PATH and renamed into place, so PATH holds a whole export or is untouched. Every
            export is recorded in the audit trail ('fieldnotes audit'), which syncs like any record.
            In CSV, a cell starting with =, +, -, @, tab or CR gets a leading single quote so a
            spreadsheet shows it as text instead of running it as a formula; a cell that is wholly a
            number (-3, -3.5) is left as it is. --raw-cells turns this off.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let word = arguments.positional(0) ?? ""
        guard let format = ExportFormat(rawValue: word.lowercased()) else {
            throw UsageError(message: "unknown export format '\(word)'; use csv, json, qdpx or report", command: spec.name)
        }
        guard let out = arguments.value("out"), !out.trimmingSpaces.isEmpty else {
            throw UsageError(message: "export needs --out PATH (where to write it)", command: spec.name)
        }
        let redact = arguments.flag("redact"), allow = arguments.flag("allow-identifiers")
        if redact && allow {
            throw UsageError(message: "--redact and --allow-identifiers contradict each other; give one", command: spec.name)
        }
        let rawCells = arguments.flag("raw-cells")
        if rawCells && format != .csv {
            throw UsageError(message: "--raw-cells applies to csv only; leave it out for \(format.rawValue)", command: spec.name)
        }
        let store = try context.openStore()
        let summary: ExportSummary
        do {
            summary = try Exporter(store: store).write(
                format: format, to: out, filter: ExportFilterOptions.filter(arguments),
                options: ExportOptions(identifiers: redact ? .redact : allow ? .allow : .refuse, force: arguments.flag("force"),
                                       rawCells: rawCells))
        } catch let error as ExportError where error.isIdentifiersFound {
            for (hit, count) in ExportFilterOptions.describe(error.hits) { context.err("fieldnotes: " + ExportFilterOptions.line(hit, count)) }
            throw error
        }
        var what = "\(summary.notes) note\(summary.notes == 1 ? "" : "s")"
        if summary.withheld > 0 { what += " (\(summary.withheld) without text: consent)" }
        what += ", \(summary.themes) theme\(summary.themes == 1 ? "" : "s"), \(summary.insights) insight\(summary.insights == 1 ? "" : "s"), "
            + "\(summary.decisions) decision\(summary.decisions == 1 ? "" : "s")"
        if summary.redacted > 0 { what += "; \(summary.redacted) identifier\(summary.redacted == 1 ? "" : "s") redacted" }
        context.out("exported \(what) to \(summary.path)")
        if summary.notes == 0 {
            context.err("fieldnotes: no notes match the filters; the export holds no notes (tables keep their headers)")
        }
        if !summary.allowed.isEmpty {
            context.err("fieldnotes: \(summary.allowed.count) direct identifier\(summary.allowed.count == 1 ? " was" : "s were") exported as written; this is recorded in the audit trail")
        }
    }
}

struct ScanCommand: Command {
    static let spec = CommandSpec(
        name: "scan", abstract: "Check the text an export would hold for NHS numbers, postcodes, phone numbers and emails",
        options: ExportFilterOptions.options + [formatOption],
        discussion: """
            Runs the same check as 'fieldnotes export' without writing anything: it lists where each
            direct identifier is (record, field, kind; never the value). Exits 1 when any is found,
            so scripts can stop on it; 'export --redact' replaces them.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let hits = try Exporter(store: store).scan(filter: ExportFilterOptions.filter(arguments))
        let lines = ExportFilterOptions.describe(hits)
        if json {
            context.out(JSON.array(lines.map { hit, count in
                .object([("record", .string(hit.record.hex)), ("type", .string(hit.type)), ("field", .string(hit.field)),
                         ("kind", .string(hit.kind.rawValue)), ("count", .number(Double(count)))])
            }).pretty())
        } else {
            var table = Table("RECORD", "TYPE", "FIELD", "IDENTIFIER", "COUNT")
            for (hit, count) in lines { table.add(hit.record.hex, hit.type, hit.field, hit.kind.label, String(count)) }
            context.out(table.render())
        }
        guard hits.isEmpty else {
            let records = Set(hits.map(\.record)).count
            throw CommandFailure(message: "found \(hits.count) direct identifier\(hits.count == 1 ? "" : "s") in \(records) record\(records == 1 ? "" : "s"); "
                                 + "edit them out, or export with --redact to replace them")
        }
        context.err("fieldnotes: no direct identifiers found")
    }
}

struct AuditCommand: Command {
    static let spec = CommandSpec(
        name: "audit", abstract: "List the audit trail: every export, by whom and when",
        options: [.option("limit", "N", "only the last N events"), formatOption],
        discussion: "Each export adds an event; --allow-identifiers adds a second, naming the kinds of identifier let through.\n"
            + "Events replicate like any record, so a hub's trail covers every device.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let limit = try arguments.integer("limit", range: 1...Int(Int32.max))
        let store = try context.openStore()
        var entries = try AuditTrail.entries(in: store)
        if let limit { entries = Array(entries.suffix(limit)) }
        if json {
            context.out(JSON.array(entries.map { entry in
                .object([("id", .string(entry.id.hex)), ("action", .string(entry.action)), ("format", .string(entry.format)),
                         ("filters", .string(entry.filters)), ("counts", .string(entry.counts)), ("path", .string(entry.path)),
                         ("by", .string(entry.by)), ("at", .string(entry.at))])
            }).pretty())
            return
        }
        var table = Table("WHEN", "BY", "ACTION", "FORMAT", "FILTERS", "COUNTS", "PATH")
        for entry in entries {
            table.add(String(entry.at.prefix(16)).replacingT, entry.by, entry.action, entry.format, entry.filters.clipped(40), entry.counts, entry.path)
        }
        context.out(table.render())
        if entries.isEmpty { context.err("fieldnotes: no exports recorded yet") }
    }
}
