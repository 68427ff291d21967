/// A protocol error code, as carried by the Error message (a big-endian
/// `u16`). Unknown codes from a newer peer decode fine and are treated like
/// `internal`. See the table in `Protocol/SPEC.md` for what each side does next.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The stream did not begin with the magic: not a fieldnotes peer.
    public static let badMagic = ErrorCode(rawValue: 1)
    /// The Hello's version range and the hub's do not overlap.
    public static let unsupportedVersion = ErrorCode(rawValue: 2)
    /// A frame or message could not be decoded.
    public static let malformed = ErrorCode(rawValue: 3)
    /// A frame's length exceeds the limit.
    public static let frameTooLarge = ErrorCode(rawValue: 4)
    /// The peer could not be authenticated: its TLS certificate is not the
    /// one pinned for its name, or an enrolment token was refused.
    public static let authFailed = ErrorCode(rawValue: 5)
    /// The hub has no device of the Hello's name.
    public static let unknownDevice = ErrorCode(rawValue: 6)
    /// The device was enrolled but has been revoked.
    public static let revoked = ErrorCode(rawValue: 7)
    /// The hub is at capacity or already syncing this device; retry later.
    public static let busy = ErrorCode(rawValue: 8)
    /// A device sent operations whose origin is not its own replica.
    public static let forgedOrigin = ErrorCode(rawValue: 9)
    /// A batch starts past the receiver's seq + 1 for its origin.
    public static let seqGap = ErrorCode(rawValue: 10)
    /// Version 1 only: a frame's HMAC tag did not verify. Frames since
    /// version 2 carry no tag (TLS protects them), so it is never sent; the code stays
    /// defined so that it is not reused and an old peer's Error still reads.
    public static let badTag = ErrorCode(rawValue: 11)
    /// The peer was silent for longer than allowed.
    public static let timeout = ErrorCode(rawValue: 12)
    /// The sender failed for a reason of its own (disk full, store error).
    public static let `internal` = ErrorCode(rawValue: 13)
    /// The Hello's replica id is the hub's own, another device's, or one
    /// the hub already holds operations of: a device writes only as itself.
    public static let replicaMismatch = ErrorCode(rawValue: 14)
    /// A well-formed message that the state machine does not allow now.
    public static let protocolViolation = ErrorCode(rawValue: 15)
    /// An operation arrived whose `(origin, seq)` the receiver holds with
    /// different content: two copies of one store wrote under the same ids.
    public static let forked = ErrorCode(rawValue: 16)
    /// An operation breaks the record schema (`Protocol/SCHEMA.md`): a value
    /// of the wrong kind, out of range, or over a limit.
    public static let schemaViolation = ErrorCode(rawValue: 17)

    /// Every code this version defines, in numeric order.
    public static let allKnown: [ErrorCode] = [
        .badMagic, .unsupportedVersion, .malformed, .frameTooLarge, .authFailed, .unknownDevice,
        .revoked, .busy, .forgedOrigin, .seqGap, .badTag, .timeout, .internal, .replicaMismatch,
        .protocolViolation, .forked, .schemaViolation,
    ]

    /// The code's name as written in the specification, or nil for a code
    /// this version does not define.
    public var name: String? {
        switch rawValue {
        case 1: return "badMagic"
        case 2: return "unsupportedVersion"
        case 3: return "malformed"
        case 4: return "frameTooLarge"
        case 5: return "authFailed"
        case 6: return "unknownDevice"
        case 7: return "revoked"
        case 8: return "busy"
        case 9: return "forgedOrigin"
        case 10: return "seqGap"
        case 11: return "badTag"
        case 12: return "timeout"
        case 13: return "internal"
        case 14: return "replicaMismatch"
        case 15: return "protocolViolation"
        case 16: return "forked"
        case 17: return "schemaViolation"
        default: return nil
        }
    }

    /// Whether a device may reconnect on its own after this error (with
    /// backoff); otherwise a person has to act (re-enrol, update, fix the clock…).
    public var isRetryable: Bool {
        switch self {
        case .busy, .timeout, .internal, .badTag, .malformed, .frameTooLarge, .seqGap, .protocolViolation, .forked:
            return true
        default:
            return name == nil
        }
    }

    public var description: String { name ?? "error \(rawValue)" }
}
