import Analysis
import CRDT
import Formats
import Store

enum InsightSchema {
    static let schema = RecordCommandSpec(
        type: Insight.type,
        fields: [
            .init(name: "statement", option: "statement", help: "what the evidence shows, in one sentence", required: true),
            .init(name: "area", option: "area", help: "the ward or place it is about"),
            .init(name: "status", option: "status", help: "draft (default), agreed, retired", choices: Insight.statuses, initial: "draft"),
            .init(name: "confidence", option: "confidence", help: "how strong the evidence is", choices: Insight.confidences),
        ],
        links: [
            .init(set: Insight.themeSet, option: "theme", help: "a theme it is about (name or id)",
                  resolve: { try Themes.resolve($0, in: $1).id }),
            .init(set: Insight.evidenceSet, option: "evidence", help: "a note that evidences it (id or prefix)", resolve: resolveNote,
                  warning: { id, store in
                      guard let note = try store.record(id), Note.withholdsText(note) else { return nil }
                      return "note \(id.short) has consent \(note.value("consent")?.text ?? "withheld"): it is linked, but it carries no weight as evidence and its words are never shown"
                  }),
            .init(set: Insight.pinnedSet, option: "pin-quote", help: "a coded passage the report quotes first (passage id)",
                  resolve: { try $1.resolve($0, type: Passage.type) }),
        ],
        titleField: "statement",
        flags: { insight, store in try Evidence.flags(insight: insight) { try store.record($0) } })
}

struct InsightAddCommand: Command {
    static let spec = CommandSpec(name: "insight add", abstract: "Record an insight, with the notes that evidence it; prints its id",
                                  options: InsightSchema.schema.addOptions)
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try RecordCommands.add(InsightSchema.schema, arguments, context)
    }
}

struct InsightEditCommand: Command {
    static let spec = CommandSpec(name: "insight edit", abstract: "Change an insight, its themes or its evidence",
                                  arguments: [("ID", "the insight's id or a unique prefix", true)], options: InsightSchema.schema.editOptions)
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try RecordCommands.edit(InsightSchema.schema, arguments, context)
    }
}

struct InsightListCommand: Command {
    static let spec = CommandSpec(name: "insight list", abstract: "List insights",
                                  options: [.option("status", "STATUS", "only this status: draft, agreed, retired"),
                                            .option("theme", "THEME", "only insights about this theme"),
                                            .flag("include-deleted", "also list deleted insights"), formatOption])
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let status = try arguments.choice("status", Insight.statuses)
        try RecordCommands.list(InsightSchema.schema, arguments, context) { filter, store in
            if let status { filter.fields["status"] = .text(status) }
            if let theme = arguments.value("theme") { filter.elements[Insight.themeSet] = .text(try Themes.resolve(theme, in: store).id.hex) }
        }
    }
}

struct InsightShowCommand: Command {
    static let spec = CommandSpec(name: "insight show", abstract: "Show an insight with its evidence quoted",
                                  arguments: [("ID", "the insight's id or a unique prefix", true)], options: [formatObjectOption])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Insight.type)
        guard let insight = try store.record(id) else { throw CommandFailure(message: "insight \(id.short) vanished; try again") }
        let names = try store.replicaNames()
        let evidence = try RecordCommands.linked(insight, Insight.evidenceSet, store)
        let themes = try RecordCommands.linked(insight, Insight.themeSet, store)
        if json {
            guard case .object(var members) = InsightSchema.schema.json(insight, names: names) else { return }
            members.append(("theme_names", .array(themes.map { $0.1?.value("name").map(RecordJSON.value) ?? .null })))
            members.append(("evidence_notes", .array(evidence.map { EvidenceQuote.json($0.0, $0.1) })))
            context.out(JSON.object(members).pretty())
            return
        }
        var table = Table("FIELD", "VALUE")
        table.add("id", insight.id.hex)
        for field in InsightSchema.schema.fields { table.add(field.name, insight.value(field.name).map(NoteText.display) ?? "-") }
        table.add("themes", themes.map { $0.1?.value("name")?.text ?? $0.0.short }.joined(separator: ", "))
        if insight.isDeleted { table.add("status", "deleted") }
        for conflict in insight.conflicts {
            table.add("conflict", "\(conflict.name): " + conflict.heads.map { NoteText.display($0.value) }.joined(separator: " | "))
        }
        for flag in try Evidence.flags(insight: insight, note: { try store.record($0) }) { table.add("flag", "⚠ " + flag.text) }
        var out = table.render() + "\n\nEvidence (\(evidence.count) notes):"
        for (noteID, note) in evidence { out += "\n" + EvidenceQuote.text(noteID, note) }
        context.out(out)
    }
}

/// How an evidence note is quoted: its title and text, or a marker when the
/// note was erased (the link stays; the content does not).
enum EvidenceQuote {
    static func json(_ id: RecordID, _ note: VisibleRecord?) -> JSON {
        guard let note, !note.erased else {
            return .object([("id", .string(id.hex)), ("erased", .bool(note?.erased ?? false)), ("missing", .bool(note == nil)),
                            ("withheld", .bool(false)), ("title", .null), ("body", .null)])
        }
        // A note whose consent is declined or withdrawn shows no words, here as in exports.
        let withheld = Note.withholdsText(note)
        return .object([("id", .string(id.hex)), ("erased", .bool(false)), ("missing", .bool(false)), ("withheld", .bool(withheld)),
                        ("title", withheld ? .null : RecordJSON.value(note.value("title"))),
                        ("body", withheld ? .null : RecordJSON.value(note.value("body")))])
    }

    static func text(_ id: RecordID, _ note: VisibleRecord?) -> String {
        guard let note else { return "  \(id.short)  (not in this store yet: sync to fetch it)" }
        guard !note.erased else { return "  \(id.short)  (erased)" }
        guard !Note.withholdsText(note) else {
            return "  \(id.short)  (words withheld: consent \(note.value("consent")?.text ?? "withdrawn"); no weight as evidence)"
        }
        let title = TerminalText.escaped(note.value("title")?.text ?? "")
        let body = TerminalText.escaped((note.value("body")?.text ?? "").clipped(200))
        return "  \(id.short)  \(title)\(note.isDeleted ? " (deleted)" : "")" + (body.isEmpty ? "" : "\n      \"\(body)\"")
    }
}

struct InsightDeleteCommand: Command {
    static let spec = CommandSpec(name: "insight delete", abstract: "Delete an insight",
                                  arguments: [("ID", "the insight's id or a unique prefix", true)])
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try RecordCommands.delete(InsightSchema.schema, arguments, context)
    }
}
