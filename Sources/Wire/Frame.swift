/// One frame: a message type and its payload, as carried after the 4-byte
/// length prefix.
///
/// ```
/// 0        4      5              5+n
/// +--------+------+--------------+
/// | length | type | payload (n)  |
/// +--------+------+--------------+
/// ```
/// `length` (big-endian u32) counts every byte after itself: the type and
/// the payload. Frames carry no tag: they travel inside TLS, which protects
/// their integrity and order.
public struct Frame: Hashable, Sendable {
    public var type: MessageType
    public var payload: [UInt8]

    public init(type: MessageType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// The frame's bytes: length, type, payload. Refuses a frame whose
    /// length field would exceed `maxLength`.
    public func encoded(maxLength: Int = WireLimits.maxFrameLength) throws(WireError) -> [UInt8] {
        let length = 1 + payload.count
        guard length <= maxLength, let declared = UInt32(exactly: length) else {
            throw WireError(.frameTooLarge, "\(type) frame would be \(length) bytes, limit \(min(maxLength, Int(UInt32.max)))")
        }
        var out: [UInt8] = []
        out.reserveCapacity(4 + length)
        out.appendUInt32(declared)
        out.append(type.rawValue)
        out.append(contentsOf: payload)
        return out
    }
}
