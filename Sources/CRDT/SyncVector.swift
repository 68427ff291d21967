/// A version vector as two replicas exchange it at the start of a sync: for
/// each origin, the highest contiguous seq the sender states, and the
/// fingerprint of the operation at that seq (`OperationFingerprint`).
///
/// A receiver that holds the same `(origin, seq)` compares fingerprints: a
/// difference means the two replicas hold different histories of that origin
/// (a store restored from a backup, or copied, that went on writing), which
/// must never be merged by dropping one side as duplicates.
public struct SyncVector: Hashable, Sendable {
    public private(set) var vector: VersionVector
    /// Per origin in `vector`, the fingerprint of operation `(origin, vector[origin])`.
    public private(set) var fingerprints: [ReplicaID: UInt64]

    public init(_ vector: VersionVector = VersionVector(), fingerprints: [ReplicaID: UInt64] = [:]) {
        self.vector = vector
        self.fingerprints = fingerprints.filter { vector[$0.key] > 0 }
    }

    public subscript(origin: ReplicaID) -> UInt64 { vector[origin] }

    public func fingerprint(_ origin: ReplicaID) -> UInt64 { fingerprints[origin] ?? 0 }

    /// Entries in origin byte order, for canonical encodings.
    public var sortedEntries: [(origin: ReplicaID, seq: UInt64, fingerprint: UInt64)] {
        vector.sortedEntries.map { (origin: $0.origin, seq: $0.seq, fingerprint: fingerprint($0.origin)) }
    }

    /// The same vector stating `seq` for `origin` (0 drops the entry).
    public func stating(_ origin: ReplicaID, seq: UInt64, fingerprint: UInt64) -> SyncVector {
        var out = self
        out.vector[origin] = seq
        out.fingerprints[origin] = seq == 0 ? nil : fingerprint
        return out
    }
}
