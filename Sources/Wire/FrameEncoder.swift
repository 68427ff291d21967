/// Turns messages into the bytes to send, adding the tag once the session
/// is authenticated. The mirror image of `FrameDecoder`; it does not write
/// the magic (send `WireProtocol.magic` first yourself).
public struct FrameEncoder: Sendable {
    private var key: [UInt8]?
    private var counter: UInt64 = 0

    public init() {}

    /// Whether frames are tagged (after `beginAuthentication`).
    public var isAuthenticating: Bool { key != nil }

    /// The counter the next tagged frame will use.
    public var nextCounter: UInt64 { counter }

    /// From the next frame on, tag every frame with `key`, counting from 0.
    public mutating func beginAuthentication(key: [UInt8]) {
        self.key = key
        counter = 0
    }

    /// The bytes of one frame carrying `message`.
    public mutating func encode(_ message: Message) throws(WireError) -> [UInt8] {
        try encode(message.frame())
    }

    /// The bytes of `frame`, tagged when authenticating. Refuses frames over
    /// the phase's limit (`maxHandshakeFrameLength` before authentication).
    public mutating func encode(_ frame: Frame) throws(WireError) -> [UInt8] {
        guard let key else { return try frame.encoded(maxLength: WireLimits.maxHandshakeFrameLength) }
        guard counter < UInt64.max else { throw WireError(.limitExceeded, "frame counter exhausted") }
        var bytes = try frame.encoded(reservingTag: WireLimits.tagLength, maxLength: WireLimits.maxFrameLength)
        bytes.append(contentsOf: FrameTag.compute(key: key, counter: counter, frame: bytes))
        counter += 1
        return bytes
    }
}
