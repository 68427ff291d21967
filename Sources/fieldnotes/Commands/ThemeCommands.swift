import Analysis
import CRDT
import Formats
import Store

/// The codebook as commands see it: every rule is `Codebook`'s.
enum Themes {
    static func all(_ store: Store) throws -> [VisibleRecord] {
        try store.list(RecordFilter(type: Theme.type))
    }

    /// A theme by name, alias, or id prefix.
    static func resolve(_ text: String, in store: Store) throws -> VisibleRecord {
        let book = try Codebook.load(store)
        guard let theme = book.themes[try book.resolve(text)] else { throw CommandFailure(message: "no theme named '\(text)'") }
        return theme
    }

    /// Refuses a parent that is the theme itself or one of its descendants.
    static func checkNoCycle(theme: RecordID, parent: VisibleRecord, store: Store) throws {
        if try Codebook.load(store).wouldCycle(theme: theme, parent: parent.id) {
            throw CommandFailure(message: "'\(parent.value("name")?.text ?? parent.id.short)' is under this theme already: a theme cannot be its own ancestor")
        }
    }

    static func json(_ theme: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        RecordJSON.record(theme, fields: Theme.fields, sets: [Codebook.aliasSet], names: names)
    }
}

struct ThemeAddCommand: Command {
    static let spec = CommandSpec(
        name: "theme add", abstract: "Add a theme to the codebook; prints its id",
        arguments: [("NAME", "the theme's name; notes tagged with it are coded with it", true)],
        options: [
            .option("parent", "THEME", "the broader theme it sits under (name or id)"),
            .option("description", "TEXT", "what the theme covers"),
            .option("color", "#RRGGBB", "its colour in tools that show one"),
        ])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let name = (arguments.positional(0) ?? "").trimmingSpaces
        guard !name.isEmpty else { throw UsageError(message: "the theme name is empty", command: spec.name) }
        let store = try context.openStore()
        if (try? Themes.resolve(name, in: store)) != nil {
            throw CommandFailure(message: "a theme named '\(name)' exists already; edit it with 'fieldnotes theme edit'")
        }
        let id = try Store.newRecordID()
        var changes: [Change] = [.create(id, type: Theme.type), .assign(id, field: "name", value: .text(name))]
        changes += try ThemeEditCommand.fieldChanges(arguments, id: id, store: store)
        try store.commit(changes)
        context.out(id.hex)
    }
}

struct ThemeEditCommand: Command {
    static let spec = CommandSpec(
        name: "theme edit", abstract: "Rename a theme, move it, or change its description or colour",
        arguments: [("THEME", "the theme's name or id", true)],
        options: [
            .option("name", "NAME", "a new name"),
            .option("parent", "THEME", "a new broader theme (name or id)"),
            .flag("no-parent", "move it to the top level"),
            .option("description", "TEXT", "what the theme covers"),
            .option("color", "#RRGGBB", "its colour"),
        ])

    static func fieldChanges(_ arguments: ParsedArguments, id: RecordID, store: Store) throws -> [Change] {
        var changes: [Change] = []
        if let description = arguments.value("description") { changes.append(.assign(id, field: "description", value: .text(description))) }
        if let color = arguments.value("color") {
            guard Theme.isColor(color) else { throw UsageError(message: "--color takes #RRGGBB, as in #1f77b4, not '\(color)'", command: arguments.spec.name) }
            changes.append(.assign(id, field: "color", value: .text(color.lowercased())))
        }
        if let parentName = arguments.value("parent") {
            let parent = try Themes.resolve(parentName, in: store)
            try Themes.checkNoCycle(theme: id, parent: parent, store: store)
            changes.append(.assign(id, field: "parent", value: .text(parent.id.hex)))
        }
        return changes
    }

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let theme = try Themes.resolve(arguments.positional(0) ?? "", in: store)
        var changes = try fieldChanges(arguments, id: theme.id, store: store)
        if arguments.flag("no-parent") {
            guard arguments.value("parent") == nil else { throw UsageError(message: "give --parent or --no-parent, not both", command: spec.name) }
            changes.append(.assign(theme.id, field: "parent", value: .null))
        }
        if let name = arguments.value("name")?.trimmingSpaces {
            guard !name.isEmpty else { throw UsageError(message: "the theme name is empty", command: spec.name) }
            if let other = try? Themes.resolve(name, in: store), other.id != theme.id {
                throw CommandFailure(message: "a theme named '\(name)' exists already")
            }
            changes.append(.assign(theme.id, field: "name", value: .text(name)))
            // The old name stays an alias, so notes tagged with it stay coded.
            if let old = theme.value("name")?.text, Codebook.key(old) != Codebook.key(name), !old.trimmingSpaces.isEmpty {
                changes.append(.add(theme.id, set: Codebook.aliasSet, element: .text(old.trimmingSpaces)))
            }
        }
        guard !changes.isEmpty else { throw UsageError(message: "nothing to change", command: spec.name) }
        try store.commit(changes)
        context.out(theme.id.hex)
    }
}

struct ThemeListCommand: Command {
    static let spec = CommandSpec(name: "theme list", abstract: "The codebook, as a tree, with how many notes each theme codes",
                                  options: [formatOption],
                                  discussion: "NOTES counts the notes coded with the theme or a theme below it, as 'export --theme' selects them:\n"
                                      + "a note is coded by a tag that is the theme's name or one of its aliases (old names), ignoring case,\n"
                                      + "or by a coded passage of it whose words remain. Every note of the store counts, deleted ones aside;\n"
                                      + "an export leaves out notes whose participant withdrew consent.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let codings = try Codings.load(store, notes: try store.list(RecordFilter(type: Note.type)))
        let book = codings.book
        let counts = codings.noteCounts
        if json {
            let names = try store.replicaNames()
            context.out(JSON.array(book.ordered.compactMap { entry -> JSON? in
                guard let theme = book.themes[entry.id], case .object(var members) = Themes.json(theme, names: names) else { return nil }
                members.append(("depth", .number(Double(entry.depth))))
                members.append(("shown_parent", book.parent(entry.id).map { .string($0.hex) } ?? .null))
                members.append(("notes", .number(Double(counts[entry.id] ?? 0))))
                return .object(members)
            }).pretty())
            return
        }
        var table = Table("THEME", "ID", "NOTES", "COLOR", "ALIASES", "DESCRIPTION")
        for (id, depth) in book.ordered {
            guard let theme = book.themes[id] else { continue }
            table.add(String(repeating: "  ", count: depth) + TerminalText.escaped(book.name(id)), id.short, String(counts[id] ?? 0),
                      theme.value("color")?.text ?? "-", TerminalText.escaped(book.aliases(id).joined(separator: ", ").clipped(30)),
                      TerminalText.escaped((theme.value("description")?.text ?? "").clipped(50)))
        }
        context.out(table.render())
        if book.ordered.isEmpty { context.info("fieldnotes: the codebook is empty; add a theme with 'fieldnotes theme add NAME'") }
    }
}

struct ThemeMergeCommand: Command {
    static let spec = CommandSpec(
        name: "theme merge", abstract: "Merge a theme into another: its codings, sub-themes and names move over",
        arguments: [("THEME", "the theme to merge away (name or id)", true), ("INTO", "the word INTO", true),
                    ("TARGET", "the theme that remains (name or id)", true)],
        discussion: "The merged theme's name and aliases become aliases of TARGET, so notes tagged with them are coded\n"
            + "with TARGET; its sub-themes, passages and insights move to TARGET; then it is deleted.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard arguments.positional(1)?.uppercased() == "INTO" else {
            throw UsageError(message: "write it as 'theme merge THEME INTO TARGET'", command: spec.name)
        }
        let store = try context.openStore()
        let book = try Codebook.load(store)
        let source = try book.resolve(arguments.positional(0) ?? "")
        let target = try book.resolve(arguments.positional(2) ?? "")
        guard source != target else { throw CommandFailure(message: "a theme cannot be merged into itself") }
        guard !book.subtree(source).contains(target) else {
            throw CommandFailure(message: "'\(book.name(target))' is under '\(book.name(source))'; move it out first ('fieldnotes theme edit \(book.name(target)) --no-parent')")
        }
        var changes: [Change] = []
        for name in [book.name(source)] + book.aliases(source) where !name.trimmingSpaces.isEmpty {
            changes.append(.add(target, set: Codebook.aliasSet, element: .text(name.trimmingSpaces)))
        }
        for child in book.children[source] ?? [] { changes.append(.assign(child, field: "parent", value: .text(target.hex))) }
        changes += try ThemeReferences.moves(from: source, to: target, in: store)
        changes.append(.assign(source, field: "deleted", value: .bool(true)))
        try store.commit(changes)
        context.out(target.hex)
    }
}

/// The records that point at a theme by id: insights' theme sets and passages.
enum ThemeReferences {
    static func moves(from source: RecordID, to target: RecordID, in store: Store) throws -> [Change] {
        var changes: [Change] = []
        var insights = RecordFilter(type: Insight.type)
        insights.elements[Insight.themeSet] = .text(source.hex)
        insights.includeDeleted = true
        for insight in try store.list(insights) {
            changes.append(.remove(insight.id, set: Insight.themeSet, element: .text(source.hex)))
            changes.append(.add(insight.id, set: Insight.themeSet, element: .text(target.hex)))
        }
        var passages = RecordFilter(type: Passage.type)
        passages.fields["theme"] = .text(source.hex)
        passages.includeDeleted = true
        for passage in try store.list(passages) { changes.append(.assign(passage.id, field: "theme", value: .text(target.hex))) }
        return changes
    }
}

struct ThemeDeleteCommand: Command {
    static let spec = CommandSpec(name: "theme delete", abstract: "Remove a theme from the codebook (its sub-themes move up)",
                                  arguments: [("THEME", "the theme's name or id", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let theme = try Themes.resolve(arguments.positional(0) ?? "", in: store)
        try store.commit([.assign(theme.id, field: "deleted", value: .bool(true))])
        context.out(theme.id.hex)
    }
}
