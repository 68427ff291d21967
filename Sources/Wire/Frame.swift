/// One frame: a message type and its payload, as carried between the
/// 4-byte length prefix and (once authenticated) the tag.
///
/// ```
/// 0        4      5              5+n          5+n+16
/// +--------+------+--------------+------------+
/// | length | type | payload (n)  | tag (16)?  |
/// +--------+------+--------------+------------+
/// ```
/// `length` (big-endian u32) counts every byte after itself, tag included.
public struct Frame: Hashable, Sendable {
    public var type: MessageType
    public var payload: [UInt8]

    public init(type: MessageType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// The frame's bytes without a tag: length, type, payload. Refuses a
    /// frame whose length field would exceed `maxLength`.
    public func encoded(maxLength: Int = WireLimits.maxFrameLength) throws(WireError) -> [UInt8] {
        try encoded(reservingTag: 0, maxLength: maxLength)
    }

    /// The bytes a tag is computed over: the length field already counts
    /// `tagLength` bytes that are not yet appended.
    func encoded(reservingTag tagLength: Int, maxLength: Int) throws(WireError) -> [UInt8] {
        let length = 1 + payload.count + tagLength
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
