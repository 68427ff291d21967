import CRDT

/// The type byte of a frame. Unknown types pass the frame decoder and are
/// refused by `Message.decode` with `unknownMessageType`.
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Before the session. 0x02 and 0x03 were version 1's Challenge and
    // Proof; they are not messages of versions 2 and 3 and are not reused.
    public static let hello = MessageType(rawValue: 0x01)
    public static let welcome = MessageType(rawValue: 0x04)
    public static let error = MessageType(rawValue: 0x05)
    public static let enrol = MessageType(rawValue: 0x06)
    // Sync.
    public static let vector = MessageType(rawValue: 0x10)
    public static let operations = MessageType(rawValue: 0x11)
    public static let ack = MessageType(rawValue: 0x12)
    public static let done = MessageType(rawValue: 0x13)
    public static let ping = MessageType(rawValue: 0x14)
    public static let pong = MessageType(rawValue: 0x15)
    /// Version 4: an Ops batch compressed with DEFLATE.
    public static let compressedOperations = MessageType(rawValue: 0x16)

    /// The name used in the specification and the test vectors.
    public var name: String? {
        switch rawValue {
        case 0x01: return "hello"
        case 0x04: return "welcome"
        case 0x05: return "error"
        case 0x06: return "enrol"
        case 0x10: return "vector"
        case 0x11: return "ops"
        case 0x12: return "ack"
        case 0x13: return "done"
        case 0x14: return "ping"
        case 0x15: return "pong"
        case 0x16: return "compressedOps"
        default: return nil
        }
    }

    public var description: String { name ?? "type 0x" + Hex.encode([rawValue]) }
}
