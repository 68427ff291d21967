import CTLS

/// A configured `SSL_CTX` for one side of the `TLSProfile`, holding this
/// side's `Identity`. Make one per process and role and reuse it for every
/// session.
///
/// Sendable: it has no mutating API, and OpenSSL allows one `SSL_CTX` to be
/// shared by threads creating sessions with `SSL_new` as long as it is not
/// reconfigured meanwhile (it takes its own reference with an atomic up-ref;
/// the session cache, the only other shared state, is switched off).
public final class TLSContext: @unchecked Sendable {
    enum Role { case client, server }

    /// Protocol versions for `init`; only tests ask for anything but TLS 1.3.
    enum ProtocolVersion {
        case tls12, tls13
        var code: Int32 { self == .tls12 ? TLS1_2_VERSION : TLS1_3_VERSION }
    }

    let handle: OpaquePointer
    let role: Role

    /// A context for the side that connects: it presents `identity` and
    /// accepts any server certificate; pin `TLSSession.peerFingerprint` after
    /// the handshake, before sending anything.
    public static func client(identity: Identity) throws -> TLSContext {
        try TLSContext(role: .client, identity: identity)
    }

    /// A context for the side that accepts: it presents `identity`, requires a
    /// client certificate and accepts any one; pin `TLSSession.peerFingerprint`
    /// after the handshake.
    public static func server(identity: Identity) throws -> TLSContext {
        try TLSContext(role: .server, identity: identity)
    }

    /// The profile's context; a nil `identity` or other versions only for tests
    /// that play a misbehaving peer.
    init(role: Role, identity: Identity?, minimumVersion: ProtocolVersion = .tls13, maximumVersion: ProtocolVersion = .tls13) throws {
        ERR_clear_error()
        guard let handle = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw OpenSSLErrorQueue.error(.setup, "cannot create a TLS context (SSL_CTX_new)")
        }
        // From here deinit frees the handle, whatever fails.
        self.handle = handle
        self.role = role

        func check(_ ok: Bool, _ step: String) throws {
            guard ok else { throw OpenSSLErrorQueue.error(.setup, "cannot configure TLS (\(step))") }
        }
        try check(fieldnotes_SSL_CTX_set_min_proto_version(handle, minimumVersion.code) == 1, "SSL_CTX_set_min_proto_version")
        try check(fieldnotes_SSL_CTX_set_max_proto_version(handle, maximumVersion.code) == 1, "SSL_CTX_set_max_proto_version")
        try check(SSL_CTX_set_ciphersuites(handle, TLSProfile.cipherSuites.joined(separator: ":")) == 1, "SSL_CTX_set_ciphersuites")
        try check(fieldnotes_SSL_CTX_set1_groups_list(handle, TLSProfile.groups) == 1, "SSL_CTX_set1_groups_list")

        // No tickets and no cache: every session is a full handshake with both
        // certificates. An EOF without close_notify reads as the end of the
        // stream; the sync protocol's own framing detects a truncated message.
        let options = fieldnotes_SSL_OP_NO_TICKET | fieldnotes_SSL_OP_NO_RENEGOTIATION | fieldnotes_SSL_OP_IGNORE_UNEXPECTED_EOF
        try check(SSL_CTX_set_options(handle, options) & options == options, "SSL_CTX_set_options")
        if role == .server {
            try check(SSL_CTX_set_num_tickets(handle, 0) == 1, "SSL_CTX_set_num_tickets")
        }
        // Returns the previous mode and cannot fail.
        _ = fieldnotes_SSL_CTX_set_session_cache_mode(handle, Int(SSL_SESS_CACHE_OFF))
        // `write` continues a partial write from a new position in the caller's array.
        let mode = Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        try check(fieldnotes_SSL_CTX_set_mode(handle, mode) & mode == mode, "SSL_CTX_set_mode")

        // Both sides ask for the peer's certificate and the server refuses a
        // client without one, but any certificate passes here: fieldnotes
        // identities are self-signed, and the caller pins the fingerprint.
        let verify = role == .server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER
        SSL_CTX_set_verify(handle, verify) { _, _ in 1 }

        if let identity {
            try check(SSL_CTX_use_certificate(handle, identity.certificate) == 1, "SSL_CTX_use_certificate")
            try check(SSL_CTX_use_PrivateKey(handle, identity.key) == 1, "SSL_CTX_use_PrivateKey")
            try check(SSL_CTX_check_private_key(handle) == 1, "SSL_CTX_check_private_key")
        }
    }

    deinit { SSL_CTX_free(handle) }
}
