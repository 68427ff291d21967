import CRDT

/// Splits a byte stream into frames, in the manner of swift-nio's
/// `SingleStepByteToMessageDecoder`: append whatever bytes arrived, then call
/// `decodeFrame()` until it returns nil (more bytes needed). It never
/// consumes part of a frame, so the caller may switch it to authenticated
/// mode between two frames (after the handshake message that derives the key)
/// and bytes already buffered are read under the new rules.
///
/// A frame's length is checked against the phase's limit as soon as its four
/// length bytes are here, before anything is allocated for it. After the
/// first error the decoder is finished: every later call throws the same error.
public struct FrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var magicPending: Bool
    private var key: [UInt8]?
    private var counter: UInt64 = 0
    private var failure: WireError?

    /// - Parameter expectingMagic: whether the stream begins with
    ///   `WireProtocol.magic` (a connection does; a lone frame in a test does not).
    public init(expectingMagic: Bool = true) {
        self.magicPending = expectingMagic
    }

    /// Bytes received and not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether frames must carry a tag (after `beginAuthentication`).
    public var isAuthenticating: Bool { key != nil }

    /// The counter the next authenticated frame must be tagged with.
    public var nextCounter: UInt64 { counter }

    /// Adds received bytes to the buffer.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// From the next frame on, every frame must carry a tag made with `key`,
    /// counting from 0, and may be as long as `WireLimits.maxFrameLength`.
    public mutating func beginAuthentication(key: [UInt8]) {
        self.key = key
        counter = 0
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
        let tagLength = key == nil ? 0 : WireLimits.tagLength
        let limit = key == nil ? WireLimits.maxHandshakeFrameLength : WireLimits.maxFrameLength
        guard declared <= limit else {
            throw WireError(.frameTooLarge, "frame length \(declared) exceeds \(limit)")
        }
        guard declared >= 1 + tagLength else {
            throw WireError(.frameTooShort, "frame length \(declared) cannot hold a type\(tagLength > 0 ? " and a tag" : "")")
        }
        guard bufferedByteCount >= 4 + declared else { return nil }

        let start = readIndex
        let end = start + 4 + declared
        let bodyEnd = end - tagLength
        if let key {
            let tag = Array(buffer[bodyEnd ..< end])
            guard FrameTag.verify(tag, key: key, counter: counter, frame: Array(buffer[start ..< bodyEnd])) else {
                throw WireError(.badTag, "frame \(counter) does not verify")
            }
            // A counter that would wrap ends the session: a wrapped counter would permit replays.
            guard counter < UInt64.max else { throw WireError(.limitExceeded, "frame counter exhausted") }
            counter += 1
        }
        let frame = Frame(type: MessageType(rawValue: buffer[start + 4]), payload: Array(buffer[start + 5 ..< bodyEnd]))
        readIndex = end
        return frame
    }
}
