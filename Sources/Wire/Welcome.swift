import CRDT

/// The hub's admission of the device: the version it selected from the
/// Hello's range, its replica id and its wall clock. The first frame the hub
/// sends; after it, both sides are in the session.
///
/// ```
/// 0         2                  18          26
/// +---------+------------------+-----------+
/// | version | hub replica (16) | clock u64 |
/// +---------+------------------+-----------+
/// ```
public struct Welcome: Hashable, Sendable {
    /// The version the hub selected: the highest in both ranges (at least 1).
    public let version: UInt16
    /// The hub's replica id.
    public let hubReplica: ReplicaID
    /// The hub's wall clock when it sent the Welcome, milliseconds since the
    /// Unix epoch; the device compares it with its own for the skew warning.
    public let wallClockMillis: UInt64

    public init(version: UInt16 = WireProtocol.currentVersion, hubReplica: ReplicaID, wallClockMillis: UInt64) {
        self.version = version
        self.hubReplica = hubReplica
        self.wallClockMillis = wallClockMillis
    }

    func encode(into out: inout [UInt8]) throws(WireError) {
        guard version >= 1 else { throw WireError(.invalidField, "Welcome: version 0 does not exist") }
        out.appendUInt16(version)
        out.append(contentsOf: hubReplica.bytes)
        out.appendUInt64(wallClockMillis)
    }

    static func decode(_ reader: inout ByteReader) throws(WireError) -> Welcome {
        let version = try reader.readUInt16("version")
        guard version >= 1 else { throw reader.error(.invalidField, "version 0 does not exist") }
        let replica = try reader.readReplicaID("hub replica id")
        let clock = try reader.readUInt64("wall clock")
        return Welcome(version: version, hubReplica: replica, wallClockMillis: clock)
    }
}
