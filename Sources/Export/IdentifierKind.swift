import CRDT

/// A kind of direct identifier that must not leave the store by accident.
public enum IdentifierKind: String, CaseIterable, Sendable, Comparable {
    case nhsNumber = "nhs_number"
    case postcode
    case phone
    case email

    /// How a person reads it in a message.
    public var label: String {
        switch self {
        case .nhsNumber: return "NHS number"
        case .postcode: return "postcode"
        case .phone: return "phone number"
        case .email: return "email address"
        }
    }

    /// What `--redact` writes in its place.
    public var placeholder: String {
        switch self {
        case .nhsNumber: return "[NHS number]"
        case .postcode: return "[postcode]"
        case .phone: return "[phone]"
        case .email: return "[email]"
        }
    }

    public static func < (a: IdentifierKind, b: IdentifierKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One direct identifier found in a record: where, and what kind, never the value.
public struct IdentifierHit: Hashable, Sendable {
    public let record: RecordID
    /// The record's type: note, theme, insight, decision, device.
    public let type: String
    /// The field or set it is in (`body`, `tags`, `name`, …).
    public let field: String
    public let kind: IdentifierKind

    public init(record: RecordID, type: String, field: String, kind: IdentifierKind) {
        self.record = record
        self.type = type
        self.field = field
        self.kind = kind
    }
}
