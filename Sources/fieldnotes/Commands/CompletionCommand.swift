import Analysis
import CRDT
import Store

struct CompletionCommand: Command {
    static let spec = CommandSpec(
        name: "completion", abstract: "Print a shell completion script: commands, options, note ids, themes and areas",
        arguments: [("SHELL", "bash, zsh or fish", true)],
        discussion: """
            Try it in this shell:  source <(fieldnotes completion bash)     (zsh: the same with zsh;
            fish: fieldnotes completion fish | source). To keep it, save it where your shell looks:
            bash: ~/.local/share/bash-completion/completions/fieldnotes; zsh: a file _fieldnotes in a
            directory on $fpath; fish: ~/.config/fish/completions/fieldnotes.fish. The Debian package
            installs all three. Note ids, theme names and areas come from the store the line names
            with --store, else $FIELDNOTES_STORE, else the default store.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let word = arguments.positional(0) ?? ""
        guard let shell = CompletionShell(rawValue: word.lowercased()) else {
            throw UsageError(message: "no completion for '\(word)'; give bash, zsh or fish", command: spec.name)
        }
        context.out(withoutFinalNewline(CompletionScripts.script(for: shell)))
    }
}

/// `fieldnotes [--store PATH] __complete notes|themes|areas`: the values the
/// completion scripts offer, one a line, for scripts only (hidden from
/// `--help`). Prints nothing, and exits 0, when the store cannot be read:
/// a completion must never print an error into the line being typed.
struct CompleteValuesCommand: Command {
    static let spec = CommandSpec(
        name: "__complete", abstract: "Values for shell completion (for the completion scripts)",
        arguments: [("KIND", DynamicValues.allCases.map(\.rawValue).joined(separator: ", "), true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let kind = DynamicValues(rawValue: arguments.positional(0) ?? "") else { return }
        for line in (try? values(kind, context)) ?? [] { context.out(line) }
    }

    /// Notes as `ID<TAB>TITLE`, newest last; themes in codebook order;
    /// known areas (the wards even with no store), then other areas notes use.
    static func values(_ kind: DynamicValues, _ context: Context) throws -> [String] {
        let store: Store
        do {
            store = try Store.open(at: context.storePath)
        } catch {
            return kind == .areas ? Areas([]).known.map(\.name) : []
        }
        switch kind {
        case .notes:
            return try store.list(RecordFilter(type: Note.type)).map { note in
                note.id.hex + "\t" + TerminalText.escaped(note.value("title")?.text ?? "").clipped(60)
            }
        case .themes:
            let book = try Codebook.load(store)
            return book.ordered.map { TerminalText.escaped(book.name($0.id)) }
        case .areas:
            let areas = try Areas.load(store)
            let tally = areas.tally(try store.list(RecordFilter(type: Note.type)))
            return (areas.known.map(\.name) + tally.other.map(\.area)).map { TerminalText.escaped($0) }
        }
    }
}

struct ManCommand: Command {
    static let spec = CommandSpec(
        name: "man", abstract: "Print the manual page fieldnotes(1), as roff",
        discussion: "Read it with: fieldnotes man | man -l -   (the Debian package installs it: man fieldnotes).")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        context.out(withoutFinalNewline(ManPage.render()))
    }
}

/// `context.out` ends what it prints with a newline of its own.
private func withoutFinalNewline(_ text: String) -> String {
    text.hasSuffix("\n") ? String(text.dropLast()) : text
}
