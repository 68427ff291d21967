import CRDT
import Store

/// Memos: what analysts write about a note, a coded passage, a theme or a
/// case, and the one place their rules live.
///
/// - A memo names its target by record id; a person names it by a theme's
///   name or alias, or by the id (or a unique prefix of 6+ hex digits) of a
///   note, passage, theme or case. A memo cannot be added to a deleted or
///   erased record.
/// - A memo about a note, or about a passage of a note, whose consent is
///   declined or withdrawn (`Note.withholdsText`) is withheld with the note's
///   text: listed and exported without its body.
/// - Erasing a note erases the memos on it and on its passages
///   (`Governance.erasures`). A memo whose target has been erased (or one
///   written elsewhere before the erase arrived) is never shown.
public enum Memos {
    /// The record types a memo may be about.
    public static let targetTypes = [Note.type, Passage.type, Theme.type, Case.type]

    /// What a memo is about.
    public struct Target: Sendable, Equatable {
        public let id: RecordID
        public let type: String

        public init(id: RecordID, type: String) {
            self.id = id
            self.type = type
        }
    }

    /// The record a person means by `text`: a theme's name or alias, else
    /// the id or unique prefix of a note, passage, theme or case.
    public static func target(_ text: String, in store: Store) throws -> Target {
        let book = try Codebook.load(store)
        let named = book.named(text)
        if named.count == 1 { return Target(id: named[0], type: Theme.type) }
        if named.count > 1 { _ = try book.resolve(text) }  // Throws, naming each theme that answers.
        let prefix = text.trimmingSpaces.lowercased()
        guard prefix.count >= 6, prefix.count <= 32, prefix.allSatisfy(\.isHexDigit) else {
            throw StoreError.invalid("no theme is named '\(text)', and it is not a record id",
                                     "give a theme's name, or the id (6+ hex digits) of a note, passage, theme or case")
        }
        var found: [Target] = []
        for type in targetTypes {
            do {
                found.append(Target(id: try store.resolve(prefix, type: type), type: type))
            } catch let error as StoreError where error.isNotFound {
                continue
            }
        }
        guard let first = found.first else {
            throw StoreError.invalid("no note, passage, theme or case has an id starting \(prefix)",
                                     "'fieldnotes list', 'passage list', 'theme list' and 'case list' show ids")
        }
        guard found.count == 1 else {
            throw StoreError.invalid("\(prefix) starts the ids of \(found.map { "a \($0.type) (\($0.id.short))" }.joined(separator: " and "))",
                                     "give more of the id")
        }
        guard let record = try store.record(first.id), !record.erased else {
            throw StoreError.invalid("\(first.type) \(first.id.short) was erased", "a memo cannot be added to an erased record")
        }
        if record.isDeleted {
            throw StoreError.invalid("\(first.type) \(first.id.short) is deleted", "restore it first, or write the memo on something else")
        }
        return first
    }

    /// The changes that write a new memo `id` about `target`.
    public static func adding(_ body: String, about target: Target, author: String, now: String, id: RecordID) throws -> [Change] {
        guard !body.trimmingSpaces.isEmpty else {
            throw StoreError.invalid("the memo is empty", "give its text with --body TEXT, --body-file FILE, or on standard input")
        }
        let changes: [Change] = [
            .create(id, type: Memo.type),
            .assign(id, field: "target", value: .text(target.id.hex)),
            .assign(id, field: "author", value: .text(author)),
            .assign(id, field: "written_at", value: .text(now)),
            .editText(id, field: "body", text: body),
        ]
        try RecordSchema.check(changes) { _ in Memo.type }
        return changes
    }

    /// The changes that make memo `id`'s body read `body`, or add `append` at its end.
    /// Only the characters that change are recorded, so edits made elsewhere meanwhile are kept.
    public static func editing(_ id: RecordID, body: String?, append: String?) throws -> [Change] {
        var changes: [Change] = []
        if let body {
            guard !body.trimmingSpaces.isEmpty else {
                throw StoreError.invalid("the memo would be empty", "delete it with 'fieldnotes memo delete', or give some text")
            }
            changes.append(.editText(id, field: "body", text: body))
        }
        if let append { changes.append(.appendText(id, field: "body", text: append)) }
        try RecordSchema.check(changes) { _ in Memo.type }
        return changes
    }

    /// A memo as it stands.
    public struct Resolved: Sendable {
        public let record: VisibleRecord
        public let target: Target
        /// The note it is about, itself or through a passage (nil for a theme or a case).
        public let note: RecordID?
        public let author: String
        public let writtenAt: String
        /// Its text; empty when withheld.
        public let body: String
        /// Withheld with its note's text, for consent.
        public let withheld: Bool
        /// Its target is deleted (it is listed, and left out of exports with it).
        public let targetDeleted: Bool

        public var id: RecordID { record.id }
    }

    /// Every live memo whose target this store holds and has not erased,
    /// oldest first (by `written_at`, then id); with `target`, only those about it.
    public static func all(_ store: Store, about target: RecordID? = nil) throws -> [Resolved] {
        var filter = RecordFilter(type: Memo.type)
        if let target { filter.fields["target"] = .text(target.hex) }
        var records: [RecordID: VisibleRecord?] = [:]
        func record(_ id: RecordID) throws -> VisibleRecord? {
            if let known = records[id] { return known }
            let found = try store.record(id)
            records[id] = found
            return found
        }
        var out: [Resolved] = []
        for memo in try store.list(filter) {
            guard let id = memo.value("target")?.text.flatMap(RecordID.init(hex:)),
                  let target = try record(id), !target.erased, targetTypes.contains(target.type) else { continue }
            var note: VisibleRecord?
            var deleted = target.isDeleted
            if target.type == Note.type {
                note = target
            } else if target.type == Passage.type {
                // A passage's memo goes with its note: withheld, erased and deleted with it.
                guard let noteID = target.value("note")?.text.flatMap(RecordID.init(hex:)),
                      let passageNote = try record(noteID), !passageNote.erased else { continue }
                note = passageNote
                deleted = deleted || passageNote.isDeleted
            }
            let withheld = note.map(Note.withholdsText) ?? false
            out.append(Resolved(record: memo, target: Target(id: id, type: target.type), note: note?.id,
                                author: memo.value("author")?.text ?? "", writtenAt: memo.value("written_at")?.text ?? "",
                                body: withheld ? "" : memo.value("body")?.text ?? "", withheld: withheld, targetDeleted: deleted))
        }
        return out.sorted { ($0.writtenAt, $0.id) < ($1.writtenAt, $1.id) }
    }
}
