import CRDT

/// Splits a byte stream into frames, in the manner of swift-nio's
/// `SingleStepByteToMessageDecoder`: append whatever bytes arrived, then call
/// `decodeFrame()` until it returns nil (more bytes needed).
///
/// It never consumes part of a frame, so the caller may call `beginSession()`
/// between two frames (once it has read the Hello, or the Welcome, and
/// admitted the peer) and bytes already buffered, such as a Vector sent
/// without waiting, are read under the session's larger limit.
///
/// A frame's length is checked against the phase's limit as soon as its four
/// length bytes are here, before anything is allocated for it. After the
/// first error the decoder is finished: every later call throws the same error.
public struct FrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var magicPending: Bool
    private var inSession = false
    private var failure: WireError?

    /// - Parameter expectingMagic: whether the stream begins with
    ///   `WireProtocol.magic` (a connection does; a lone frame in a test does not).
    public init(expectingMagic: Bool = true) {
        self.magicPending = expectingMagic
    }

    /// Bytes received and not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether `beginSession()` has been called: frames may be as long as
    /// `WireLimits.maxFrameLength` rather than `WireLimits.maxHandshakeFrameLength`.
    public var isInSession: Bool { inSession }

    /// Adds received bytes to the buffer.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// From the next frame on, frames may be as long as
    /// `WireLimits.maxFrameLength` (1 MiB). Until then the limit is
    /// `WireLimits.maxHandshakeFrameLength` (1 KiB), so a peer that has not
    /// been admitted cannot make the receiver buffer more.
    public mutating func beginSession() {
        inSession = true
    }

    /// The next complete frame, or nil when more bytes are needed.
    public mutating func decodeFrame() throws(WireError) -> Frame? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    /// The next complete frame decoded as a message, or nil when more bytes are needed.
    public mutating func decodeMessage() throws(WireError) -> Message? {
        guard let frame = try decodeFrame() else { return nil }
        do {
            return try Message.decode(frame)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(WireError) -> Frame? {
        if magicPending {
            let magic = WireProtocol.magic
            let available = min(bufferedByteCount, magic.count)
            for index in 0 ..< available where buffer[readIndex + index] != magic[index] {
                let seen = Hex.encode(Array(buffer[readIndex ..< readIndex + available]))
                throw WireError(.badMagic, "stream begins with \(seen), expected \(Hex.encode(magic))")
            }
            guard available == magic.count else { return nil }
            readIndex += magic.count
            magicPending = false
        }
        guard bufferedByteCount >= 4 else { return nil }
        var declared = 0
        for index in 0 ..< 4 { declared = declared << 8 | Int(buffer[readIndex + index]) }
        let limit = inSession ? WireLimits.maxFrameLength : WireLimits.maxHandshakeFrameLength
        guard declared <= limit else {
            throw WireError(.frameTooLarge, "frame length \(declared) exceeds \(limit)\(inSession ? "" : " before the session begins")")
        }
        guard declared >= 1 else { throw WireError(.frameTooShort, "frame length 0 cannot hold a type") }
        guard bufferedByteCount >= 4 + declared else { return nil }

        let start = readIndex
        let end = start + 4 + declared
        let frame = Frame(type: MessageType(rawValue: buffer[start + 4]), payload: Array(buffer[start + 5 ..< end]))
        readIndex = end
        return frame
    }
}
