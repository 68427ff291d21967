import CRDT
import Export
import Formats
import Store

/// The filter options `export` and `scan` share, declared once so their help cannot drift.
enum ExportFilterOptions {
    static let options: [OptionSpec] = [
        .option("since", "DATE", "only notes from this date or time on"),
        .option("until", "DATE", "only notes up to and including this date or time"),
        .option("area", "AREA", "only notes from this area"),
        .option("theme", "NAME", "only notes tagged with this theme or any theme below it (ignoring case)"),
        .option("tag", "TAG", "only notes with this tag"),
        .flag("include-withdrawn-metadata", "keep notes whose participant withdrew consent, without their words (by default they are left out altogether)"),
    ]

    static func filter(_ arguments: ParsedArguments) -> ExportFilter {
        ExportFilter(since: arguments.value("since"), until: arguments.value("until"), area: arguments.value("area"),
                     theme: arguments.value("theme"), tag: arguments.value("tag"),
                     includeWithdrawnMetadata: arguments.flag("include-withdrawn-metadata"))
    }

    /// One line per record, field and kind of identifier: where it is, never what it is.
    static func describe(_ hits: [IdentifierHit]) -> [(hit: IdentifierHit, count: Int)] {
        var counts: [IdentifierHit: Int] = [:]
        for hit in hits { counts[hit, default: 0] += 1 }
        return counts.sorted { a, b in
            (a.key.type, a.key.record?.hex ?? "", a.key.field, a.key.kind) < (b.key.type, b.key.record?.hex ?? "", b.key.field, b.key.kind)
        }.map { ($0.key, $0.value) }
    }

    static func line(_ hit: IdentifierHit, _ count: Int) -> String {
        "\(hit.place): \(hit.kind.label)" + (count > 1 ? " (\(count))" : "")
    }
}

struct ExportCommand: Command {
    static let spec = CommandSpec(
        name: "export", abstract: "Export for analysis: CSV tables, NDJSON, a REFI-QDA project or an HTML report",
        arguments: [("FORMAT", "csv (a directory of tables), json (NDJSON), qdpx (REFI-QDA project) or report (HTML page)", true)],
        options: [.option("out", "PATH", "where to write it (required); an existing PATH is refused unless --force")]
            + ExportFilterOptions.options + [
            .flag("force", "replace PATH if it exists: only a regular file that is no store, or an earlier CSV export's directory"),
            .flag("redact", "replace each identifier 'fieldnotes scan' finds with its placeholder: " + IdentifierKind.placeholderList),
            .flag("allow-identifiers", "export direct identifiers as they are; recorded in the audit trail"),
            .flag("raw-cells", "csv only: keep cells starting with =, +, -, @, tab or CR as stored (they can run as formulas); recorded in the audit trail"),
            .option("title", "TEXT", "report only: the page's title (the scope follows it in the headline); scanned for identifiers like the rest"),
            .option("min-count", "N", "report only: suppress figures drawn from fewer than N distinct people (default 5, NHS practice)"),
            .option("purpose", "TEXT", "why the export is made, for the audit trail"),
            .option("recipient", "TEXT", "who receives it, for the audit trail"),
        ],
        discussion: """
            Themes, insights and decisions are always exported whole; the filters select notes.
            Notes whose participant withdrew consent are left out altogether (metadata and scores too)
            unless --include-withdrawn-metadata; notes whose consent is declined are exported without
            their title and body.
            Before writing, every text is scanned for the kinds of identifier 'fieldnotes scan --help'
            lists, and only those; if any is found, each is listed (record, field, kind; never the value)
            and nothing is written, unless --redact or --allow-identifiers is given. Device names (memo
            authors, passage coders) and measure names are scanned too; --redact leaves out a measure
            whose name holds an identifier. The store's own files (the store, its -wal, -shm, -journal
            and key file) are never PATH, even with --force. The export is written
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
        var minCount = HTMLReport.defaultMinCount
        if let text = arguments.value("min-count") {
            guard let value = Int(text), value >= 1 else {
                throw UsageError(message: "--min-count takes a whole number of people, 1 or more, not '\(text)'", command: spec.name)
            }
            minCount = value
        }
        for option in ["title", "min-count"] where arguments.value(option) != nil && format != .report {
            throw UsageError(message: "--\(option) applies to the report only; leave it out for \(format.rawValue)", command: spec.name)
        }
        let store = try context.openStore()
        let summary: ExportSummary
        let progress = ProgressLine(context)
        defer { progress.finish() }
        do {
            summary = try Exporter(store: store).write(
                format: format, to: out, filter: ExportFilterOptions.filter(arguments),
                options: ExportOptions(identifiers: redact ? .redact : allow ? .allow : .refuse, force: arguments.flag("force"),
                                       rawCells: rawCells, reportTitle: arguments.value("title"), minCount: minCount,
                                       purpose: arguments.value("purpose") ?? "", recipient: arguments.value("recipient") ?? "")) { step in
                switch step {
                case .reading: progress.update("exporting: reading the notes")
                case .checking(let notes): progress.update("exporting: checking \(notes) notes for names, emails and phone numbers")
                case .writing(let notes): progress.update("exporting: writing \(notes) notes as \(format.rawValue)")
                case .recording: progress.update("exporting: recording the export in the audit trail")
                }
            }
            progress.finish()
        } catch let error as ExportError where error.isIdentifiersFound {
            progress.finish()
            for (hit, count) in ExportFilterOptions.describe(error.hits) { context.err("fieldnotes: " + ExportFilterOptions.line(hit, count)) }
            throw error
        }
        var what = "\(summary.notes) note\(summary.notes == 1 ? "" : "s")"
        if summary.withheld > 0 { what += " (\(summary.withheld) without text: consent)" }
        what += ", \(summary.themes) theme\(summary.themes == 1 ? "" : "s"), \(summary.insights) insight\(summary.insights == 1 ? "" : "s"), "
            + "\(summary.decisions) decision\(summary.decisions == 1 ? "" : "s")"
        if summary.redacted > 0 { what += "; \(summary.redacted) identifier\(summary.redacted == 1 ? "" : "s") redacted" }
        context.confirm("exported \(what) to \(summary.path)")
        if summary.notes == 0 {
            context.info("fieldnotes: no notes match the filters; the export holds no notes (tables keep their headers)")
        }
        if !summary.allowed.isEmpty {
            context.info("fieldnotes: \(summary.allowed.count) direct identifier\(summary.allowed.count == 1 ? " was" : "s were") exported as written; this is recorded in the audit trail")
        }
    }
}

struct ScanCommand: Command {
    static let spec = CommandSpec(
        name: "scan", abstract: "Check the text an export would hold for identifiers of the kinds 'scan --help' lists",
        options: ExportFilterOptions.options + [formatOption],
        discussion: """
            Runs the same check as 'fieldnotes export' without writing anything: it lists where each
            identifier is (record, field, kind; never the value). Exits 1 when any is found, so
            scripts can stop on it; 'export --redact' replaces them.

            It checks for these kinds, and only these:

            """ + IdentifierKind.allCases.map { ScanCommand.wrap("\($0.plural): \($0.rule).", indent: "  - ") }.joined(separator: "\n")
            + "\n\n" + ScanCommand.wrap(ScanCommand.notChecked, indent: ""))

    /// What a person must still look for themselves.
    static let notChecked = "A name without a title (outside the participant field), an age, a rare condition, a job or a place "
        + "described in words is not looked for: read the notes before they leave the team."

    /// `text` wrapped at 100 columns, the first line after `indent`, the rest under it.
    static func wrap(_ text: String, indent: String) -> String {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count > indent.count, line.count + 1 + word.count > 100 {
                lines.append(line)
                line = String(repeating: " ", count: indent.count)
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let hits = try Exporter(store: store).scan(filter: ExportFilterOptions.filter(arguments))
        let lines = ExportFilterOptions.describe(hits)
        if json {
            context.out(JSON.array(lines.map { hit, count in
                .object([("record", hit.record.map { .string($0.hex) } ?? .null), ("type", .string(hit.type)), ("field", .string(hit.field)),
                         ("kind", .string(hit.kind.rawValue)), ("count", .number(Double(count)))])
            }).pretty())
        } else {
            var table = Table("RECORD", "TYPE", "FIELD", "IDENTIFIER", "COUNT")
            for (hit, count) in lines { table.add(hit.record?.hex ?? "–", hit.type, hit.field, hit.kind.label, String(count)) }
            context.out(table.render())
        }
        guard hits.isEmpty else {
            throw CommandFailure(message: "found \(hits.count) direct identifier\(hits.count == 1 ? "" : "s") \(IdentifierHit.whereFound(hits)); "
                                 + "edit them out, or export with --redact to replace them")
        }
        // Say what was checked, never more: a clean scan is not proof that nothing identifies anyone.
        context.info("fieldnotes: checked for \(IdentifierKind.checkedList); found none of these")
    }
}

struct AuditCommand: Command {
    static let spec = CommandSpec(
        name: "audit", abstract: "List the audit trail: every export (refused ones too), subject access, erasure (of a note or a participant's notes) and retention run, by whom and when",
        options: [.option("limit", "N", "only the last N events"), formatOption],
        discussion: "Each export adds an event; --allow-identifiers adds a second, naming the kinds of identifier let through.\n"
            + "Each erase adds one (action erase, erase-participant or retention) with the notes and records it took and its reason.\n"
            + "Events replicate like any record, so a hub's trail covers every device. On a hub, DEVICE (JSON: device) is the\n"
            + "enrolled device whose key wrote the event; BY is what that device's store says of its user and itself.")

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
                         ("by", .string(entry.by)), ("device", entry.device.map(JSON.string) ?? .null), ("at", .string(entry.at)),
                         ("purpose", .string(entry.purpose)), ("recipient", .string(entry.recipient))])
            }).pretty())
            return
        }
        // On a hub, who the hub enrolled beside who the event says it was.
        let devices = entries.contains { $0.device != nil }
        var table = Table(headers: ["WHEN", "BY"] + (devices ? ["DEVICE"] : []) + ["ACTION", "FORMAT", "FILTERS", "COUNTS", "PURPOSE", "RECIPIENT", "PATH"])
        for entry in entries {
            let device = devices ? [TerminalText.escaped(entry.device ?? "-")] : []
            table.add(row: [String(entry.at.prefix(16)).replacingT, TerminalText.escaped(entry.by)] + device
                      + [entry.action, entry.format, TerminalText.escaped(entry.filters.clipped(40)), entry.counts,
                         TerminalText.escaped(entry.purpose.clipped(30)), TerminalText.escaped(entry.recipient.clipped(30)), TerminalText.escaped(entry.path)])
        }
        context.out(table.render())
        if entries.isEmpty { context.info("fieldnotes: no exports recorded yet") }
    }
}
