import CRDT
import Store

/// The codebook as a tree: each theme under its `parent`. A parent that is
/// missing (deleted, erased, not yet synced) makes a theme a root. Concurrent
/// edits can close a loop of parents; the theme with the smallest id in the
/// loop then stands as a root, so every replica draws the same tree.
struct ThemeTree {
    let themes: [RecordID: VisibleRecord]
    /// Top-level themes, by name then id.
    let roots: [RecordID]
    /// Each theme's children, by name then id.
    let children: [RecordID: [RecordID]]

    init(_ records: [VisibleRecord]) {
        var themes: [RecordID: VisibleRecord] = [:]
        for record in records { themes[record.id] = record }
        self.themes = themes
        func parent(_ id: RecordID) -> RecordID? {
            guard let text = themes[id]?.value("parent")?.text, let parent = RecordID(hex: text), themes[parent] != nil else { return nil }
            return parent
        }
        // A theme is a root when its parent chain ends, or when it is the least id of the loop its chain runs into.
        var rootOf: [RecordID: Bool] = [:]
        for id in themes.keys {
            var seen: [RecordID] = [id]
            var current = id
            var isRoot = false
            while let next = parent(current) {
                if let loopStart = seen.firstIndex(of: next) {
                    isRoot = seen[loopStart...].min() == id
                    break
                }
                seen.append(next)
                current = next
            }
            if parent(id) == nil { isRoot = true }
            rootOf[id] = isRoot
        }
        let order: (RecordID, RecordID) -> Bool = { a, b in
            let (na, nb) = (ThemeTree.name(themes[a]), ThemeTree.name(themes[b]))
            return na.lowercased() != nb.lowercased() ? na.lowercased() < nb.lowercased() : a < b
        }
        var children: [RecordID: [RecordID]] = [:]
        for id in themes.keys where rootOf[id] != true {
            if let parent = parent(id) { children[parent, default: []].append(id) }
        }
        self.children = children.mapValues { $0.sorted(by: order) }
        self.roots = themes.keys.filter { rootOf[$0] == true }.sorted(by: order)
    }

    static func name(_ record: VisibleRecord?) -> String { record?.value("name")?.text ?? "" }

    func name(_ id: RecordID) -> String { ThemeTree.name(themes[id]) }

    /// Every theme, parents before children, each with its depth (0 for roots).
    var ordered: [(id: RecordID, depth: Int)] {
        var out: [(id: RecordID, depth: Int)] = []
        func visit(_ id: RecordID, _ depth: Int) {
            out.append((id, depth))
            for child in children[id] ?? [] { visit(child, depth + 1) }
        }
        for root in roots { visit(root, 0) }
        return out
    }

    /// The theme and every theme below it.
    func subtree(_ id: RecordID) -> [RecordID] {
        var out: [RecordID] = [id]
        var index = 0
        while index < out.count {
            out += children[out[index]] ?? []
            index += 1
        }
        return out
    }

    /// Themes whose name is `name`, ignoring case and surrounding spaces.
    func named(_ name: String) -> [RecordID] {
        let wanted = name.trimmingSpaces.lowercased()
        return themes.keys.filter { self.name($0).trimmingSpaces.lowercased() == wanted }.sorted()
    }

    /// The lower-cased names that count as coding a theme: its own and every descendant's.
    func codingNames(_ id: RecordID) -> Set<String> {
        Set(subtree(id).map { name($0).trimmingSpaces.lowercased() }.filter { !$0.isEmpty })
    }

    /// The path of the theme's parent, or nil for a root.
    func parentPath(_ id: RecordID) -> String? {
        guard !roots.contains(id), let parent = themes[id]?.value("parent")?.text.flatMap(RecordID.init(hex:)), themes[parent] != nil else { return nil }
        return path(parent)
    }

    /// "Parent › Child", for display.
    func path(_ id: RecordID) -> String {
        var names: [String] = []
        var current: RecordID? = id
        var seen: Set<RecordID> = []
        while let here = current, !seen.contains(here) {
            seen.insert(here)
            names.insert(name(here), at: 0)
            current = roots.contains(here) ? nil : themes[here]?.value("parent")?.text.flatMap(RecordID.init(hex:))
        }
        return names.joined(separator: " › ")
    }
}
