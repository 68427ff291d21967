import Store

struct ImportCommand: Command {
    static let spec = CommandSpec(
        name: "import", abstract: "Import notes from NDJSON, JSON or CSV, all or nothing",
        arguments: [("FILE", "a .ndjson/.jsonl/.json or .csv file", true)],
        discussion: """
            Keys and columns are those of 'show --format json': id (optional; 32 hex digits), title, body,
            kind, area, occurred_at, participant, consent, tags, measures. In JSON, tags is an array and
            measures an object ({"ucla3": 6}); a .json file may hold one array, as 'list --format json' prints.
            In CSV, tags are separated by ';', and measures go in a 'measures' column (ucla3=6;ons_lonely=4)
            or in columns named measures.NAME. The whole file is checked before anything is written: one bad
            row (or a value over a limit, such as a body over 512 KiB) rejects the file with its line number,
            and nothing is written. It is then written in one transaction: stopped part way (Ctrl-C, a power
            cut), nothing of it is in the store, so it can simply be run again. A file imported whole adds its
            notes again if imported again, unless its rows carry ids. Other commands that write wait for it.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let path = arguments.positional(0) ?? ""
        let lower = path.lowercased()
        let format: NoteImport.Format
        if lower.hasSuffix(".csv") {
            format = .csv
        } else if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") {
            format = .json
        } else {
            throw UsageError(message: "cannot tell the format of '\(path)': name it .csv, .ndjson, .jsonl or .json", command: spec.name)
        }
        let text = try NoteInputOptions.readText(path)
        let rows = try NoteImport.rows(text, format: format)
        let store = try context.openStore()
        let progress = ProgressLine(context)
        defer { progress.finish() }
        progress.update("importing: checking \(rows.count) rows")
        // Parse and check every row first, outside any transaction; then write them all in one.
        let notes = try NoteImport.notes(rows, existing: { try store.record($0) != nil }, nowSeconds: Int64(Store.systemMillis() / 1000))
        try NoteImport.write(notes, to: store) { made, total in
            progress.update("importing: \(made) of \(total) notes made (none is in the store until all are)")
        }
        progress.finish()
        context.confirm("imported \(rows.count) notes")
    }
}
