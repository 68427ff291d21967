import Export
import Store

/// What a shell may offer for an option's value or a positional argument.
/// Derived from the same `CommandSpec` declarations `--help` prints, so the
/// completion scripts cannot drift from the parser.
enum CompletionValue: Equatable {
    /// Free text: nothing to offer.
    case text
    case files
    case directories
    /// A fixed list, written into the script.
    case choices([String])
    /// Looked up in the store when completing: `fieldnotes __complete notes|themes|areas`.
    case dynamic(DynamicValues)
}

/// The values `fieldnotes __complete` lists from a store.
enum DynamicValues: String, CaseIterable {
    /// Note ids, each with its title.
    case notes
    /// Theme names.
    case themes
    /// Known area names, then the areas notes use that are not known.
    case areas
}

/// One command as the completion scripts see it.
struct CompletionEntry {
    let words: [String]
    let abstract: String
    let options: [(option: OptionSpec, value: CompletionValue?)]
    let arguments: [CompletionValue]

    var name: String { words.joined(separator: " ") }
}

enum CompletionModel {
    /// Every command `--help` lists, in its order.
    static var entries: [CompletionEntry] {
        visibleSpecs.map { spec in
            CompletionEntry(
                words: spec.name.split(separator: " ").map(String.init), abstract: spec.abstract,
                options: spec.options.map { ($0, $0.value == nil ? nil : value(of: $0)) },
                arguments: spec.arguments.map { value(ofArgument: $0.0, help: $0.1, command: spec.name) })
        }
    }

    /// The declarations of the commands people see (`__complete` is not one).
    static var visibleSpecs: [CommandSpec] { commands.map { $0.spec }.filter { !$0.isHidden } }

    /// The first words of every command, each once, in `--help` order:
    /// `add`, ..., `hub` (for `hub serve`, `hub enroll`, ...).
    static var firstWords: [String] {
        var seen: Set<String> = []
        return entries.compactMap { seen.insert($0.words[0]).inserted ? $0.words[0] : nil }
    }

    /// What an option's value may be, from its name and placeholder.
    static func value(of option: OptionSpec) -> CompletionValue {
        let placeholder = option.value ?? ""
        var name = option.name
        for prefix in ["add-", "remove-"] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        if placeholder.contains("|") { return .choices(placeholder.split(separator: "|").map(String.init)) }
        switch placeholder {
        case "FILE", "PATH": return .files
        case "DIR": return .directories
        case "THEME": return .dynamic(.themes)
        case "AREA": return .dynamic(.areas)
        case "KIND": return .choices(Note.kinds)
        case "CONSENT": return .choices(Note.consents)
        default: break
        }
        switch name {
        case "theme", "parent": return .dynamic(.themes)
        case "note", "evidence": return .dynamic(.notes)
        default: return .text
        }
    }

    /// What a positional argument may be. Arguments named alike mean the
    /// same thing everywhere, except an `ID`, which is a note's only when its
    /// help says so (an insight's or a memo's id is not listed).
    static func value(ofArgument placeholder: String, help: String, command: String) -> CompletionValue {
        switch (command, placeholder) {
        case ("export", "FORMAT"): return .choices(ExportFormat.allCases.map(\.rawValue))
        case ("completion", "SHELL"): return .choices(CompletionShell.allCases.map(\.rawValue))
        case ("theme merge", "INTO"): return .choices(["INTO"])
        case ("theme merge", "TARGET"): return .dynamic(.themes)
        case ("area map", "FROM"), ("area map", "TO"): return .dynamic(.areas)
        case (_, "THEME"): return .dynamic(.themes)
        case (_, "NOTE"): return .dynamic(.notes)
        case (_, "ID") where help.hasPrefix("the note's"): return .dynamic(.notes)
        case (_, "FILE"): return .files
        default: return .text
        }
    }
}

/// The shells `fieldnotes completion` writes a script for.
enum CompletionShell: String, CaseIterable {
    case bash, zsh, fish
}

extension CommandSpec {
    /// A command for scripts, not people: `--help`, the man page and the
    /// completion scripts leave it out. Its name starts with `__`.
    var isHidden: Bool { name.hasPrefix("__") }
}
