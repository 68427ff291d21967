/// A hybrid logical clock timestamp (Kulkarni et al., *Logical Physical
/// Clocks*, 2014): wall-clock milliseconds since the Unix epoch plus a logical
/// counter that orders events within one millisecond or behind a clock that
/// ran ahead.
///
/// Packed into 64 bits as `physical << 16 | logical`, so timestamps compare as
/// integers; 48 bits of milliseconds last until the year 10889.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let packed: UInt64

    public init(packed: UInt64) { self.packed = packed }

    public init(physical: UInt64, logical: UInt16) {
        self.packed = (physical & 0xFFFF_FFFF_FFFF) << 16 | UInt64(logical)
    }

    public var physical: UInt64 { packed >> 16 }
    public var logical: UInt16 { UInt16(truncatingIfNeeded: packed) }

    public static let zero = Timestamp(packed: 0)

    /// The next timestamp; a full logical counter carries into the next millisecond.
    public var successor: Timestamp { Timestamp(packed: packed &+ 1) }

    public var description: String { "\(physical).\(logical)" }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.packed < b.packed }
}

/// The clock state of one replica. The wall clock is passed in, never read
/// here, so merge logic stays deterministic under test.
public struct HybridLogicalClock: Sendable {
    /// The greatest timestamp this replica has issued or seen.
    public private(set) var latest: Timestamp

    public init(latest: Timestamp = .zero) { self.latest = latest }

    /// A timestamp for a local event: the wall clock if it is ahead of
    /// everything seen, otherwise one step past the latest.
    public mutating func tick(wallMillis: UInt64) -> Timestamp {
        let wall = Timestamp(physical: wallMillis, logical: 0)
        latest = wall > latest ? wall : latest.successor
        return latest
    }

    /// Advances past a timestamp received from another replica, so that
    /// anything written here afterwards orders after it (the receive rule of
    /// the paper, with the wall clock folded in).
    public mutating func observe(_ remote: Timestamp, wallMillis: UInt64) {
        let wall = Timestamp(physical: wallMillis, logical: 0)
        let highest = max(latest, remote)
        latest = wall > highest ? wall : highest
    }
}
