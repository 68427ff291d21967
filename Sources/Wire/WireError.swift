/// Why bytes from a peer (or a value about to be encoded) were refused.
///
/// Decoding never traps: every failure is one of these. `code` says what is
/// wrong precisely enough for tests and logs; `wireCode` is the protocol
/// error code to send the peer before closing.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong. A struct of constants rather than an enum, so codes can
    /// be added without breaking callers.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The stream does not begin with `WireProtocol.magic`.
        public static let badMagic = Code(rawValue: "badMagic")
        /// A frame's length field exceeds the limit for the session's phase.
        public static let frameTooLarge = Code(rawValue: "frameTooLarge")
        /// A frame's length field is 0: too small to hold a type.
        public static let frameTooShort = Code(rawValue: "frameTooShort")
        /// A payload ends before a field it must contain.
        public static let truncated = Code(rawValue: "truncated")
        /// A payload has bytes after its last field.
        public static let trailingBytes = Code(rawValue: "trailingBytes")
        /// A varint is longer than 10 bytes or exceeds 2^64 − 1.
        public static let varintOverflow = Code(rawValue: "varintOverflow")
        /// A varint has a redundant final 0x00 group.
        public static let nonMinimalVarint = Code(rawValue: "nonMinimalVarint")
        /// A string is not valid UTF-8.
        public static let invalidUTF8 = Code(rawValue: "invalidUTF8")
        /// The frame's type byte names no message of the negotiated version.
        public static let unknownMessageType = Code(rawValue: "unknownMessageType")
        /// An operation's kind byte is not 1 through 7.
        public static let unknownOperationKind = Code(rawValue: "unknownOperationKind")
        /// A value has an unknown tag or is a NaN.
        public static let invalidValue = Code(rawValue: "invalidValue")
        /// A table reference points past the end of its table.
        public static let badReference = Code(rawValue: "badReference")
        /// An encoding other than the single canonical one (an unsorted or
        /// zero vector entry, a literal repeating a table entry, −0).
        public static let nonCanonical = Code(rawValue: "nonCanonical")
        /// A length or count exceeds a limit in `WireLimits`.
        public static let limitExceeded = Code(rawValue: "limitExceeded")
        /// A field holds a value the protocol forbids (version 0, seq 0, a text
        /// whose length in characters is not its run's count, …).
        public static let invalidField = Code(rawValue: "invalidField")
        /// A CompressedOps payload is not one raw DEFLATE stream that inflates
        /// to exactly its stated length (corrupt, cut short, or inflating past
        /// the length, as a "zip bomb" would).
        public static let badCompression = Code(rawValue: "badCompression")
    }

    public let code: Code
    /// Where and what, for a log line: "Hello: device name is 80 bytes, limit 64".
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The protocol error code to send the peer: `badMagic` and
    /// `frameTooLarge` map to themselves, every other failure is `malformed`.
    public var wireCode: ErrorCode {
        switch code {
        case .badMagic: return .badMagic
        case .frameTooLarge: return .frameTooLarge
        default: return .malformed
        }
    }

    public var description: String { "\(code): \(detail)" }
}
