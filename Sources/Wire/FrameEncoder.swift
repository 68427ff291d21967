/// Turns messages into the bytes to send: the mirror image of
/// `FrameDecoder`. It does not write the magic (send `WireProtocol.magic`
/// first yourself). Frames are untagged, so the encoder keeps no state; every
/// frame may be as long as `WireLimits.maxFrameLength`, and the messages a
/// side sends before the session begins (Hello, Enrol, Welcome, Error) are
/// far below `WireLimits.maxHandshakeFrameLength` by their layouts.
public struct FrameEncoder: Sendable {
    public init() {}

    /// The bytes of one frame carrying `message`.
    public func encode(_ message: Message) throws(WireError) -> [UInt8] {
        try encode(message.frame())
    }

    /// The bytes of `frame`, refusing a length field over `WireLimits.maxFrameLength`.
    public func encode(_ frame: Frame) throws(WireError) -> [UInt8] {
        try frame.encoded(maxLength: WireLimits.maxFrameLength)
    }
}
