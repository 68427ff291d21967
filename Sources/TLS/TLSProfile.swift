/// The one TLS profile fieldnotes speaks between devices and hubs (sync
/// protocol version 2). There is no plaintext mode and nothing to negotiate
/// down to.
///
/// - **Version**: TLS 1.3 only (RFC 8446); minimum and maximum are both
///   `TLS1_3_VERSION`. A TLS 1.2-only or non-TLS peer fails the handshake with
///   a `TLSError` of kind `.protocolVersion`.
/// - **Key exchange**: ephemeral ECDHE, so every session has forward secrecy;
///   groups X25519 then P-256 (`"X25519:P-256"`).
/// - **Cipher suites**: AEAD only: `TLS_AES_128_GCM_SHA256`,
///   `TLS_AES_256_GCM_SHA384`, `TLS_CHACHA20_POLY1305_SHA256`.
/// - **Authentication**: mutual. Each device and hub generates an Ed25519 key
///   pair locally and a self-signed X.509 v3 certificate (`Identity`). The
///   server requires a client certificate. Neither side checks chains or
///   host names: both accept any certificate in the handshake, and the caller
///   pins the peer's fingerprint once the handshake is done and before any
///   application data is sent.
/// - **Certificate contents**: version 3; a random positive 16-byte serial;
///   subject and issuer `CN=<caller's name>` (printable ASCII); valid from one
///   day before creation for 100 years; basicConstraints `critical,CA:FALSE`,
///   keyUsage `critical,digitalSignature`, extendedKeyUsage
///   `serverAuth,clientAuth`, a subjectKeyIdentifier; signed with Ed25519
///   (no separate digest).
/// - **Fingerprint**: SHA-256 of the certificate's DER encoding (32 bytes).
///   Any TLS client can compute it; Python's standard library does it with
///   `hashlib.sha256(sock.getpeercert(binary_form=True)).digest()`.
/// - **No resumption**: no session tickets (`SSL_OP_NO_TICKET`, zero tickets
///   issued) and no session cache, so every session is a full handshake in
///   which both sides present their certificates.
///
/// Reads and writes never raise `SIGPIPE` (the socket BIO sends with
/// `MSG_NOSIGNAL`) and never block past the caller's deadline, whether or not
/// the descriptor is in non-blocking mode.
public enum TLSProfile {
    /// What `TLSSession.protocolVersion` reports for every session.
    public static let protocolVersion = "TLSv1.3"
    /// The ECDHE groups, most preferred first, in OpenSSL's list syntax.
    public static let groups = "X25519:P-256"
    /// The TLS 1.3 cipher suites, most preferred first.
    public static let cipherSuites = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
    /// How long a generated certificate is valid, counted from one day before its creation.
    public static let certificateValidityDays = 36_525
    /// The length of a fingerprint in bytes (SHA-256).
    public static let fingerprintLength = 32
}
