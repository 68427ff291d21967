import Wire

/// Moves messages over one connection: writes the magic and frames with a
/// `FrameEncoder`, reads them with a `FrameDecoder`, and counts bytes.
/// Every receive has a deadline, so a stalled or trickling peer cannot hold
/// a session open: the whole next frame must arrive before it.
final class Channel {
    let connection: Connection
    private var encoder = FrameEncoder()
    private var decoder = FrameDecoder(expectingMagic: true)
    private var pending: [Message] = []
    private(set) var bytesIn = 0
    private(set) var bytesOut = 0
    /// Seconds a single send may block before the peer counts as stalled.
    let sendTimeout: Double

    init(_ connection: Connection, sendTimeout: Double) throws {
        self.connection = connection
        self.sendTimeout = sendTimeout
        try connection.send(WireProtocol.magic, timeout: sendTimeout)
        bytesOut += WireProtocol.magic.count
    }

    func send(_ message: Message) throws {
        let bytes: [UInt8]
        do {
            bytes = try encoder.encode(message)
        } catch {
            throw SyncError("cannot encode \(message.type): \(error)", code: .internal)
        }
        try connection.send(bytes, timeout: sendTimeout)
        bytesOut += bytes.count
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
        try connection.send(bytes, timeout: sendTimeout)
        bytesOut += bytes.count
    }

    /// The next message; waits until `deadline` (monotonic ms) at most.
    /// A malformed or unauthenticated frame throws a `WireError`; a closed
    /// connection or a passed deadline throws a `SocketError`.
    func receive(deadline: Int64) throws -> Message {
        while true {
            if let message = try decoder.decodeMessage() { return message }
            let remaining = deadline - monotonicMillis()
            guard remaining > 0 else { throw SocketError(.timeout, "\(connection.peer) sent no complete frame in time") }
            let bytes = try connection.receive(maximum: 65_536, timeout: Double(remaining) / 1000)
            guard !bytes.isEmpty else { throw SocketError(.closed, "\(connection.peer) closed the connection") }
            bytesIn += bytes.count
            decoder.append(bytes)
        }
    }

    func authenticateSending(key: [UInt8]) { encoder.beginAuthentication(key: key) }
    func authenticateReceiving(key: [UInt8]) { decoder.beginAuthentication(key: key) }

    /// An Error frame the peer sent before it closed, if its bytes are
    /// already here or arrive within half a second; nil otherwise. For after
    /// a failed send: the peer may have explained itself and hung up
    /// without reading what we sent.
    func errorSentBeforeClosing() -> (code: ErrorCode, message: String)? {
        let deadline = monotonicMillis() + 500
        for _ in 0 ..< 8 {
            guard let message = try? receive(deadline: deadline) else { return nil }
            if case .error(let code, let text) = message { return (code, text) }
        }
        return nil
    }

    /// Sends an Error frame if the connection still takes one; never throws.
    func sendError(_ code: ErrorCode, _ message: String) {
        let text = String(message.utf8.prefix(WireLimits.maxErrorMessageLength)) ?? String(code.description)
        try? send(.error(code: code, message: text))
    }
}

@available(*, unavailable)
extension Channel: Sendable {}
