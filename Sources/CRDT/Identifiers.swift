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
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public init?(hex: String) {
        guard hex.utf8.count == 32, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
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
    public let hex: String

    /// Accepts exactly 32 hex digits, in either case.
    public init?(hex: String) {
        guard hex.utf8.count == 32, Hex.decode(hex) != nil else { return nil }
        self.hex = hex.lowercased()
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.hex = Hex.encode(bytes)
    }

    public var bytes: [UInt8] { Hex.decode(hex) ?? [] }
    public var short: String { String(hex.prefix(8)) }
    public var description: String { hex }

    public static func < (a: RecordID, b: RecordID) -> Bool { a.hex < b.hex }
}
