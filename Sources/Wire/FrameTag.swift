import Crypto

/// The tag that authenticates a frame after the handshake: the first 16
/// bytes of HMAC-SHA256 under the direction's session key, over the frame
/// counter (big-endian u64, never sent) followed by the frame's bytes from
/// its length field through its payload. The length field counts the tag.
///
/// Each direction counts its own frames from 0, so a flipped bit, a dropped,
/// reordered, replayed or injected frame, or a frame reflected back to its
/// sender, fails to verify.
public enum FrameTag {
    /// Computes the tag for `frame` (length, type and payload; no tag).
    public static func compute(key: [UInt8], counter: UInt64, frame: [UInt8]) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(8 + frame.count)
        message.appendUInt64(counter)
        message.append(contentsOf: frame)
        return Array(HMACSHA256.authenticate(message, key: key).prefix(WireLimits.tagLength))
    }

    /// Whether `tag` is the tag of `frame` at `counter`, compared in constant time.
    public static func verify(_ tag: [UInt8], key: [UInt8], counter: UInt64, frame: [UInt8]) -> Bool {
        constantTimeEqual(tag, compute(key: key, counter: counter, frame: frame))
    }
}
