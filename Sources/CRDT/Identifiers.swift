/// A replica: one store (a device's or the hub's), named by 128 random bits
/// chosen when the store is created. Ordered by its bytes, so ties between
/// equal clocks break the same way on every replica.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 16 bytes, big-endian halves.
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Builds an id from exactly 16 bytes; nil otherwise.
    @inlinable
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.init(bytes: bytes[...])
    }

    /// Builds an id from exactly 16 bytes; nil otherwise.
    @inlinable
    public init?(bytes: ArraySlice<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        let start = bytes.startIndex
        for index in 0..<8 { high = high << 8 | UInt64(bytes[start + index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[start + index]) }
        self.init(high: high, low: low)
    }

    public init?(hex: String) {
        guard hex.utf8.count == 32, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    @inlinable
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            out[index] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
            out[index + 8] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * index))
        }
        return out
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (a: ReplicaID, b: ReplicaID) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }
}

/// An operation's identity: the replica that made it and that replica's own
/// counter, 1, 2, 3, … with no gaps.
public struct OperationID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let origin: ReplicaID
    public let seq: UInt64

    public init(origin: ReplicaID, seq: UInt64) {
        self.origin = origin
        self.seq = seq
    }

    public var description: String { "\(origin.hex):\(seq)" }

    public static func < (a: OperationID, b: OperationID) -> Bool {
        (a.origin, a.seq) < (b.origin, b.seq)
    }
}

/// A record (a note, and later a theme, insight or decision): 128 random bits,
/// shown as 32 hex digits. Random rather than time-ordered, so that a short
/// prefix is almost always unique, as with git's object names.
public struct RecordID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Accepts exactly 32 hex digits, in either case.
    @inlinable
    public init?(hex: String) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var count = 0
        for byte in hex.utf8 {
            guard count < 32, let nibble = Hex.nibble(byte) else { return nil }
            if count < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
            count += 1
        }
        guard count == 32 else { return nil }
        self.init(high: high, low: low)
    }

    public init?(bytes: [UInt8]) {
        guard let replica = ReplicaID(bytes: bytes) else { return nil }
        self.init(high: replica.high, low: replica.low)
    }

    public var bytes: [UInt8] { ReplicaID(high: high, low: low).bytes }

    /// 32 lower-case hex digits.
    public var hex: String { Hex.encode(high, low) }
    public var short: String { String(Hex.encode(high).prefix(8)) }
    public var description: String { hex }

    public static func < (a: RecordID, b: RecordID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
