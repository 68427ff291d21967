import CRDT
import SQLite

/// A device enrolled on a hub: its name, the fingerprint of its key once it
/// has enrolled, and while it has not, the hash of its one-time token.
public struct DeviceEntry: Sendable, Equatable {
    public let name: String
    /// SHA-256 of the device's certificate (DER), recorded at enrolment.
    public let keyFingerprint: [UInt8]?
    /// SHA-256 of the one-time enrolment token, while a code is outstanding or used.
    public let tokenHash: [UInt8]?
    public let tokenExpiresMillis: UInt64?
    public let tokenUsedMillis: UInt64?
    /// The replica id the device last synced as; nil until its first sync.
    public let replica: ReplicaID?
    public let enrolledMillis: UInt64
    public let lastSeenMillis: UInt64?
    public let operationsReceived: Int
    public let revokedMillis: UInt64?

    public var isRevoked: Bool { revokedMillis != nil }
    /// An enrolment code was issued and not used yet.
    public var isPending: Bool { keyFingerprint == nil && tokenHash != nil && tokenUsedMillis == nil }
    /// Enrolled under sync protocol version 1 (a shared secret, now dropped): needs a new code.
    public var needsNewCode: Bool { keyFingerprint == nil && tokenHash == nil }
}

/// What a device knows about its hub: where it is, its name there, and the
/// fingerprint of the hub's key, pinned from the enrolment code.
public struct HubLink: Sendable, Equatable {
    public let address: String
    public let device: String
    public let hubFingerprint: [UInt8]

    public init(address: String, device: String, hubFingerprint: [UInt8]) {
        self.address = address
        self.device = device
        self.hubFingerprint = hubFingerprint
    }
}

/// Why a hub refuses an enrolment token; each says what to do.
public enum EnrolmentRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownDevice(String)
    case revoked(String)
    case alreadyEnrolled(String)
    case used(String)
    case expired(String)
    case wrongToken(String)
    case keyTaken(String)

    public var description: String {
        switch self {
        case .unknownDevice(let name): return "no device named '\(name)' is enrolled on this hub; ask its administrator for a code"
        case .revoked(let name): return "device '\(name)' was revoked; ask the hub's administrator for a new code"
        case .alreadyEnrolled(let name): return "device '\(name)' has already enrolled with another key; ask for a new code ('fieldnotes hub enroll \(name) --replace')"
        case .used(let name): return "this enrolment code for '\(name)' was already used; each code works once: ask for a new one"
        case .expired(let name): return "this enrolment code for '\(name)' has expired; ask for a new one"
        case .wrongToken(let name): return "this is not the code the hub issued for '\(name)' (or a newer one replaced it); ask for a new one"
        case .keyTaken(let name): return "this laptop's key is already enrolled as another device than '\(name)'; each store enrols as one device"
        }
    }
}

extension Store {
    // MARK: On a hub

    /// Issues a one-time enrolment token for `name`, storing only its hash
    /// and expiry. A new name is enrolled; a name with an outstanding or
    /// version-1 code gets a new one (the old stops working); a name whose
    /// device already enrolled a key needs `replacing` (a lost or new laptop:
    /// the old key stops working at once).
    public func enroll(device name: String, tokenHash: [UInt8], expiresMillis: UInt64, replacing: Bool = false) throws {
        guard Store.isDeviceName(name) else {
            throw StoreError.invalid("'\(name)' is not a device name", "use 1-\(Limits.deviceName.bytes) letters, digits, '.', '_' or '-'")
        }
        try guarded {
            try database.transaction {
                let now = Int64(wallClock())
                if let existing = try device(named: name) {
                    if existing.keyFingerprint != nil && !replacing {
                        throw StoreError.invalid("device '\(name)' has already enrolled its key",
                                                 "to move it to a new laptop or key, run 'fieldnotes hub enroll \(name) --replace' (the old key stops working); or choose another name")
                    }
                    try statement("""
                        UPDATE devices SET key_fingerprint = NULL, token_hash = ?, token_expires_ms = ?, token_used_ms = NULL, revoked_ms = NULL
                        WHERE name = ?
                        """).run([.blob(tokenHash), .integer(Int64(clamping: expiresMillis)), .text(name)])
                    return
                }
                try statement("INSERT INTO devices(name, token_hash, token_expires_ms, enrolled_ms) VALUES (?, ?, ?, ?)")
                    .run([.text(name), .blob(tokenHash), .integer(Int64(clamping: expiresMillis)), .integer(now)])
            }
        }
    }

    /// Redeems a device's one-time token: records `keyFingerprint` as the
    /// device's key and burns the token, in one transaction; refuses a used,
    /// expired or wrong token, a revoked device, or a key already enrolled
    /// as another device.
    public func redeemEnrolment(device name: String, tokenHash: [UInt8], keyFingerprint: [UInt8]) throws {
        try guarded {
            try database.transaction {
                guard let entry = try device(named: name) else { throw EnrolmentRefusal.unknownDevice(name) }
                guard !entry.isRevoked else { throw EnrolmentRefusal.revoked(name) }
                guard entry.keyFingerprint == nil else {
                    if entry.keyFingerprint == keyFingerprint { return }
                    throw EnrolmentRefusal.alreadyEnrolled(name)
                }
                guard let stored = entry.tokenHash, Store.constantTimeEqual(stored, tokenHash) else { throw EnrolmentRefusal.wrongToken(name) }
                guard entry.tokenUsedMillis == nil else { throw EnrolmentRefusal.used(name) }
                let now = wallClock()
                guard let expires = entry.tokenExpiresMillis, now <= expires else { throw EnrolmentRefusal.expired(name) }
                if let other = try statement("SELECT name FROM devices WHERE key_fingerprint = ?").first([.blob(keyFingerprint)], { $0.text(0) }),
                   other != name {
                    throw EnrolmentRefusal.keyTaken(name)
                }
                try statement("UPDATE devices SET key_fingerprint = ?, token_used_ms = ? WHERE name = ?")
                    .run([.blob(keyFingerprint), .integer(Int64(clamping: now)), .text(name)])
            }
        }
    }

    /// Whether a presented key fingerprint is the enrolled one (in constant time).
    public static func keyMatches(_ enrolled: [UInt8], _ presented: [UInt8]) -> Bool {
        constantTimeEqual(enrolled, presented)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public static func isDeviceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= Limits.deviceName.bytes
            && name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    public func device(named name: String) throws -> DeviceEntry? {
        try guarded {
            try statement("SELECT name, key_fingerprint, token_hash, token_expires_ms, token_used_ms, replica, enrolled_ms, last_seen_ms, operations_received, revoked_ms FROM devices WHERE name = ?").first([.text(name)], Store.readDevice)
        }
    }

    public func devices() throws -> [DeviceEntry] {
        try guarded {
            try statement("SELECT name, key_fingerprint, token_hash, token_expires_ms, token_used_ms, replica, enrolled_ms, last_seen_ms, operations_received, revoked_ms FROM devices ORDER BY name").query([], Store.readDevice)
        }
    }

    private static func readDevice(_ row: Row) -> DeviceEntry {
        func millis(_ column: Int32) -> UInt64? { row.isNull(column) ? nil : UInt64(max(0, row.int64(column))) }
        return DeviceEntry(name: row.text(0), keyFingerprint: row.isNull(1) ? nil : row.blob(1), tokenHash: row.isNull(2) ? nil : row.blob(2),
                           tokenExpiresMillis: millis(3), tokenUsedMillis: millis(4), replica: row.isNull(5) ? nil : ReplicaID(bytes: row.blob(5)),
                           enrolledMillis: millis(6) ?? 0, lastSeenMillis: millis(7), operationsReceived: Int(row.int64(8)), revokedMillis: millis(9))
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
                guard try device(named: name) != nil else { throw StoreError.invalid("no device named '\(name)' is enrolled on this hub", "run 'fieldnotes hub devices' to see the names") }
                if let owner = try statement("SELECT device FROM device_replicas WHERE replica = ?").first([.blob(replica.bytes)], { $0.text(0) }) {
                    guard owner == name else {
                        throw StoreError.invalid("this store writes as replica \(replica.hex), which belongs to device '\(owner)': it is a copy of that device's store",
                                                 "sync it as '\(owner)', or start a store of its own with 'fieldnotes init' (then import its notes) and enrol that")
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

    /// On a hub, the enrolled device each replica id synced as: who wrote
    /// what that id wrote, as the hub knows it (not as a store names itself).
    public func enrolledDevices() throws -> [ReplicaID: String] {
        try guarded {
            var devices: [ReplicaID: String] = [:]
            try statement("SELECT replica, device FROM device_replicas").forEach { row in
                if let replica = ReplicaID(bytes: row.blob(0)) { devices[replica] = row.text(1) }
                return true
            }
            return devices
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
                guard try device(named: name) != nil else { throw StoreError.invalid("no device named '\(name)' is enrolled on this hub", "run 'fieldnotes hub devices' to see the names") }
                try statement("UPDATE devices SET revoked_ms = coalesce(revoked_ms, ?) WHERE name = ?").run([.integer(Int64(wallClock())), .text(name)])
            }
        }
    }

    /// The names of revoked devices, for a hub to close their open sessions.
    public func revokedDeviceNames() throws -> Set<String> {
        try guarded { Set(try statement("SELECT name FROM devices WHERE revoked_ms IS NOT NULL").query([]) { $0.text(0) }) }
    }

    // MARK: On a device

    public func hubLink() throws -> HubLink? {
        try guarded {
            guard case .text(let address)? = try meta("hub_address"), case .text(let device)? = try meta("hub_device"),
                  case .blob(let fingerprint)? = try meta("hub_fingerprint") else { return nil }
            return HubLink(address: address, device: device, hubFingerprint: fingerprint)
        }
    }

    /// Whether this store joined a hub under sync protocol version 1 and has
    /// not joined again since: it must ask for a new enrolment code.
    public func joinedUnderVersion1() throws -> Bool {
        try guarded { try meta("hub_enrolled_v1") != nil && meta("hub_fingerprint") == nil }
    }

    /// Stores the hub link from an enrolment code once the hub accepted the
    /// enrolment, replacing any earlier one. Nothing secret is stored: the
    /// device's key is in its own file, and the token is spent.
    public func setHubLink(_ link: HubLink) throws {
        try guarded {
            try database.transaction {
                try setMeta("hub_address", .text(link.address))
                try setMeta("hub_device", .text(link.device))
                try setMeta("hub_fingerprint", .blob(link.hubFingerprint))
                try statement("DELETE FROM meta WHERE key = 'hub_enrolled_v1'").run()
                // State nothing of our own at the next sync: the hub sends back
                // whatever of ours it holds, and the store compares (a fork shows).
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
