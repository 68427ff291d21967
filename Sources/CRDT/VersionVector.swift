/// For each origin replica, the highest seq up to which a replica holds every
/// operation of that origin with no gap. Describes exactly what a replica holds,
/// so "what does the peer lack" is one seq range per origin.
public struct VersionVector: Hashable, Sendable {
    public private(set) var entries: [ReplicaID: UInt64]

    public init(_ entries: [ReplicaID: UInt64] = [:]) {
        self.entries = entries.filter { $0.value > 0 }
    }

    public subscript(origin: ReplicaID) -> UInt64 {
        get { entries[origin] ?? 0 }
        set { entries[origin] = newValue == 0 ? nil : newValue }
    }

    public func contains(_ id: OperationID) -> Bool { id.seq <= self[id.origin] }

    /// Total number of operations described.
    public var total: UInt64 { entries.values.reduce(0, +) }

    /// Origins in byte order, for canonical encodings.
    public var sortedEntries: [(origin: ReplicaID, seq: UInt64)] {
        entries.sorted { $0.key < $1.key }.map { (origin: $0.key, seq: $0.value) }
    }

    /// The operations this vector holds and `peer` lacks: for each origin, the
    /// closed seq range `(peer's seq + 1)...(our seq)`, in origin order.
    public func missing(from peer: VersionVector) -> [SeqRange] {
        sortedEntries.compactMap { entry in
            let theirs = peer[entry.origin]
            return entry.seq > theirs ? SeqRange(origin: entry.origin, first: theirs + 1, last: entry.seq) : nil
        }
    }

    /// The least upper bound: each origin's greater seq.
    public func merged(with other: VersionVector) -> VersionVector {
        var out = self
        for (origin, seq) in other.entries where seq > out[origin] { out[origin] = seq }
        return out
    }
}

/// Operations `first...last` of one origin.
public struct SeqRange: Hashable, Sendable {
    public let origin: ReplicaID
    public let first: UInt64
    public let last: UInt64

    public init(origin: ReplicaID, first: UInt64, last: UInt64) {
        self.origin = origin
        self.first = first
        self.last = last
    }

    public var count: UInt64 { last >= first ? last - first + 1 : 0 }
}
