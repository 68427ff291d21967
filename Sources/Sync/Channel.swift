import SystemCalls
import TLS
import Wire

/// Moves messages over one TLS session: writes the magic and frames with a
/// `FrameEncoder`, reads them with a `FrameDecoder`, and counts the
/// application bytes. Every receive has a deadline, so a stalled or
/// trickling peer cannot hold a session open. While waiting, it sends a
/// Ping after `WireLimits.keepaliveInterval` without sending anything, and
/// it answers the peer's Pings and drops its Pongs itself: the session
/// logic never sees either.
final class Channel {
    let connection: Connection
    let tls: TLSSession
    private var encoder = FrameEncoder()
    private var decoder = FrameDecoder(expectingMagic: true)
    /// Application bytes (frames and magic) received and sent.
    private(set) var bytesIn = 0
    private(set) var bytesOut = 0
    /// Bytes on the wire, TLS records and handshake included.
    var wireBytesIn: Int { tls.wireBytesIn }
    var wireBytesOut: Int { tls.wireBytesOut }
    /// Seconds a single send may block before the peer counts as stalled.
    let sendTimeout: Double
    private var lastSentMillis = MonotonicClock.nowMillis()
    private var pings: UInt64 = 0
    static let keepaliveMillis = Int64(WireLimits.keepaliveInterval.components.seconds * 1000)

    init(_ connection: Connection, tls: TLSSession, sendTimeout: Double) throws {
        self.connection = connection
        self.tls = tls
        self.sendTimeout = sendTimeout
        try write(WireProtocol.magic)
    }

    /// After the handshake messages: frames may be as long as the session limit.
    func beginSession() { decoder.beginSession() }

    private func write(_ bytes: [UInt8]) throws {
        do {
            try tls.write(bytes, deadlineMillis: MonotonicClock.nowMillis() + Int64(sendTimeout * 1000))
        } catch let error as TLSError {
            throw Channel.socketError(error, connection.peer)
        }
        bytesOut += bytes.count
        lastSentMillis = MonotonicClock.nowMillis()
    }

    func send(_ message: Message) throws { try send([message]) }

    /// Sends a message whose frame is built.
    func send(_ encoded: EncodedMessage) throws {
        let bytes: [UInt8]
        do {
            bytes = try encoder.encode(encoded.frame)
        } catch {
            throw SyncError("cannot encode \(encoded.message.type): \(error)", code: .internal)
        }
        try write(bytes)
    }

    /// Sends several messages in one write.
    func send(_ messages: [Message]) throws {
        var bytes: [UInt8] = []
        for message in messages {
            do {
                bytes += try encoder.encode(message)
            } catch {
                throw SyncError("cannot encode \(message.type): \(error)", code: .internal)
            }
        }
        try write(bytes)
    }

    /// The next message other than Ping and Pong; waits until `deadline`
    /// (monotonic ms) at most. A malformed frame throws a `WireError`; a
    /// closed connection, a damaged TLS record or a passed deadline throws a
    /// `SocketError`.
    ///
    /// Once the session has begun, a Ping or Pong counts as a frame received
    /// (SPEC §9, "no frame received for"): it restarts the wait, so a peer
    /// that is busy committing a large batch and pings stays connected.
    /// Before that, the deadline is the opening's and nothing extends it.
    func receive(deadline: Int64) throws -> Message {
        var deadline = deadline
        let window = deadline - MonotonicClock.nowMillis()
        while true {
            if let message = try decoder.decodeMessage() {
                switch message {
                case .ping(let value): try send(.pong(value))
                case .pong: break
                default: return message
                }
                if decoder.isInSession { deadline = max(deadline, MonotonicClock.nowMillis() + window) }
                continue
            }
            let now = MonotonicClock.nowMillis()
            guard now < deadline else { throw SocketError(.timeout, "\(connection.peer) sent no complete frame in time") }
            let keepalive = lastSentMillis + Channel.keepaliveMillis
            do {
                let bytes = try tls.read(maximum: 65_536, deadlineMillis: min(deadline, keepalive))
                guard !bytes.isEmpty else { throw SocketError(.closed, "\(connection.peer) closed the connection") }
                bytesIn += bytes.count
                decoder.append(bytes)
            } catch let error as TLSError where error.kind == .timeout {
                if MonotonicClock.nowMillis() >= keepalive && MonotonicClock.nowMillis() < deadline {
                    pings += 1
                    try send(.ping(pings))
                }
            } catch let error as TLSError {
                throw Channel.socketError(error, connection.peer)
            }
        }
    }

    static func socketError(_ error: TLSError, _ peer: String) -> SocketError {
        switch error.kind {
        case .timeout: return SocketError(.timeout, "\(peer) stopped reading or writing in time")
        case .corrupt: return SocketError(.io, "the TLS stream from \(peer) was damaged or tampered with (a record failed authentication); nothing of it was used")
        default: return SocketError(.io, "\(peer): \(error.message)")
        }
    }

    /// An Error frame the peer sent before it closed, if its bytes are
    /// already here or arrive within half a second; nil otherwise.
    func errorSentBeforeClosing() -> (code: ErrorCode, message: String)? {
        let deadline = MonotonicClock.nowMillis() + 500
        for _ in 0 ..< 8 {
            guard let message = try? receive(deadline: deadline) else { return nil }
            if case .error(let code, let text) = message { return (code, text) }
        }
        return nil
    }

    /// Sends an Error frame if the connection still takes one; never throws.
    func sendError(_ code: ErrorCode, _ message: String) {
        // Cut at a character, never inside one.
        var text = ""
        for character in message {
            guard text.utf8.count + character.utf8.count <= WireLimits.maxErrorMessageLength else { break }
            text.append(character)
        }
        try? send(.error(code: code, message: text))
    }

    /// Sends close_notify (best effort); the caller closes the socket.
    func close() { tls.shutdown() }
}

@available(*, unavailable)
extension Channel: Sendable {}
