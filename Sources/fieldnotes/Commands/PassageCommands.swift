import Analysis
import CRDT
import Formats
import Store

struct CodeCommand: Command {
    static let spec = CommandSpec(
        name: "code", abstract: "Code a passage of a note's body with a theme; prints the passage's id",
        arguments: [("NOTE", "the note's id or a unique prefix", true)],
        options: [
            .option("theme", "THEME", "the theme (name, alias or id)"),
            .option("quote", "TEXT", "the passage's words, exactly as in the body; they must occur once"),
            .option("range", "START:END", "the passage by offsets in characters (Unicode code points), END exclusive"),
        ],
        discussion: "The passage is tied to its characters, not to offsets: edits before, inside or after it, here or on\n"
            + "other devices, keep it on the same words. A word rewritten as another is no longer coded (a typo fixed, two\n"
            + "letters at most, is), and a sentence moved elsewhere is deleted and written again, so a passage on it goes.\n"
            + "Your device's name and the time are recorded as its coder and date.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let themeName = arguments.value("theme") else { throw UsageError(message: "code needs --theme THEME", command: spec.name) }
        let selection: Passages.Selection
        switch (arguments.value("quote"), arguments.value("range")) {
        case (let quote?, nil):
            selection = .quote(quote)
        case (nil, let range?):
            let parts = range.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let start = Int(parts[0]), let end = Int(parts[1]), start >= 0, end > start else {
                throw UsageError(message: "--range takes START:END with START < END, as in 10:42, not '\(range)'", command: spec.name)
            }
            selection = .range(start ..< end)
        default:
            throw UsageError(message: "give --quote TEXT or --range START:END (one of them)", command: spec.name)
        }
        let store = try context.openStore()
        let note = try store.resolve(arguments.positional(0) ?? "", type: Note.type)
        let theme = try Codebook.load(store).resolve(themeName)
        let id = try Store.newRecordID()
        try store.commit(try Passages.code(selection, of: note, theme: theme, coder: try store.name,
                                           now: ISO8601.format(seconds: Int64(Store.systemMillis() / 1000)), in: store, id: id))
        context.out(id.hex)
    }
}

struct PassageListCommand: Command {
    static let spec = CommandSpec(
        name: "passage list", abstract: "Coded passages with their words as they stand now",
        options: [
            .option("theme", "THEME", "only this theme and the themes below it"),
            .option("note", "ID", "only passages of this note"),
            .option("coder", "NAME", "only passages coded on this device"),
            .option("area", "AREA", "only passages of notes in this area (ignoring case)"),
            formatOption,
        ],
        discussion: "The words of a note whose consent is declined or withdrawn are withheld, as in exports.\n"
            + "A passage whose words have all been deleted is listed as such. JSON keys are those of passages.csv.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let book = try Codebook.load(store)
        let themes = try arguments.value("theme").map { Set(book.subtree(try book.resolve($0))) }
        let noteFilter = try arguments.value("note").map { try store.resolve($0, type: Note.type) }
        let coder = arguments.value("coder").map(Codebook.key)
        let area = arguments.value("area").map(Codebook.key)
        var rows: [(passage: Passages.Resolved, note: VisibleRecord)] = []
        for passage in try Passages.all(store) {
            guard let note = try store.record(passage.note), !note.erased else { continue }
            if let themes, !themes.contains(passage.theme) { continue }
            if let noteFilter, passage.note != noteFilter { continue }
            if let coder, Codebook.key(passage.coder) != coder { continue }
            if let area, Codebook.key(note.value("area")?.text ?? "") != area { continue }
            rows.append((passage, note))
        }
        rows.sort { ($0.passage.codedAt, $0.passage.record.id) < ($1.passage.codedAt, $1.passage.record.id) }
        func words(_ row: (passage: Passages.Resolved, note: VisibleRecord)) -> String? {
            Note.withholdsText(row.note) ? nil : row.passage.span?.text
        }
        if json {
            context.out(JSON.array(rows.map { row in
                .object([
                    ("id", .string(row.passage.record.id.hex)), ("note_id", .string(row.passage.note.hex)),
                    ("theme_id", .string(row.passage.theme.hex)), ("theme_name", .string(book.name(row.passage.theme))),
                    ("coder", .string(row.passage.coder)), ("coded_at", .string(row.passage.codedAt)),
                    ("start", row.passage.span.map { .number(Double($0.start)) } ?? .null),
                    ("end", row.passage.span.map { .number(Double($0.end)) } ?? .null),
                    ("text", words(row).map(JSON.string) ?? .null),
                    ("withheld", .bool(Note.withholdsText(row.note))), ("all_deleted", .bool(row.passage.allDeleted)),
                ])
            }).pretty())
            return
        }
        var table = Table("PASSAGE", "NOTE", "THEME", "CODER", "AT", "WORDS")
        for row in rows {
            let text: String
            if Note.withholdsText(row.note) {
                text = "(withheld: consent \(row.note.value("consent")?.text ?? "withdrawn"))"
            } else if row.passage.span == nil {
                text = "(not here yet: sync to get the note's text)"
            } else if row.passage.allDeleted {
                text = "(all its words have been deleted)"
            } else {
                text = "\"" + TerminalText.escaped((words(row) ?? "").clipped(60)) + "\""
            }
            table.add(row.passage.record.id.short, row.passage.note.short, TerminalText.escaped(book.name(row.passage.theme)),
                      TerminalText.escaped(row.passage.coder), String(row.passage.codedAt.prefix(16)), text)
        }
        context.out(table.render())
    }
}

struct PassageDeleteCommand: Command {
    static let spec = CommandSpec(name: "passage delete", abstract: "Uncode a passage",
                                  arguments: [("ID", "the passage's id or a unique prefix", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Passage.type)
        try store.commit([.assign(id, field: "deleted", value: .bool(true))])
        context.out(id.hex)
    }
}
