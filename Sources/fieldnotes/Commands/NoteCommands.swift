import Analysis
import CRDT
import Export
import Formats
import Glibc
import Store

struct AddCommand: Command {
    static let spec = CommandSpec(
        name: "add", abstract: "Capture a note; prints its id",
        options: NoteInputOptions.fieldOptions + [.option("tag", "TAG", "a tag, e.g. transport", repeatable: true)],
        discussion: "On a terminal, without --title, the note opens in your editor ($VISUAL, else $EDITOR, else nano, else vi)\n"
            + "with a line for each field; save and close it to record the note, or leave the title empty to cancel.\n"
            + "Without --body or --body-file, the body is read from standard input when it is not a terminal.\n"
            + "The note is on disk (fsync'd) when the command returns.\n\n" + NoteInputOptions.measuresHelp)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        var input = try NoteInputOptions.input(arguments, context, bodyFromStdin: true)
        input.tags = arguments.all("tag")
        if input.title == nil, NoteEditing.available(context) {
            try NoteEditing.add(input, arguments, context)
            return
        }
        let store = try context.openStore()
        let vocabulary = try NoteVocabulary(&input, arguments, store)
        let id = try Store.newRecordID()
        try store.commit(vocabulary.changes + (try Note.changes(input, for: id, creating: true, nowSeconds: Int64(Store.systemMillis() / 1000))))
        context.out(id.hex)
        vocabulary.warn(note: id, context)
    }
}

struct EditCommand: Command {
    static let spec = CommandSpec(
        name: "edit", abstract: "Change a note's fields or tags",
        arguments: [("ID", "the note's id or a unique prefix (6+ hex digits)", true)],
        options: NoteInputOptions.fieldOptions + [
            .option("append", "TEXT", "add TEXT at the end of the body"),
            .option("add-tag", "TAG", "add a tag", repeatable: true),
            .option("remove-tag", "TAG", "remove a tag", repeatable: true),
            .option("unset", "FIELD", "clear a field: body, kind, area, occurred_at, participant, consent, measures.NAME", repeatable: true),
        ],
        discussion: "On a terminal, with no options, the note opens in your editor ($VISUAL, else $EDITOR, else nano, else vi);\n"
            + "only the fields you change are written, and the body's changes are merged with edits that arrive meanwhile.\n"
            + "The body is merged character by character: --body, --body-file (or --body-file - for standard input) and --append\n"
            + "record only the characters that changed, so edits made elsewhere meanwhile are kept.\n"
            + "Editing any other field that shows a conflict replaces every concurrent value: that resolves it.\n\n" + NoteInputOptions.measuresHelp)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        var input = try NoteInputOptions.input(arguments, context, bodyFromStdin: false)
        input.tags = arguments.all("add-tag")
        input.removeTags = arguments.all("remove-tag")
        input.unset = arguments.all("unset")
        input.appendBody = arguments.value("append")
        if input.appendBody != nil, input.body != nil {
            throw UsageError(message: "give --append or a new body, not both", command: spec.name)
        }
        guard !input.isEmpty else {
            guard NoteEditing.available(context) else { throw UsageError(message: "nothing to change", command: spec.name) }
            try NoteEditing.edit(arguments.positional(0) ?? "", arguments, context)
            return
        }
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Note.type)
        guard let record = try store.record(id), !record.erased else {
            throw CommandFailure(message: "note \(id.short) was erased and cannot be edited")
        }
        let vocabulary = try NoteVocabulary(&input, arguments, store)
        try store.commit(vocabulary.changes + (try Note.changes(input, for: id, creating: false, nowSeconds: Int64(Store.systemMillis() / 1000))))
        context.out(id.hex)
        vocabulary.warn(note: id, context)
    }
}

struct ShowCommand: Command {
    static let spec = CommandSpec(
        name: "show", abstract: "Show one note in full",
        arguments: [("ID", "the note's id or a unique prefix (6+ hex digits)", true)],
        options: [formatObjectOption])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Note.type)
        guard let record = try store.record(id) else { throw CommandFailure(message: "note \(id.hex) vanished; try again") }
        let names = try store.replicaNames()
        if json {
            context.out(RecordJSON.note(record, names: names).pretty())
            return
        }
        context.out(NoteText.detail(record, names: names))
    }
}

struct ListCommand: Command {
    static let spec = CommandSpec(
        name: "list", abstract: "List notes, oldest first, with filters",
        options: NoteFilterOptions.options + [
            NoteVocabulary.caseAttributeOption,
            .option("limit", "N", "at most N notes"),
            formatOption,
        ],
        discussion: NoteFilterOptions.discussion + "\nWith --include-deleted, erased notes are listed too (with no content).")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        var query = try NoteFilterOptions.query(arguments)
        query.limit = try arguments.integer("limit", range: 0...Int(Int32.max))
        let store = try context.openStore()
        let filter = try NoteVocabulary.recordFilter(query, arguments, store)
        if json {
            let names = try store.replicaNames()
            // Each piece of notes read becomes text on another thread while the
            // next is read: 2,000 notes are over a megabyte of text.
            let array = BackgroundJSONArray<VisibleRecord> { RecordJSON.note($0, names: names) }
            try store.list(filter) { array.append($0) }
            for piece in array.finish() { context.out(piece: piece) }
            context.out("")
            return
        }
        let records = try store.list(filter)
        var table = Table("ID", "WHEN", "KIND", "AREA", "TITLE", "TAGS")
        for record in records { table.add(row: NoteText.row(record)) }
        context.out(table.render())
        if records.isEmpty { context.info("fieldnotes: no notes match") }
    }
}

struct SearchCommand: Command {
    static let spec = CommandSpec(
        name: "search", abstract: "Full-text search of titles, bodies and tags, best match first",
        arguments: [("QUERY", "words that must all appear, \"quoted phrases\", OR, NOT, (groups), prefix* (see below)", true)],
        options: NoteFilterOptions.options + [
            .option("limit", "N", "at most N results (default 50)"),
            formatOption,
        ],
        discussion: """
            The query: every word must appear (AND may be written); "a phrase" in double quotes must appear as
            written; transp* matches a prefix; OR between words, phrases or groups finds either, and binds more
            tightly than AND: lunch bus OR minibus finds lunch with bus or minibus; bus NOT minibus finds bus
            without minibus; parentheses group: (bus OR minibus) NOT taxi. AND, OR and NOT are operators only in
            capitals. Words with no letters or digits are left out. Quote the whole query for the shell:
              fieldnotes search '"lunch club" (bus OR minibus)'
            A query that starts with '-' goes after '--': fieldnotes search -- -bus

            """ + NoteFilterOptions.discussion)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let limit = try arguments.integer("limit", range: 1...100_000) ?? 50
        let query = try SearchQuery(arguments.positional(0) ?? "")
        let filters = try NoteFilterOptions.query(arguments)
        let store = try context.openStore()
        let hits = try store.search(query, filter: try NoteVocabulary.recordFilter(filters, arguments, store), limit: limit)
        if json {
            let names = try store.replicaNames()
            context.out(JSON.array(hits.map { RecordJSON.note($0.record, names: names) }).pretty())
            return
        }
        var table = Table("ID", "WHEN", "AREA", "TITLE", "MATCH")
        for hit in hits {
            let row = NoteText.row(hit.record)
            table.add(row[0], row[1], row[3], row[4], hit.snippet.clipped(70))
        }
        context.out(table.render())
        if hits.isEmpty { context.info("fieldnotes: nothing matches") }
    }
}

/// `delete` and `restore`: writes to the `deleted` field, so they merge like any edit.
struct DeleteCommand: Command {
    static let spec = CommandSpec(
        name: "delete", abstract: "Hide a note (undo with restore)",
        arguments: [("ID", "the note's id or a unique prefix", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try setDeleted(true, arguments, context)
    }

    static func setDeleted(_ deleted: Bool, _ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Note.type)
        guard let record = try store.record(id), !record.erased else {
            throw CommandFailure(message: "note \(id.short) was erased; there is nothing to \(deleted ? "delete" : "restore")")
        }
        try store.commit([.assign(id, field: "deleted", value: deleted ? .bool(true) : .null)])
        context.out(id.hex)
    }
}

struct RestoreCommand: Command {
    static let spec = CommandSpec(
        name: "restore", abstract: "Bring back a deleted note",
        arguments: [("ID", "the note's id or a unique prefix", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try DeleteCommand.setDeleted(false, arguments, context)
    }
}

struct EraseCommand: Command {
    static let spec = CommandSpec(
        name: "erase", abstract: "Irreversibly purge a note's content here and, after sync, everywhere",
        arguments: [("ID", "the note's id or a unique prefix (or give --participant)", false)],
        options: [
            .option("reason", "TEXT", "why (kept for audit; do not write personal details here)"),
            .option("participant", "PSEUDONYM", "erase every note of this participant (ignoring case)"),
            .flag("yes", "do not ask for confirmation"),
        ],
        discussion: "Erase removes every value of the note, its coded passages and memos from this store's tables, log, search\n"
            + "index and write-ahead log; replicas that receive the erase do the same, including for edits that arrive later.\n"
            + "Only the note's id, the erase, its reason and time remain, and the names of the fields once written (a\n"
            + "measure's name, not its value). Passages and memos written about it on another device before the erase\n"
            + "reached it are erased by that device's next sync. --participant reaches the notes this store holds: run it\n"
            + "again once every laptop has synced. It asks for confirmation on a terminal.\n"
            + "Every erase is recorded in the audit trail ('fieldnotes audit'): who, when, which note or participant, how many\n"
            + "records and the reason; the event syncs like any record.\n"
            + "If another program is using the store, the old text is wiped from the files by the next fieldnotes\n"
            + "command after it finishes, and erase says so.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let reason = arguments.value("reason")?.trimmingSpaces, !reason.isEmpty else {
            throw UsageError(message: "erase needs --reason TEXT (e.g. 'consent withdrawn')", command: spec.name)
        }
        // Refuse an over-long reason before asking anyone to confirm.
        if let problem = RecordSchema.problem(.erase(reason: reason), type: nil) {
            throw CommandFailure(message: problem.description)
        }
        let store = try context.openStore()
        if let participant = arguments.value("participant")?.trimmingSpaces {
            guard arguments.positional(0) == nil else { throw UsageError(message: "give a note ID or --participant, not both", command: spec.name) }
            guard !participant.isEmpty else { throw UsageError(message: "--participant needs a pseudonym", command: spec.name) }
            try BulkErase.run(notes: try Governance.notes(ofParticipant: participant, in: store), what: "participant \(participant)",
                              reason: reason, action: "erase-participant", filters: "participant=\(participant)",
                              store: store, arguments: arguments, context: context)
            return
        }
        guard let given = arguments.positional(0) else { throw UsageError(message: "erase needs a note ID or --participant PSEUDONYM", command: spec.name) }
        let id = try store.resolve(given, type: Note.type)
        guard let record = try store.record(id) else { throw CommandFailure(message: "note \(id.short) vanished; try again") }
        guard !record.erased else { throw CommandFailure(message: "note \(id.short) is already erased") }
        if !arguments.flag("yes") {
            guard context.stdinIsTerminal else {
                throw CommandFailure(message: "erase cannot be undone and needs confirmation; run it on a terminal or pass --yes")
            }
            fputsOut("Erase note \(id.short) '\(TerminalText.escaped((record.value("title")?.text ?? "").clipped(40)))'? This cannot be undone. Type 'erase' to confirm: ")
            guard readLine()?.trimmingSpaces == "erase" else { throw CommandFailure(message: "not confirmed; nothing was erased") }
        }
        // Its coded passages and the memos on it and them go with it (they are about its words), and the audit trail records it.
        try store.commit(try AuditTrail.erasure(of: [record], reason: reason, action: "erase", filters: "note=\(id.hex)", in: store).changes)
        context.out(id.hex)
        // The erase has committed; only the wiping of the files' old pages can be left for later.
        if (try? store.isPurgePending) == true {
            context.err("fieldnotes: erased note \(id.short), but another program is using the store, so its old text stays in the "
                        + "store's files until the next fieldnotes command after that program finishes; that command wipes it first")
        }
    }
}

/// How notes read on a terminal.
enum NoteText {
    static func when(_ record: VisibleRecord) -> String {
        guard let text = record.value("occurred_at")?.text else { return "-" }
        return String(text.prefix(16)).replacingT
    }

    static func row(_ record: VisibleRecord) -> [String] {
        var title = (record.value("title")?.text ?? "").clipped(40)
        if record.erased { title = "(erased)" } else if record.isDeleted { title = "(deleted) " + title }
        if !record.conflicts.isEmpty { title += " [conflict]" }
        return [
            record.id.short, when(record),
            record.value("kind")?.text ?? "-", (record.value("area")?.text ?? "-").clipped(20), title,
            record.elements(Note.tagSet).compactMap(\.text).joined(separator: ",").clipped(40),
        ]
    }

    static func detail(_ record: VisibleRecord, names: [ReplicaID: String]) -> String {
        var table = Table("FIELD", "VALUE")
        table.add("id", record.id.hex)
        if record.erased {
            table.add("status", "erased: its content was purged")
            return table.render()
        }
        for field in Note.fields where field != "body" {
            table.add(field, record.value(field).map(display) ?? "-")
        }
        table.add("tags", record.elements(Note.tagSet).compactMap(\.text).joined(separator: ", "))
        table.add("measures", Note.measures(of: record).map { "\($0.name)=\(JSON.format($0.value))" }.joined(separator: ", "))
        if record.isDeleted { table.add("status", "deleted (fieldnotes restore \(record.id.short) brings it back)") }
        for conflict in record.conflicts {
            let values = conflict.heads.enumerated().map { index, head in
                "\(display(head.value)) (by \(names[head.id.origin] ?? head.id.origin.hex.prefix(8).description)\(index == 0 ? ", shown" : ""))"
            }
            table.add("conflict", "\(conflict.name): " + values.joined(separator: " | "))
        }
        var out = table.render()
        if let body = record.value("body")?.text, !body.isEmpty { out += "\n\n" + TerminalText.escaped(body, keepingLineBreaks: true) }
        return out
    }

    static func display(_ value: Value) -> String {
        switch value {
        case .null: return "(unset)"
        case .bool(let bool): return bool ? "true" : "false"
        case .number(let number): return JSON.format(number)
        case .text(let text): return text.clipped(60)
        }
    }
}

extension String {
    var replacingT: String { String(map { $0 == "T" ? " " : $0 }) }
}

func fputsOut(_ text: String) {
    print(text, terminator: "")
    fflush(nil)
}
