/// A failure in the TLS layer: what happened, in words a person can act on,
/// with OpenSSL's own error queue (if any) kept for logs.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. New kinds may be added: switch with a default.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Generating, saving or loading an `Identity` failed (including file permissions).
        public static let identity = Kind(rawValue: "identity")
        /// OpenSSL refused to set up a context or session (out of memory, or a broken library).
        public static let setup = Kind(rawValue: "setup")
        /// The peer does not speak TLS 1.3: a TLS 1.2-only client, or not TLS at all.
        public static let protocolVersion = Kind(rawValue: "protocol-version")
        /// The handshake failed for another reason, such as a missing client certificate.
        public static let handshake = Kind(rawValue: "handshake")
        /// The deadline passed before the peer sent or accepted enough bytes.
        public static let timeout = Kind(rawValue: "timeout")
        /// A record failed authentication or the record stream is malformed:
        /// corruption in transit or tampering. No plaintext from it was returned.
        public static let corrupt = Kind(rawValue: "corrupt")
        /// The socket failed, or the peer closed or aborted the session when it should not have.
        public static let connection = Kind(rawValue: "connection")
    }

    public let kind: Kind
    public let message: String
    /// OpenSSL's error queue at the time of the failure, oldest first
    /// (`ERR_error_string_n` text); already part of `message` when not empty.
    public let openSSLErrors: [String]

    public init(_ kind: Kind, _ message: String, openSSLErrors: [String] = []) {
        self.kind = kind
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    public var description: String { message }
}
