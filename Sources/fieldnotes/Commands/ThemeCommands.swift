import CRDT
import Store

/// Finding themes by name or id, and keeping the hierarchy free of cycles.
enum Themes {
    static func all(_ store: Store) throws -> [VisibleRecord] {
        try store.list(RecordFilter(type: Theme.type))
    }

    /// A theme named `text` (ignoring case), else one whose id starts with it.
    static func resolve(_ text: String, in store: Store) throws -> VisibleRecord {
        let themes = try all(store)
        let named = themes.filter { ($0.value("name")?.text ?? "").lowercased() == text.trimmingSpaces.lowercased() }
        if named.count == 1 { return named[0] }
        if named.count > 1 {
            throw CommandFailure(message: "\(named.count) themes are named '\(text)' (\(named.map(\.id.short).joined(separator: ", "))); name one by its id")
        }
        if text.count >= 6, text.allSatisfy(\.isHexDigit), let id = try? store.resolve(text, type: Theme.type), let record = try store.record(id),
           !record.isDeleted {
            return record
        }
        throw CommandFailure(message: "no theme named '\(text)'; 'fieldnotes theme list' shows the codebook, 'fieldnotes theme add' adds one")
    }

    /// The parent's id of a theme, if it names a theme.
    static func parent(of theme: VisibleRecord) -> RecordID? {
        theme.value("parent")?.text.flatMap(RecordID.init(hex:))
    }

    /// Refuses a parent that is the theme itself or one of its descendants.
    static func checkNoCycle(theme: RecordID, parent: VisibleRecord, themes: [VisibleRecord]) throws {
        let byID = Dictionary(themes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var cursor: RecordID? = parent.id
        var seen: Set<RecordID> = []
        while let current = cursor, seen.insert(current).inserted {
            if current == theme {
                throw CommandFailure(message: "'\(parent.value("name")?.text ?? parent.id.short)' is under this theme already: a theme cannot be its own ancestor")
            }
            cursor = byID[current].flatMap(parent(of:))
        }
    }

    /// Themes in tree order with their depth. A parent that is missing, or a
    /// cycle made by concurrent edits, puts a theme at the top level.
    static func tree(_ themes: [VisibleRecord]) -> [(theme: VisibleRecord, depth: Int)] {
        let ids = Set(themes.map(\.id))
        func effectiveParent(_ theme: VisibleRecord) -> RecordID? {
            guard let parent = parent(of: theme), ids.contains(parent) else { return nil }
            var cursor: RecordID? = parent
            var seen: Set<RecordID> = [theme.id]
            let byID = Dictionary(themes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            while let current = cursor {
                guard seen.insert(current).inserted else { return nil }
                cursor = byID[current].flatMap(Themes.parent(of:)).flatMap { ids.contains($0) ? $0 : nil }
            }
            return parent
        }
        var children: [RecordID?: [VisibleRecord]] = [:]
        for theme in themes { children[effectiveParent(theme), default: []].append(theme) }
        var out: [(VisibleRecord, Int)] = []
        func visit(_ parent: RecordID?, _ depth: Int) {
            let sorted = (children[parent] ?? []).sorted { ($0.value("name")?.text ?? "").lowercased() < ($1.value("name")?.text ?? "").lowercased() }
            for theme in sorted {
                out.append((theme, depth))
                visit(theme.id, depth + 1)
            }
        }
        visit(nil, 0)
        return out
    }

    static func json(_ theme: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        RecordJSON.record(theme, fields: Theme.fields, sets: [], names: names)
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
            try Themes.checkNoCycle(theme: id, parent: parent, themes: try Themes.all(store))
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
        }
        guard !changes.isEmpty else { throw UsageError(message: "nothing to change", command: spec.name) }
        try store.commit(changes)
        context.out(theme.id.hex)
    }
}

struct ThemeListCommand: Command {
    static let spec = CommandSpec(name: "theme list", abstract: "The codebook, as a tree, with how many notes each theme codes",
                                  options: [formatOption])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let tree = Themes.tree(try Themes.all(store))
        if json {
            let names = try store.replicaNames()
            context.out(JSON.array(tree.map { Themes.json($0.theme, names: names) }).pretty())
            return
        }
        var table = Table("THEME", "ID", "NOTES", "COLOR", "DESCRIPTION")
        for (theme, depth) in tree {
            let name = theme.value("name")?.text ?? "?"
            var filter = RecordFilter(type: Note.type)
            filter.elements[Note.tagSet] = .text(name)
            let coded = try store.list(filter).count
            table.add(String(repeating: "  ", count: depth) + name, theme.id.short, String(coded),
                      theme.value("color")?.text ?? "-", (theme.value("description")?.text ?? "").clipped(50))
        }
        context.out(table.render())
        if tree.isEmpty { context.err("fieldnotes: the codebook is empty; add a theme with 'fieldnotes theme add NAME'") }
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
