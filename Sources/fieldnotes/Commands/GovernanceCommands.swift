import Analysis
import CRDT
import Export
import Formats
import Store

struct SubjectAccessCommand: Command {
    static let spec = CommandSpec(
        name: "subject-access", abstract: "Gather everything held about one participant into one JSON file (a subject access request)",
        arguments: [("PSEUDONYM", "the participant's pseudonym (ignoring case)", true)],
        options: [
            .option("out", "FILE", "where to write it (required); an existing FILE is refused unless --force"),
            .flag("force", "replace FILE if it is a regular file that is no store"),
            .option("purpose", "TEXT", "why it is made, for the audit trail"),
            .option("recipient", "TEXT", "who receives it, for the audit trail"),
        ],
        discussion: "Holds the participant's notes (with their words, even where consent withholds them from exports: they are\n"
            + "the person's own), coded passages, memos, case record and the insights citing the notes. Written whole or\n"
            + "not at all, readable by its owner only, never over the store's own files (the store, its -wal, -shm,\n"
            + "-journal or key file), and recorded in the audit trail.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let pseudonym = (arguments.positional(0) ?? "").trimmingSpaces
        guard !pseudonym.isEmpty else { throw UsageError(message: "give the participant's pseudonym", command: spec.name) }
        guard let out = arguments.value("out"), !out.trimmingSpaces.isEmpty else {
            throw UsageError(message: "subject-access needs --out FILE (where to write it)", command: spec.name)
        }
        let store = try context.openStore()
        let summary = try SubjectAccess.write(store, pseudonym: pseudonym, to: out, force: arguments.flag("force"),
                                              purpose: arguments.value("purpose") ?? "", recipient: arguments.value("recipient") ?? "",
                                              nowSeconds: Int64(Store.systemMillis() / 1000))
        context.confirm("wrote \(summary.notes) note\(summary.notes == 1 ? "" : "s"), \(summary.passages) passage\(summary.passages == 1 ? "" : "s"), "
                    + "\(summary.memos) memo\(summary.memos == 1 ? "" : "s"), \(summary.cases) case record\(summary.cases == 1 ? "" : "s") and "
                    + "\(summary.insights) citing insight\(summary.insights == 1 ? "" : "s") about \(TerminalText.escaped(pseudonym)) to \(summary.path)")
        if summary.notes == 0 && summary.cases == 0 {
            context.info("fieldnotes: nothing is held about '\(TerminalText.escaped(pseudonym))' in this store (check the spelling; erased notes hold nothing)")
        }
    }
}

/// Erasing every note of one participant, or every note past a retention
/// period: the notes and their passages and memos, after a confirmation,
/// recorded in the audit trail.
enum BulkErase {
    static func run(notes: [VisibleRecord], what: String, reason: String, action: String, filters: String,
                    store: Store, arguments: ParsedArguments, context: Context) throws {
        guard !notes.isEmpty else {
            context.info("fieldnotes: no notes match (\(what)); nothing was erased")
            return
        }
        let (changes, records) = try AuditTrail.erasure(of: notes, reason: reason, action: action, filters: filters, in: store)
        let others = records - notes.count
        if !arguments.flag("yes") {
            guard context.stdinIsTerminal else {
                throw CommandFailure(message: "erasing \(notes.count) note\(notes.count == 1 ? "" : "s") (\(what)) cannot be undone and needs confirmation; run it on a terminal or pass --yes")
            }
            fputsOut("Erase \(notes.count) note\(notes.count == 1 ? "" : "s") (\(TerminalText.escaped(what))) and \(others) passage\(others == 1 ? "" : "s") and memo\(others == 1 ? "" : "s") about them? This cannot be undone. Type 'erase' to confirm: ")
            guard readLine()?.trimmingSpaces == "erase" else { throw CommandFailure(message: "not confirmed; nothing was erased") }
        }
        try store.commit(changes)
        context.confirm("erased \(notes.count) note\(notes.count == 1 ? "" : "s") and \(others) record\(others == 1 ? "" : "s") about them")
        if (try? store.isPurgePending) == true {
            context.err("fieldnotes: another program is using the store, so the old text stays in its files until the next fieldnotes command after that program finishes; that command wipes it first")
        }
    }
}

struct RetentionCommand: Command {
    static let spec = CommandSpec(
        name: "retention", abstract: "Erase notes older than a retention period (a dry run unless --yes)",
        options: [
            .option("erase-older-than", "PERIOD", "the retention period: 24m (months), 2y (years) or 90d (days), counted back from now by when the note occurred"),
            .flag("yes", "erase them (without it, list what would be erased and change nothing)"),
        ],
        discussion: "Erasing removes each note, its coded passages and memos from this store's tables, log, search index and\n"
            + "write-ahead log, and from every replica after sync. Notes with no date are never erased by retention.\n"
            + "The erasure is recorded in the audit trail.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let period = arguments.value("erase-older-than") else {
            throw UsageError(message: "retention needs --erase-older-than PERIOD, as in 24m", command: spec.name)
        }
        let now = Int64(Store.systemMillis() / 1000)
        guard let cutoff = Governance.cutoff(period, nowSeconds: now) else {
            throw UsageError(message: "--erase-older-than takes a number and d, m or y, as in 24m, 2y or 90d, not '\(period)'", command: spec.name)
        }
        let store = try context.openStore()
        let notes = try Governance.notes(occurredBefore: cutoff, in: store)
        guard arguments.flag("yes") else {
            var table = Table("ID", "WHEN", "AREA", "TITLE")
            for note in notes {
                table.add(note.id.short, String((note.value("occurred_at")?.text ?? "").prefix(10)),
                          TerminalText.escaped(note.value("area")?.text ?? "-"), TerminalText.escaped((note.value("title")?.text ?? "").clipped(50)))
            }
            if !notes.isEmpty { context.out(table.render()) }
            context.out("dry run: \(notes.count) note\(notes.count == 1 ? "" : "s") occurred before \(cutoff) and would be erased; run again with --yes to erase \(notes.count == 1 ? "it" : "them")")
            return
        }
        try BulkErase.run(notes: notes, what: "occurred before \(cutoff)", reason: "retention: older than \(period)", action: "retention",
                          filters: "before=\(cutoff)", store: store, arguments: arguments, context: context)
    }
}

struct ConfigCommand: Command {
    static let spec = CommandSpec(
        name: "config", abstract: "Show or set this store's settings: the name of the person using it",
        options: [
            .option("user", "NAME", "your name, as audit events name who exported or erased (kept on this laptop only)"),
            .flag("clear-user", "forget the name"),
        ])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        if let name = arguments.value("user") {
            try store.setUserName(name)
        } else if arguments.flag("clear-user") {
            try store.setUserName(nil)
        }
        context.out("device: \(TerminalText.escaped(try store.name))")
        context.out("user: \(TerminalText.escaped(try store.userName ?? "(not set: audit events name the device only)"))")
    }
}
