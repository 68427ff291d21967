import Analysis
import CRDT
import Foundation
import Store
import TestSupport

/// A real store in a fresh temporary directory for rules that read one
/// (passages need a body's characters), removed when `body` returns or throws.
func withAnalysisStore<T>(name: String = "analyst", _ body: (Store, URL) throws -> T) throws -> T {
    let temporary = try TemporaryDirectory.make(prefix: "fieldnotes-analysis")
    defer { temporary.remove() }
    let directory = temporary.url
    let store = try Store.create(at: directory.appendingPathComponent("\(name).sqlite").path, name: name)
    return try body(store, directory)
}

extension Store {
    /// Adds a note; returns its id.
    @discardableResult
    func note(_ title: String, body: String = "", tags: [String] = [], area: String? = nil, consent: String? = nil,
              measures: [String: Double] = [:]) throws -> RecordID {
        let id = try Store.newRecordID()
        var changes: [Change] = [.create(id, type: Note.type), .assign(id, field: "title", value: .text(title))]
        if !body.isEmpty { changes.append(.editText(id, field: "body", text: body)) }
        if let area { changes.append(.assign(id, field: "area", value: .text(area))) }
        if let consent { changes.append(.assign(id, field: "consent", value: .text(consent))) }
        for (name, value) in measures { changes.append(.assign(id, field: Note.measurePrefix + name, value: .number(value))) }
        changes += tags.map { .add(id, set: Note.tagSet, element: .text($0)) }
        try commit(changes)
        return id
    }

    /// Adds a theme; returns its id.
    @discardableResult
    func theme(_ name: String, parent: RecordID? = nil, aliases: [String] = []) throws -> RecordID {
        let id = try Store.newRecordID()
        var changes: [Change] = [.create(id, type: Theme.type), .assign(id, field: "name", value: .text(name))]
        if let parent { changes.append(.assign(id, field: "parent", value: .text(parent.hex))) }
        changes += aliases.map { .add(id, set: "aliases", element: .text($0)) }
        try commit(changes)
        return id
    }

    /// Codes the words `quote` of `note` with `theme` as `coder`; returns the passage's id.
    @discardableResult
    func code(_ note: RecordID, _ quote: String, _ theme: RecordID, by coder: String) throws -> RecordID {
        let id = try Store.newRecordID()
        try commit(try Passages.code(.quote(quote), of: note, theme: theme, coder: coder, now: "2026-12-01T10:00:00Z", in: self, id: id))
        return id
    }

    /// Sends `peer` every operation it lacks: a sync without a hub.
    func send(to peer: Store) throws {
        for range in try versionVector().missing(from: peer.versionVector()) {
            _ = try peer.apply(try operations(range, limit: 100_000))
        }
    }
}
