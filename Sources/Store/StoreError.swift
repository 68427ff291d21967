import CRDT
import SQLite

/// A failure a person can act on: what is wrong, and what to do about it.
/// A struct over a private enum, so cases can grow without breaking callers.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable {
        case noStore, notAStore, newerSchema, exists, unwritable, invalid, notFound, ambiguous, sqlite, conflict, forked
    }

    private let kind: Kind
    /// What is wrong.
    public let message: String
    /// What to do about it.
    public let hint: String

    private init(_ kind: Kind, _ message: String, _ hint: String) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.isEmpty ? message : "\(message); \(hint)" }

    public var isNotFound: Bool { kind == .notFound }
    /// An operation arrived with different content under an id already held.
    public var isFork: Bool { kind == .forked }
    /// A refusal of what was asked (not a failure of the store itself).
    public var isRefusal: Bool { kind == .invalid }

    static func noStore(_ path: String) -> StoreError {
        .init(.noStore, "no fieldnotes store at \(path)", "create one with 'fieldnotes init --name NAME', or name another with --store PATH")
    }
    static func notAStore(_ path: String, _ why: String) -> StoreError {
        .init(.notAStore, "\(path) is not a fieldnotes store (\(why))", "check the --store path or FIELDNOTES_STORE")
    }
    static func newerSchema(_ path: String, found: Int64, known: Int64) -> StoreError {
        .init(.newerSchema, "\(path) was written by a newer fieldnotes (schema \(found); this one knows up to \(known))",
              "upgrade fieldnotes; the store was left as it is")
    }
    static func exists(_ path: String, hint: String = "it was left untouched; choose another path with --store") -> StoreError {
        .init(.exists, "\(path) already exists", hint)
    }
    static func unwritable(_ path: String, _ detail: String) -> StoreError {
        .init(.unwritable, "cannot write \(path) (\(detail))", "check that the directory exists and is writable")
    }
    public static func invalid(_ message: String, _ hint: String) -> StoreError {
        .init(.invalid, message, hint)
    }
    static func notFound(_ what: String) -> StoreError {
        .init(.notFound, "no record matches \(what)", "run 'fieldnotes list' to see ids")
    }
    static func forked(_ id: OperationID, _ path: String) -> StoreError {
        .init(.forked, "operation \(id) arrived with different content from the one \(path) holds under that id: two copies of that replica's store wrote different changes",
              "nothing of this batch was written; the copy that syncs later re-issues its changes under a new id when it next syncs")
    }
    static func ambiguous(_ prefix: String, _ candidates: [String]) -> StoreError {
        .init(.ambiguous, "id prefix \(prefix) matches \(candidates.count) records: \(candidates.joined(separator: ", "))",
              "give more characters of the id")
    }
    static func sqlite(_ path: String, _ error: SQLiteError) -> StoreError {
        let hint: String
        switch error.code.primary {
        case .busy: hint = "another fieldnotes process held the store too long; try again"
        case .readOnly, .cantOpen: hint = "check that the store and its directory are writable"
        case .full: hint = "free some disk space and try again; nothing was written"
        case .corrupt, .notADatabase: hint = "the file is damaged or not a fieldnotes store"
        default: hint = "nothing was written; try again, and report this if it persists"
        }
        return .init(.sqlite, "the store \(path) failed: \(error.message) (SQLite code \(error.code.rawValue))", hint)
    }
    static func conflictingHistory(_ message: String) -> StoreError {
        .init(.conflict, message, "nothing of that batch was written")
    }
}
