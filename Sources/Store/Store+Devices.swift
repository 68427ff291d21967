import CRDT
import SQLite

/// A device enrolled on a hub.
public struct DeviceEntry: Sendable, Equatable {
    public let name: String
    public let secret: [UInt8]
    /// Bound on the device's first sync; nil until then.
    public let replica: ReplicaID?
    public let enrolledMillis: UInt64
    public let lastSeenMillis: UInt64?
    public let operationsReceived: Int
    public let revokedMillis: UInt64?

    public var isRevoked: Bool { revokedMillis != nil }
}

/// What a device knows about its hub: where it is, its name there, the
/// shared secret, and how far the hub has acknowledged this replica's operations.
public struct HubLink: Sendable, Equatable {
    public let address: String
    public let device: String
    public let secret: [UInt8]

    public init(address: String, device: String, secret: [UInt8]) {
        self.address = address
        self.device = device
        self.secret = secret
    }
}

extension Store {
    // MARK: On a hub

    /// Enrols a device with a fresh secret; fails if the name is taken.
    public func enroll(device name: String, secret: [UInt8]) throws {
        guard Store.isDeviceName(name) else {
            throw StoreError.invalid("'\(name)' is not a device name", "use 1-64 letters, digits, '.', '_' or '-'")
        }
        try guarded {
            try database.transaction {
                if try device(named: name) != nil {
                    throw StoreError.invalid("a device named '\(name)' is already enrolled", "choose another name, or revoke it first with 'fieldnotes hub revoke \(name)' and enrol under a new name")
                }
                try statement("INSERT INTO devices(name, secret, enrolled_ms) VALUES (?, ?, ?)")
                    .run([.text(name), .blob(secret), .integer(Int64(wallClock()))])
            }
        }
    }

    public static func isDeviceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    public func device(named name: String) throws -> DeviceEntry? {
        try guarded {
            try statement("SELECT name, secret, replica, enrolled_ms, last_seen_ms, operations_received, revoked_ms FROM devices WHERE name = ?")
                .first([.text(name)], Store.readDevice)
        }
    }

    public func devices() throws -> [DeviceEntry] {
        try guarded {
            try statement("SELECT name, secret, replica, enrolled_ms, last_seen_ms, operations_received, revoked_ms FROM devices ORDER BY name")
                .query([], Store.readDevice)
        }
    }

    private static func readDevice(_ row: Row) -> DeviceEntry {
        DeviceEntry(name: row.text(0), secret: row.blob(1), replica: row.isNull(2) ? nil : ReplicaID(bytes: row.blob(2)),
                    enrolledMillis: UInt64(row.int64(3)), lastSeenMillis: row.isNull(4) ? nil : UInt64(row.int64(4)),
                    operationsReceived: Int(row.int64(5)), revokedMillis: row.isNull(6) ? nil : UInt64(row.int64(6)))
    }

    /// Binds a replica id to a device, on the first sync the device makes as
    /// that replica. A device may sync as several replica ids over time (its
    /// store re-issues its changes under a new one after a fork), but a
    /// replica id names one writer: refused, with a reason a person can act
    /// on, if it is the hub's own (now or before), another device's, or an
    /// origin this hub already holds operations of.
    public func bind(device name: String, to replica: ReplicaID) throws {
        try guarded {
            try database.transaction {
                guard try device(named: name) != nil else { throw StoreError.notFound("device '\(name)'") }
                if let owner = try statement("SELECT device FROM device_replicas WHERE replica = ?").first([.blob(replica.bytes)], { $0.text(0) }) {
                    guard owner == name else {
                        throw StoreError.invalid("replica \(replica.hex) belongs to device '\(owner)'", "each store syncs as its own device; enrol this one under a new name")
                    }
                    return
                }
                let hubReplicas = [self.replica] + (try previousReplicas())
                if hubReplicas.contains(replica) {
                    throw StoreError.invalid("replica \(replica.hex) is this hub's own", "a device cannot write as the hub; enrol it with a store of its own")
                }
                if try statement("SELECT 1 FROM ops WHERE origin = ? LIMIT 1").first([.blob(replica.bytes)], { _ in true }) != nil {
                    throw StoreError.invalid("the hub already holds operations that replica \(replica.hex) wrote, and it is not device '\(name)'", "a device cannot write as another; enrol it with a store of its own")
                }
                let now = Int64(wallClock())
                try statement("INSERT INTO device_replicas(replica, device, bound_ms) VALUES (?, ?, ?)").run([.blob(replica.bytes), .text(name), .integer(now)])
                try statement("UPDATE devices SET replica = NULL WHERE replica = ?").run([.blob(replica.bytes)])
                try statement("UPDATE devices SET replica = ? WHERE name = ?").run([.blob(replica.bytes), .text(name)])
            }
        }
    }

    /// Every replica id a device has synced as, oldest first.
    public func replicas(ofDevice name: String) throws -> [ReplicaID] {
        try guarded {
            try statement("SELECT replica FROM device_replicas WHERE device = ? ORDER BY bound_ms, replica")
                .query([.text(name)]) { ReplicaID(bytes: $0.blob(0)) }.compactMap { $0 }
        }
    }

    /// Notes a finished session: when, and how many operations it brought.
    public func recordSession(device name: String, operationsReceived: Int) throws {
        try guarded {
            try database.transaction {
                try statement("UPDATE devices SET last_seen_ms = ?, operations_received = operations_received + ? WHERE name = ?")
                    .run([.integer(Int64(wallClock())), .integer(Int64(operationsReceived)), .text(name)])
            }
        }
    }

    /// Locks a device out from its next connection.
    public func revoke(device name: String) throws {
        try guarded {
            try database.transaction {
                guard try device(named: name) != nil else { throw StoreError.notFound("device '\(name)'") }
                try statement("UPDATE devices SET revoked_ms = coalesce(revoked_ms, ?) WHERE name = ?").run([.integer(Int64(wallClock())), .text(name)])
            }
        }
    }

    // MARK: On a device

    public func hubLink() throws -> HubLink? {
        try guarded {
            guard case .text(let address)? = try meta("hub_address"), case .text(let device)? = try meta("hub_device"),
                  case .blob(let secret)? = try meta("hub_secret") else { return nil }
            return HubLink(address: address, device: device, secret: secret)
        }
    }

    /// Stores the hub link from an enrolment code, replacing any earlier one.
    public func setHubLink(_ link: HubLink) throws {
        try guarded {
            try database.transaction {
                try setMeta("hub_address", .text(link.address))
                try setMeta("hub_device", .text(link.device))
                try setMeta("hub_secret", .blob(link.secret))
                try setMeta("hub_acknowledged", .integer(0))
            }
        }
    }

    /// The highest seq of this replica's operations the hub has acknowledged.
    public func hubAcknowledged() throws -> UInt64 {
        try guarded {
            if case .integer(let seq)? = try meta("hub_acknowledged") { return UInt64(max(0, seq)) }
            return 0
        }
    }

    /// Records what a sync learnt: the hub holds this replica's operations up
    /// to `seq`; `completed` also notes the time of a finished sync.
    public func recordSync(acknowledged seq: UInt64, completed: Bool = true) throws {
        try guarded {
            try database.transaction {
                try setMeta("hub_acknowledged", .integer(Int64(clamping: seq)))
                if completed { try setMeta("last_sync_ms", .integer(Int64(wallClock()))) }
            }
        }
    }

    public func lastSyncMillis() throws -> UInt64? {
        try guarded {
            if case .integer(let ms)? = try meta("last_sync_ms") { return UInt64(ms) }
            return nil
        }
    }

    /// The ops written here that no hub has acknowledged yet.
    public func unacknowledged() throws -> Int {
        let held = try versionVector()[replica]
        let acknowledged = try hubAcknowledged()
        return Int(held > acknowledged ? held - acknowledged : 0)
    }
}
