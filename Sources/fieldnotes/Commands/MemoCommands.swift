import Analysis
import CRDT
import Export
import Formats
import Store

/// The body options `memo add` and `memo edit` share.
enum MemoBody {
    static let options: [OptionSpec] = [
        .option("body", "TEXT", "the memo's text"),
        .option("body-file", "FILE", "read the text from a UTF-8 file ('-': standard input)"),
    ]

    /// --body, else --body-file, else (when `fromStdin`) standard input if it is not a terminal.
    static func read(_ arguments: ParsedArguments, _ context: Context, fromStdin: Bool) throws -> String? {
        if arguments.value("body") != nil, arguments.value("body-file") != nil {
            throw UsageError(message: "give --body or --body-file, not both", command: arguments.spec.name)
        }
        if let body = arguments.value("body") { return body }
        if let path = arguments.value("body-file") {
            return path == "-" ? try NoteInputOptions.readStandardInput() : try NoteInputOptions.readText(path)
        }
        if fromStdin, !context.stdinIsTerminal {
            let text = try NoteInputOptions.readStandardInput()
            return text.isEmpty ? nil : text
        }
        return nil
    }
}

struct MemoAddCommand: Command {
    static let spec = CommandSpec(
        name: "memo add", abstract: "Write a memo about a note, a coded passage, a theme or a case; prints its id",
        arguments: [("TARGET", "a theme's name, or the id (6+ hex digits) of a note, passage, theme or case", true)],
        options: MemoBody.options,
        discussion: "Without --body or --body-file, the text is read from standard input when it is not a terminal.\n"
            + "Your device's name and the time are recorded as its author and date. A memo syncs like any record;\n"
            + "two people editing one memo both keep their edits. A memo about a note (or a passage of a note)\n"
            + "whose consent is declined or withdrawn is withheld with the note's text, and erasing the note erases it.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let body = try MemoBody.read(arguments, context, fromStdin: true)
        guard let body else { throw UsageError(message: "give the memo's text with --body TEXT, --body-file FILE or on standard input", command: spec.name) }
        let store = try context.openStore()
        let target = try Memos.target(arguments.positional(0) ?? "", in: store)
        let id = try Store.newRecordID()
        try store.commit(try Memos.adding(body, about: target, author: try store.name,
                                          now: ISO8601.format(seconds: Int64(Store.systemMillis() / 1000)), id: id))
        context.out(id.hex)
    }
}

struct MemoEditCommand: Command {
    static let spec = CommandSpec(
        name: "memo edit", abstract: "Rewrite a memo, or add to its end",
        arguments: [("ID", "the memo's id or a unique prefix", true)],
        options: MemoBody.options + [.option("append", "TEXT", "add TEXT at the end of the memo")],
        discussion: "Only the characters that change are recorded, so edits made on other devices meanwhile are kept.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let body = try MemoBody.read(arguments, context, fromStdin: false)
        let append = arguments.value("append")
        if body != nil, append != nil { throw UsageError(message: "give --append or a new text, not both", command: spec.name) }
        guard body != nil || append != nil else { throw UsageError(message: "nothing to change: give --body, --body-file or --append", command: spec.name) }
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Memo.type)
        guard let record = try store.record(id), !record.erased else { throw CommandFailure(message: "memo \(id.short) was erased and cannot be edited") }
        guard !record.isDeleted else { throw CommandFailure(message: "memo \(id.short) is deleted; write a new one instead") }
        try store.commit(try Memos.editing(id, body: body, append: append))
        context.out(id.hex)
    }
}

struct MemoListCommand: Command {
    static let spec = CommandSpec(
        name: "memo list", abstract: "List memos, oldest first",
        options: [
            .option("target", "TARGET", "only memos about this (a theme's name, or a note, passage, theme or case id)"),
            formatOption,
        ],
        discussion: "Memos about a note whose consent is declined or withdrawn are listed without their text.\n"
            + "The JSON keys are the columns of memos.csv in a CSV export.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let target = try arguments.value("target").map { try Memos.target($0, in: store).id }
        let memos = try Memos.all(store, about: target)
        if json {
            context.out(JSON.array(memos.map(ExportJSON.memo)).pretty())
            return
        }
        let book = try Codebook.load(store)
        var table = Table("MEMO", "ABOUT", "AUTHOR", "WRITTEN", "TEXT")
        for memo in memos {
            var about = memo.target.type == Theme.type ? "theme \(book.name(memo.target.id))" : "\(memo.target.type) \(memo.target.id.short)"
            if memo.targetDeleted { about += " (deleted)" }
            let text = memo.withheld ? "(withheld: the note's consent is declined or withdrawn)" : memo.body.clipped(60)
            table.add(memo.id.short, about, memo.author, String(memo.writtenAt.prefix(16)).replacingT, text)
        }
        context.out(table.render())
        if memos.isEmpty { context.info("fieldnotes: no memos") }
    }
}

struct MemoDeleteCommand: Command {
    static let spec = CommandSpec(name: "memo delete", abstract: "Delete a memo",
                                  arguments: [("ID", "the memo's id or a unique prefix", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Memo.type)
        guard let record = try store.record(id), !record.erased else { throw CommandFailure(message: "memo \(id.short) was erased; there is nothing to delete") }
        try store.commit([.assign(id, field: "deleted", value: .bool(true))])
        context.out(id.hex)
    }
}
