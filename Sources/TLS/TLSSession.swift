import CTLS
import Glibc
import SystemCalls

/// One TLS 1.3 session over a connected stream socket. Owns its `SSL`; does
/// not own the descriptor and never closes it.
///
/// Every call takes a deadline on `MonotonicClock` and returns or throws by
/// then. The socket's own blocking mode does not matter and is left as it is:
/// the BIO underneath sends and receives with `MSG_DONTWAIT` and waits in
/// `poll(2)`. Writes use `MSG_NOSIGNAL`, so a peer that has gone never raises
/// `SIGPIPE`.
///
/// Not `Sendable`: one thread uses a session at a time.
public final class TLSSession {
    private let ssl: OpaquePointer
    private let fd: Int32
    private let role: TLSContext.Role
    /// Set after a fatal error; OpenSSL then forbids further I/O and `SSL_shutdown`.
    private var failed = false
    /// Set once `shutdown` has sent close_notify: reading may go on, writing may not.
    private var shutDown = false
    /// Reused by every `read`; a TLS record carries at most 16 KiB of plaintext.
    private var buffer = [UInt8](repeating: 0, count: 16_384)

    /// The peer's certificate (DER), known once `handshake` has succeeded.
    public private(set) var peerCertificateDER: [UInt8]?

    /// Creates the session (`SSL_new`) over `fd`, a connected stream socket
    /// the caller keeps owning; nothing is sent until `handshake`.
    public init(context: TLSContext, fd: Int32) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(context.handle) else {
            throw OpenSSLErrorQueue.error(.setup, "cannot create a TLS session (SSL_new)")
        }
        let bio: OpaquePointer
        do {
            bio = try SocketBIOMethod.shared.makeBIO(fd: fd)
        } catch {
            SSL_free(ssl)
            throw error
        }
        // The SSL takes the one reference to the BIO, used for both directions.
        SSL_set_bio(ssl, bio, bio)
        switch context.role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        self.ssl = ssl
        self.fd = fd
        self.role = context.role
    }

    deinit { SSL_free(ssl) }

    /// Runs the handshake (`SSL_do_handshake`) to completion by `deadlineMillis`.
    ///
    /// Afterwards `peerCertificateDER` and `peerFingerprint` are set; the
    /// caller must compare the fingerprint with the one it expects before
    /// sending or trusting anything. A client's handshake can succeed before
    /// the server has checked the client's certificate: a refusal then
    /// arrives as an error from the first `read`.
    public func handshake(deadlineMillis: Int64) throws {
        guard try drive(.handshake, deadlineMillis: deadlineMillis, { SSL_do_handshake(ssl) }) else {
            failed = true
            throw TLSError(.connection, "the peer closed the connection during the TLS handshake")
        }
        guard let certificate = SSL_get0_peer_certificate(ssl) else {
            failed = true
            throw TLSError(.handshake, "the peer presented no certificate")
        }
        do {
            peerCertificateDER = try Identity.derEncoding(of: certificate)
        } catch {
            failed = true
            throw error
        }
    }

    /// SHA-256 of `peerCertificateDER`: compare it with the pinned fingerprint.
    public var peerFingerprint: [UInt8]? {
        peerCertificateDER.map { Identity.fingerprint(ofDER: $0) }
    }

    /// The negotiated protocol (`SSL_get_version`): `"TLSv1.3"` after a handshake.
    public var protocolVersion: String {
        guard let name = SSL_get_version(ssl) else { return "" }
        return String(cString: name)
    }

    /// The negotiated cipher suite's IANA name (`SSL_CIPHER_standard_name`),
    /// one of `TLSProfile.cipherSuites`; empty before the handshake.
    public var cipherSuite: String {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_standard_name(cipher) else { return "" }
        return String(cString: name)
    }

    /// The ECDHE group of the handshake (`SSL_get_negotiated_group`):
    /// `"X25519"` or `"P-256"`; empty before the handshake.
    public var keyExchangeGroup: String {
        let nid = fieldnotes_SSL_get_negotiated_group(ssl)
        if nid == NID_X9_62_prime256v1 { return "P-256" }
        guard nid > 0, let name = OBJ_nid2sn(nid) else { return "" }
        return String(cString: name)
    }

    /// Bytes this session has read from and written to the socket: TLS
    /// records and handshake included (`BIO_number_read`, `BIO_number_written`).
    public var wireBytesIn: Int { SSL_get_rbio(ssl).map { Int(BIO_number_read($0)) } ?? 0 }
    public var wireBytesOut: Int { SSL_get_wbio(ssl).map { Int(BIO_number_written($0)) } ?? 0 }

    /// Decrypted bytes OpenSSL already holds (`SSL_pending`): a caller that
    /// polls the socket must read these first, as the socket may stay quiet.
    public var pendingBytes: Int { Int(SSL_pending(ssl)) }

    /// Sends all of `bytes` by `deadlineMillis` (`SSL_write_ex`).
    ///
    /// After any error, including a timeout, part of the data may have been
    /// sent and the session cannot be used again.
    public func write(_ bytes: [UInt8], deadlineMillis: Int64) throws {
        try requireHandshake()
        guard !shutDown else { throw TLSError(.connection, "this TLS session has been shut down; it cannot send any more") }
        var offset = 0
        while offset < bytes.count {
            var written = 0
            let open = try drive(.write, deadlineMillis: deadlineMillis) {
                bytes[offset...].withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            }
            guard open else {
                failed = true
                throw TLSError(.connection, "the peer closed the TLS session while we were sending")
            }
            offset += written
        }
    }

    /// Receives between 1 and `maximum` bytes by `deadlineMillis` (`SSL_read_ex`),
    /// or `[]` once the peer has closed: with close_notify or, as the sync
    /// protocol frames its own messages, with a plain end of stream.
    ///
    /// Throws kind `.timeout` if nothing arrives by the deadline (the session
    /// stays usable), and kind `.corrupt` if a record fails authentication:
    /// bytes from a tampered or damaged record are never returned.
    public func read(maximum: Int, deadlineMillis: Int64) throws -> [UInt8] {
        precondition(maximum > 0, "read(maximum:) needs room for at least one byte")
        try requireHandshake()
        let limit = min(maximum, buffer.count)
        var count = 0
        let open = try drive(.read, deadlineMillis: deadlineMillis) {
            buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, limit, &count) }
        }
        guard open else { return [] }
        return Array(buffer[0..<count])
    }

    /// Sends close_notify (`SSL_shutdown`) if the session is healthy, waiting
    /// at most 250 ms for the socket to take it. Never throws; does not close
    /// the socket. `read` may still be called to wait for the peer's close_notify.
    public func shutdown() {
        guard !failed, !shutDown, SSL_is_init_finished(ssl) == 1 else { return }
        shutDown = true
        _ = try? drive(.shutdown, deadlineMillis: MonotonicClock.nowMillis() + 250) {
            // 0: close_notify sent, the peer's not yet seen; 1: both sent. Either is enough.
            SSL_shutdown(ssl) >= 0 ? 1 : -1
        }
        ERR_clear_error()
    }

    /// OpenSSL would run the handshake inside the first read or write, and
    /// data would flow before the caller had pinned the peer: refuse instead.
    private func requireHandshake() throws {
        guard peerCertificateDER != nil else {
            throw TLSError(.handshake, "the TLS handshake has not completed; call handshake(deadlineMillis:) and check the peer's fingerprint first")
        }
    }

    // MARK: Driving OpenSSL over a non-blocking BIO

    private enum Operation {
        case handshake, read, write, shutdown
    }

    /// Calls `call` until it returns a positive value, waiting in `poll` while
    /// OpenSSL wants to read or write. Returns false when the peer has closed
    /// the session (`SSL_ERROR_ZERO_RETURN`); throws on errors and on the deadline.
    private func drive(_ operation: Operation, deadlineMillis: Int64, _ call: () -> Int32) throws -> Bool {
        guard !failed else {
            throw TLSError(.connection, "this TLS session has already failed or been shut down; open a new connection")
        }
        while true {
            ERR_clear_error()
            // OpenSSL reports a failed send or recv as SSL_ERROR_SYSCALL with errno set.
            errno = 0
            let result = call()
            let savedErrno = Errno.current
            if result > 0 { return true }
            let code = SSL_get_error(ssl, result)
            let events: Int16
            switch code {
            case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
            case SSL_ERROR_ZERO_RETURN: return false
            default:
                failed = true
                throw classify(code, errno: savedErrno, during: operation)
            }
            let ready: Bool
            do {
                ready = try Syscall.wait(fd: fd, events: events, deadlineMillis: deadlineMillis)
            } catch {
                failed = true
                throw TLSError(.connection, "cannot wait on the socket: \(error)")
            }
            if !ready {
                // A half-written record cannot be abandoned; a read can be retried.
                if operation == .write { failed = true }
                throw TLSError(.timeout, timeoutMessage(operation))
            }
        }
    }

    private func timeoutMessage(_ operation: Operation) -> String {
        switch operation {
        case .handshake: return "the TLS handshake did not finish in time (the peer was silent or too slow)"
        case .read: return "the peer sent nothing in time"
        case .write: return "the peer did not take our data in time"
        case .shutdown: return "the peer did not take close_notify in time"
        }
    }

    /// Reasons meaning the peer does not speak TLS 1.3 (during a handshake).
    private static let versionReasons: Set<Int32> = [
        SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_WRONG_VERSION_NUMBER, SSL_R_VERSION_TOO_LOW,
        SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST,
        SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_UNKNOWN_PROTOCOL, SSL_R_RECORD_LENGTH_MISMATCH,
    ]

    /// A `TLSError` for a fatal `SSL_get_error` code, draining OpenSSL's queue.
    private func classify(_ code: Int32, errno: Errno, during operation: Operation) -> TLSError {
        let entries = OpenSSLErrorQueue.drain()
        let during = operation == .handshake ? "during the TLS handshake" : "in the TLS session"
        if code == SSL_ERROR_SYSCALL && entries.isEmpty {
            if errno.rawValue == 0 {
                return TLSError(.connection, "the peer closed the connection \(during)")
            }
            return TLSError(.connection, "the connection failed \(during): \(errno)")
        }
        let reason = (entries.first { $0.library == ERR_LIB_SSL } ?? entries.first)?.reason ?? 0
        switch reason {
        case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, SSL_R_DECRYPTION_FAILED:
            return OpenSSLErrorQueue.error(.corrupt,
                "a TLS record from the peer failed authentication: the data was corrupted or tampered with in transit", entries: entries)
        case SSL_R_SSLV3_ALERT_BAD_RECORD_MAC:
            return OpenSSLErrorQueue.error(.corrupt,
                "the peer could not authenticate a TLS record we sent: the data was corrupted or tampered with in transit", entries: entries)
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return OpenSSLErrorQueue.error(.handshake,
                "the client presented no certificate; every device and hub must present its own", entries: entries)
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            return OpenSSLErrorQueue.error(.handshake,
                "the server requires a client certificate and did not get one", entries: entries)
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return OpenSSLErrorQueue.error(.connection, "the peer closed the connection \(during)", entries: entries)
        default:
            break
        }
        if operation == .handshake {
            if Self.versionReasons.contains(reason) {
                return OpenSSLErrorQueue.error(.protocolVersion, "the peer did not speak TLS 1.3", entries: entries)
            }
            return OpenSSLErrorQueue.error(.handshake, "the TLS handshake failed", entries: entries)
        }
        // After the handshake, any malformed record is damage or tampering;
        // an alert is the peer ending the session.
        if reason >= SSL_AD_REASON_OFFSET {
            return OpenSSLErrorQueue.error(.connection, "the peer ended the TLS session with an alert", entries: entries)
        }
        return OpenSSLErrorQueue.error(.corrupt, "the TLS record stream from the peer is malformed: corrupted or tampered with in transit",
                                       entries: entries)
    }
}

@available(*, unavailable)
extension TLSSession: Sendable {}
