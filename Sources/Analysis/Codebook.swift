import CRDT
import Store

/// The codebook, and the one place its rules live: which themes exist, how
/// they nest, which names and aliases stand for them, and which notes each
/// codes. The CLI, every export, the report and the demo ask this, so they
/// cannot disagree.
///
/// - A theme's parent that is missing (deleted, erased, not yet synced)
///   makes it a root. Concurrent edits can close a loop of parents; the
///   theme with the smallest id in the loop then stands as a root, so every
///   replica draws the same tree.
/// - A theme answers to its name and to its aliases (old names, kept when it
///   is renamed or another theme is merged into it), ignoring case and
///   surrounding spaces.
/// - A note is coded **directly** with a theme when one of its tags is the
///   theme's name or alias, or a passage of it is coded with the theme. It is
///   coded with a theme **including sub-themes** when it is coded directly
///   with the theme or any theme below it.
public struct Codebook: Sendable {
    /// Live themes by id.
    public let themes: [RecordID: VisibleRecord]
    /// Top-level themes, by name then id.
    public let roots: [RecordID]
    /// Each theme's children, by name then id.
    public let children: [RecordID: [RecordID]]
    /// Lower-cased names and aliases → themes.
    private let byName: [String: [RecordID]]
    private let parents: [RecordID: RecordID]

    /// The set of a theme's earlier names, which tags may still use.
    public static let aliasSet = "aliases"

    public init(_ records: [VisibleRecord]) {
        var themes: [RecordID: VisibleRecord] = [:]
        for record in records where record.type == Theme.type && !record.erased && !record.isDeleted { themes[record.id] = record }
        self.themes = themes
        func declaredParent(_ id: RecordID) -> RecordID? {
            guard let text = themes[id]?.value("parent")?.text, let parent = RecordID(hex: text), themes[parent] != nil else { return nil }
            return parent
        }
        // A theme is a root when its parent chain ends, or when it is the least id of the loop its chain runs into.
        var parents: [RecordID: RecordID] = [:]
        for id in themes.keys {
            guard let first = declaredParent(id) else { continue }
            var seen: [RecordID] = [id]
            var current = id
            var isRoot = false
            while let next = declaredParent(current) {
                if let loopStart = seen.firstIndex(of: next) {
                    isRoot = seen[loopStart...].min() == id
                    break
                }
                seen.append(next)
                current = next
            }
            if !isRoot { parents[id] = first }
        }
        self.parents = parents
        let order: (RecordID, RecordID) -> Bool = { a, b in
            let (na, nb) = (Codebook.name(themes[a]).lowercased(), Codebook.name(themes[b]).lowercased())
            return na != nb ? na < nb : a < b
        }
        var children: [RecordID: [RecordID]] = [:]
        for (child, parent) in parents { children[parent, default: []].append(child) }
        self.children = children.mapValues { $0.sorted(by: order) }
        self.roots = themes.keys.filter { parents[$0] == nil }.sorted(by: order)
        var byName: [String: [RecordID]] = [:]
        for (id, theme) in themes {
            let names = [Codebook.name(theme)] + theme.elements(Codebook.aliasSet).compactMap(\.text)
            for name in Set(names.map(Codebook.key)) where !name.isEmpty { byName[name, default: []].append(id) }
        }
        self.byName = byName.mapValues { $0.sorted() }
    }

    /// The store's codebook.
    public static func load(_ store: Store) throws -> Codebook {
        Codebook(try store.list(RecordFilter(type: Theme.type)))
    }

    /// How names compare: trimmed, lower-cased.
    public static func key(_ name: String) -> String { name.trimmingSpaces.lowercased() }

    static func name(_ record: VisibleRecord?) -> String { record?.value("name")?.text ?? "" }

    public func name(_ id: RecordID) -> String { Codebook.name(themes[id]) }

    /// The theme's aliases, sorted.
    public func aliases(_ id: RecordID) -> [String] {
        (themes[id]?.elements(Codebook.aliasSet) ?? []).compactMap(\.text).filter { Codebook.key($0) != Codebook.key(name(id)) }.sorted()
    }

    /// The parent the tree shows (nil for a root, including the root of a loop).
    public func parent(_ id: RecordID) -> RecordID? { parents[id] }

    /// Every theme, parents before children, each with its depth (0 for roots).
    public var ordered: [(id: RecordID, depth: Int)] {
        var out: [(id: RecordID, depth: Int)] = []
        func visit(_ id: RecordID, _ depth: Int) {
            out.append((id, depth))
            for child in children[id] ?? [] { visit(child, depth + 1) }
        }
        for root in roots { visit(root, 0) }
        return out
    }

    /// The theme and every theme below it.
    public func subtree(_ id: RecordID) -> [RecordID] {
        var out: [RecordID] = [id]
        var index = 0
        while index < out.count {
            out += children[out[index]] ?? []
            index += 1
        }
        return out
    }

    /// The theme's ancestors, nearest first.
    public func ancestors(_ id: RecordID) -> [RecordID] {
        var out: [RecordID] = []
        var current = id
        while let parent = parents[current], !out.contains(parent) {
            out.append(parent)
            current = parent
        }
        return out
    }

    /// Themes answering to `name` (a name or an alias, ignoring case).
    public func named(_ name: String) -> [RecordID] { byName[Codebook.key(name)] ?? [] }

    /// The theme a person means by `text`: its name or alias, else an id or
    /// a unique id prefix of 6 or more hex digits.
    public func resolve(_ text: String) throws -> RecordID {
        let named = self.named(text)
        if named.count == 1 { return named[0] }
        if named.count > 1 {
            throw StoreError.invalid("\(named.count) themes answer to '\(text)' (\(named.map { "\(name($0)) \($0.short)" }.joined(separator: ", ")))",
                                     "name one by its id")
        }
        let prefix = text.trimmingSpaces.lowercased()
        if prefix.count >= 6, prefix.allSatisfy(\.isHexDigit) {
            let matches = themes.keys.filter { $0.hex.hasPrefix(prefix) }
            if matches.count == 1 { return matches[0] }
        }
        throw StoreError.invalid("no theme named '\(text)'", "'fieldnotes theme list' shows the codebook, 'fieldnotes theme add' adds one")
    }

    /// Whether making `parent` the parent of `theme` would make a theme its own ancestor.
    public func wouldCycle(theme: RecordID, parent: RecordID) -> Bool {
        parent == theme || ancestors(parent).contains(theme)
    }

    /// The themes a note's tags code directly.
    public func themes(tagging note: VisibleRecord) -> Set<RecordID> {
        var named: [String: [RecordID]] = [:]
        return themes(tagging: note, named: &named)
    }

    /// `themes(tagging:)` for many notes: `named` remembers the themes each
    /// tag's text names (a few tags repeat on every note), so each is looked up once.
    public func themes(tagging note: VisibleRecord, named: inout [String: [RecordID]]) -> Set<RecordID> {
        var out: Set<RecordID> = []
        for tag in note.elements(Note.tagSet) {
            guard let text = tag.text else { continue }
            if let found = named[text] {
                out.formUnion(found)
            } else {
                let found = self.named(text)
                named[text] = found
                out.formUnion(found)
            }
        }
        return out
    }

    /// The theme and its ancestors: what coding a note with `id` codes it with, including sub-themes.
    public func withAncestors(_ ids: Set<RecordID>) -> Set<RecordID> {
        ids.reduce(into: Set<RecordID>()) { $0.insert($1); $0.formUnion(ancestors($1)) }
    }

    /// "Parent › Child", for display.
    public func path(_ id: RecordID) -> String {
        ([id] + ancestors(id)).reversed().map(name).joined(separator: " › ")
    }

    /// The path of the theme's parent, or nil for a root.
    public func parentPath(_ id: RecordID) -> String? { parent(id).map(path) }
}
