/// Why an export was refused or failed: what is wrong, and what to do.
/// A struct over a private enum, so cases can grow without breaking callers.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable { case identifiers, exists, unwritable, unknownTheme, invalid }

    private let kind: Kind
    public let message: String
    public let hint: String
    /// The direct identifiers that stopped the export (empty for other errors).
    public let hits: [IdentifierHit]

    private init(_ kind: Kind, _ message: String, _ hint: String, hits: [IdentifierHit] = []) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.hits = hits
    }

    public var description: String { hint.isEmpty ? message : "\(message); \(hint)" }

    /// True when the export stopped because the text holds direct identifiers.
    public var isIdentifiersFound: Bool { kind == .identifiers }

    static func identifiersFound(_ hits: [IdentifierHit]) -> ExportError {
        .init(.identifiers,
              "found \(hits.count) direct identifier\(hits.count == 1 ? "" : "s") \(IdentifierHit.whereFound(hits)); nothing was written",
              "edit them out, or export again with --redact to replace them, or with --allow-identifiers (recorded in the audit trail)",
              hits: hits)
    }
    static func exists(_ path: String) -> ExportError {
        .init(.exists, "\(path) already exists", "choose another --out path, or pass --force to replace it")
    }
    static func cannotReplace(_ path: String, _ why: String) -> ExportError {
        .init(.exists, "\(path) \(why), so --force will not replace it", "choose another --out path")
    }
    static func ownFile(_ path: String, _ what: String) -> ExportError {
        .init(.exists, "\(path) is \(what)", "choose another --out path; nothing was written")
    }
    static func unwritable(_ path: String, _ detail: String) -> ExportError {
        .init(.unwritable, "cannot write \(path) (\(detail))", "check that the directory exists and is writable; nothing was written")
    }
    static func unknownTheme(_ name: String, known: [String]) -> ExportError {
        let hint = known.isEmpty ? "the store has no themes yet" : "themes are: " + known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", …" : "")
        return .init(.unknownTheme, "no theme is named '\(name)'", hint)
    }
    static func invalid(_ message: String, _ hint: String) -> ExportError {
        .init(.invalid, message, hint)
    }
}
