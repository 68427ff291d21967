import CRDT
import Store

/// `add` without `--title` and `edit` without options, on a terminal: the
/// note opens in the person's editor (`NoteForm`), as `git commit` does.
enum NoteEditing {
    /// Whether a person is at a terminal to use an editor: standard input and output both terminals.
    static func available(_ context: Context) -> Bool { context.stdinIsTerminal && context.stdoutIsTerminal }

    /// Opens `text` in the editor until what is saved passes `check`; a
    /// failed check reopens it with the error on top and the text kept. A
    /// file saved blank, or a `CommandFailure` from `check`, ends it with
    /// nothing written.
    static func loop<T>(_ editor: Editor, _ text: String, check: (String) throws -> T) throws -> T {
        var text = text
        while true {
            let saved = try editor.edit(text)
            if NoteForm.isBlank(saved) { throw CommandFailure(message: "the note was saved empty; nothing was written") }
            do {
                return try check(saved)
            } catch let abort as CommandFailure {
                throw abort
            } catch {
                text = NoteForm.withError(saved, message(error))
            }
        }
    }

    static func message(_ error: any Error) -> String {
        switch error {
        case let error as UsageError: return error.message
        case let error as StoreError: return error.description
        default: return String(describing: error)
        }
    }

    /// `add` in the editor, the form filled with what the options gave.
    static func add(_ given: Note.Input, _ arguments: ParsedArguments, _ context: Context) throws {
        var form = NoteForm()
        form["kind"] = given.kind ?? ""
        form["area"] = given.area ?? ""
        form["at"] = given.occurredAt ?? ""
        form["participant"] = given.participant ?? ""
        form["consent"] = given.consent ?? ""
        form["tags"] = given.tags.joined(separator: ", ")
        form["measures"] = given.measures.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        form.body = given.body ?? ""
        let store = try context.openStore()
        let id = try Store.newRecordID()
        let heading = [
            "A new note. Write after each colon, and the body below the line near the end.",
            "Lines starting with '#' are ignored. Save and close the editor to record the note;",
            "leave the title empty, or save an empty file, to cancel.",
        ]
        let (changes, vocabulary) = try loop(Editor(storePath: context.storePath), form.render(heading: heading)) { saved in
            let edited = try NoteForm(parsing: saved, shown: form)
            guard !edited["title"].isEmpty else { throw CommandFailure(message: "the note has no title; nothing was written") }
            var input = try edited.newNote()
            let vocabulary = try NoteVocabulary(&input, arguments, store)
            return (vocabulary.changes + (try Note.changes(input, for: id, creating: true, nowSeconds: Int64(Store.systemMillis() / 1000))), vocabulary)
        }
        try store.commit(changes)
        context.out(id.hex)
        vocabulary.warn(note: id, context)
    }

    /// `edit ID` in the editor: the note as it reads now; only what the
    /// person changes is written, so edits that arrive meanwhile are kept.
    static func edit(_ given: String, _ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let id = try store.resolve(given, type: Note.type)
        guard let record = try store.record(id), !record.erased else {
            throw CommandFailure(message: "note \(id.short) was erased and cannot be edited")
        }
        let base = try store.textSnapshot(id)
        let shown = NoteForm(record, body: base?.text ?? "")
        var heading = [
            "Note \(id.short). Change what you want and save; only what you change is written.",
            "Lines starting with '#' are ignored. Save it unchanged, or empty, to change nothing.",
        ]
        for conflict in record.conflicts {
            heading.append("\(conflict.name) has \(conflict.heads.count) values from different devices; the one shown wins for now; changing it resolves that.")
        }
        let result = try loop(Editor(storePath: context.storePath), shown.render(heading: heading)) { saved -> ([Change], NoteVocabulary)? in
            let edited = try NoteForm(parsing: saved, shown: shown)
            guard !edited["title"].isEmpty else { throw CommandFailure(message: "the title was left empty; nothing was written") }
            var input = try edited.changes(from: shown, base: base)
            guard !input.isEmpty else { return nil }
            let vocabulary = try NoteVocabulary(&input, arguments, store)
            return (vocabulary.changes + (try Note.changes(input, for: id, creating: false, nowSeconds: Int64(Store.systemMillis() / 1000))), vocabulary)
        }
        guard let (changes, vocabulary) = result else {
            context.info("fieldnotes: nothing changed in note \(id.short)")
            return
        }
        try store.commit(changes)
        context.out(id.hex)
        vocabulary.warn(note: id, context)
    }
}
