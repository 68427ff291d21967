import SQLite

/// This replica's own changes that no hub has acknowledged yet.
public struct UnsyncedChanges: Sendable, Equatable {
    public let changes: Int
    /// How many records those changes touch.
    public let records: Int
    /// The wall-clock time (ms since the Unix epoch) of the oldest, from its
    /// hybrid logical clock; nil when there are none.
    public let oldestMillis: UInt64?
}

/// What `doctor` and `hub status` read about a store beyond its records.
extension Store {
    /// The schema version of this store (`PRAGMA user_version`) and the
    /// newest this fieldnotes knows; `open` has migrated it, so they match.
    public func schemaVersion() throws -> (store: Int64, known: Int64) {
        try guarded { (try database.userVersion, Schema.currentVersion) }
    }

    /// Records how far this device's clock was behind (positive) or ahead of
    /// (negative) the hub's at the sync that just finished.
    public func recordClockSkew(_ millis: Int64) throws {
        try guarded { try database.transaction { try setMeta("last_sync_skew_ms", .integer(millis)) } }
    }

    /// The clock skew `recordClockSkew` recorded at the last sync, if any.
    public func lastClockSkewMillis() throws -> Int64? {
        try guarded {
            if case .integer(let ms)? = try meta("last_sync_skew_ms") { return ms }
            return nil
        }
    }

    /// The changes written here that the hub has not acknowledged.
    public func unsyncedChanges() throws -> UnsyncedChanges {
        let acknowledged = try hubAcknowledged()
        return try guarded {
            try statement("SELECT count(*), count(DISTINCT record), min(ts) FROM ops WHERE origin = ? AND seq > ?")
                .first([.blob(replica.bytes), .integer(Int64(clamping: acknowledged))]) { row in
                    UnsyncedChanges(changes: Int(row.int64(0)), records: Int(row.int64(1)),
                                    oldestMillis: row.isNull(2) ? nil : UInt64(bitPattern: row.int64(2)) >> 16)
                } ?? UnsyncedChanges(changes: 0, records: 0, oldestMillis: nil)
        }
    }
}
