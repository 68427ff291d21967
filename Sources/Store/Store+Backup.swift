import CRDT
import Glibc
import SystemCalls
import SQLite

/// A backup written by `Store.backup(to:replacing:)`.
public struct BackupReport: Sendable {
    public let path: String
    /// The size of the backup file.
    public let bytes: Int
}

extension Store {
    /// Writes a consistent copy of this store to `path` while other
    /// processes (a serving hub, a sync) go on writing: SQLite's online
    /// backup API copies the store as of one commit into a temporary file
    /// beside `path` (mode 0600), which is checked (`PRAGMA integrity_check`),
    /// flushed and renamed into place (`OwnerOnlyFile`). An existing `path`
    /// is refused unless `replacing`. The backup is a single file in rollback
    /// journal mode, with no `-wal` beside it. Records the time in this store
    /// (`lastBackupMillis`). Refused, whether `path` exists or not and even
    /// when `replacing`, if `path` or the key file the caller writes beside
    /// it (`keyFilePath(forStore:)`) is one of this store's own files (`ownFile`).
    public func backup(to path: String, replacing: Bool) throws -> BackupReport {
        for target in [path, Store.keyFilePath(forStore: path)] {
            if let what = Store.ownFile(target, ofStore: self.path) {
                throw StoreError.invalid(target == path ? "\(path) is \(what)" : "the backup's key file \(target) would be \(what)",
                                         "choose another FILE for the backup; nothing was written")
            }
        }
        if !replacing, access(path, F_OK) == 0 {
            throw StoreError.exists(path, hint: "it was left untouched; choose another file, or add --force to replace it")
        }
        let temporary = OwnerOnlyFile.temporaryPath(beside: path)
        unlink(temporary)
        try Store.createOwnerOnlyFile(at: temporary)
        do {
            try guarded { try Store.copy(from: database, toNewFile: temporary, journalMode: "DELETE") }
            try OwnerOnlyFile.commit(temporary, to: path, replacing: replacing)
        } catch {
            unlink(temporary)
            unlink(temporary + "-journal")
            throw error
        }
        try guarded { try database.transaction { try setMeta("last_backup_ms", .integer(Int64(clamping: wallClock()))) } }
        var info = stat()
        return BackupReport(path: path, bytes: stat(path, &info) == 0 ? Int(info.st_size) : 0)
    }

    /// When `backup(to:replacing:)` last wrote a backup of this store, if ever.
    public func lastBackupMillis() throws -> UInt64? {
        try guarded {
            if case .integer(let ms)? = try meta("last_backup_ms") { return UInt64(max(0, ms)) }
            return nil
        }
    }

    /// When `restore(from:to:)` last put a backup in place of this store, if ever.
    public func restoredMillis() throws -> UInt64? {
        try guarded {
            if case .integer(let ms)? = try meta("restored_ms") { return UInt64(max(0, ms)) }
            return nil
        }
    }

    /// The replica id `restore(from:to:takingFreshReplica:)` left behind, if any.
    public func restoredReplica() throws -> ReplicaID? {
        try guarded {
            guard case .blob(let bytes)? = try meta("restored_replica") else { return nil }
            return ReplicaID(bytes: bytes)
        }
    }

    /// What a backup holds, as `checkBackup` found it.
    public struct BackupContents: Sendable {
        /// The replica id of the store it copies.
        public let replica: ReplicaID?
        /// The operations it holds.
        public let vector: VersionVector
        /// Whether it is a hub's store (it has enrolled devices): `hub restore` puts it back, not a laptop's restore.
        public let isHub: Bool

        /// How many of the operations `held` counts the backup lacks: what
        /// restoring it over a store holding them takes away.
        public func lacks(_ held: VersionVector) -> UInt64 {
            held.entries.reduce(0) { $0 + ($1.value > vector[$1.key] ? $1.value - vector[$1.key] : 0) }
        }
    }

    /// Checks that `backupPath` is a backup `restore` can use (a fieldnotes
    /// store of a schema this version knows, passing `PRAGMA
    /// integrity_check`) and says whose it is and what it holds.
    public static func checkBackup(_ backupPath: String) throws -> BackupContents {
        let source = try openBackup(backupPath)
        do {
            var entries: [ReplicaID: UInt64] = [:]
            if try source.first("SELECT 1 FROM sqlite_master WHERE name = 'vector'", [], { _ in true }) == true {
                for (origin, seq) in try source.query("SELECT origin, seq FROM vector", [], { (ReplicaID(bytes: $0.blob(0)), UInt64($0.int64(1))) }) {
                    if let origin { entries[origin] = seq }
                }
            }
            let replica = try source.first("SELECT value FROM meta WHERE key = 'replica'") { ReplicaID(bytes: $0.blob(0)) } ?? nil
            let devices = try source.first("SELECT 1 FROM sqlite_master WHERE name = 'devices'", [], { _ in true }) == true
                ? try source.first("SELECT count(*) FROM devices", [], { $0.int64(0) }) ?? 0 : 0
            return BackupContents(replica: replica, vector: VersionVector(entries), isHub: devices > 0)
        } catch let error as SQLiteError {
            throw StoreError.invalid("cannot read the backup \(backupPath) (\(error.message))", "name the file 'fieldnotes backup' or 'fieldnotes hub backup' wrote; nothing was changed")
        }
    }

    /// The backup opened read-only, checked as `checkBackup` describes.
    private static func openBackup(_ backupPath: String) throws -> Database {
        guard access(backupPath, R_OK) == 0 else {
            throw StoreError.invalid("cannot read the backup \(backupPath) (\(Errno.current))", "check the path; nothing was changed")
        }
        var info = stat()
        if stat(backupPath, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw StoreError.invalid("the backup \(backupPath) is a directory", "name the file 'fieldnotes backup' or 'fieldnotes hub backup' wrote; nothing was changed")
        }
        do {
            let source = try Database(path: backupPath, mode: .readOnly)
            let application = try source.first("PRAGMA application_id") { $0.int64(0) } ?? 0
            guard application == Schema.applicationID else {
                throw StoreError.invalid("\(backupPath) is not a fieldnotes backup", "name the file 'fieldnotes backup' or 'fieldnotes hub backup' wrote; nothing was changed")
            }
            let version = try source.userVersion
            guard version <= Schema.currentVersion else { throw StoreError.newerSchema(backupPath, found: version, known: Schema.currentVersion) }
            if let problems = try source.integrityProblems() {
                throw StoreError.invalid("the backup \(backupPath) is damaged (\(problems.split(separator: "\n").first ?? ""))", "use an older backup; nothing was changed")
            }
            return source
        } catch let error as SQLiteError {
            throw StoreError.invalid("cannot read the backup \(backupPath) (\(error.message))", "name the file 'fieldnotes backup' or 'fieldnotes hub backup' wrote; nothing was changed")
        }
    }

    /// Puts the backup at `backupPath` in place of the store at `path`, or
    /// makes the store there from it, and returns the store opened.
    ///
    /// The backup is checked first (a fieldnotes store of a schema this
    /// version knows, passing `PRAGMA integrity_check`); nothing is changed
    /// if it fails. An existing store is overwritten through SQLite's backup
    /// API in one write transaction, so a crash leaves it whole, old or new,
    /// and its `-wal` file cannot be replayed onto the restored pages. The
    /// caller makes sure no other process uses the store meanwhile (a hub
    /// must be stopped). The time is recorded (`restoredMillis`), so a hub
    /// knows it was restored, and the backup's own time as the last backup
    /// (the copy cannot know it was taken).
    ///
    /// With `takingFreshReplica` (a hub), the restored store then writes
    /// under a fresh replica id, moving nothing, so no change it makes can
    /// reuse a seq of its old id that a device already holds with other
    /// content; the old id is recorded (`restoredReplica`), for taking back
    /// from devices that id's changes the backup lacked.
    public static func restore(from backupPath: String, to path: String, takingFreshReplica: Bool,
                               wallClock: @escaping () -> UInt64 = Store.systemMillis) throws -> Store {
        let source = try openBackup(backupPath)
        var backupInfo = stat()
        let backupWritten = stat(backupPath, &backupInfo) == 0 ? Int64(backupInfo.st_mtim.tv_sec) * 1000 + Int64(backupInfo.st_mtim.tv_nsec / 1_000_000) : nil
        do {
            if access(path, F_OK) == 0 {
                let destination = try Database(path: path, mode: .readWrite)
                destination.waitForLocks()
                try source.backup(into: destination)
            } else {
                let temporary = OwnerOnlyFile.temporaryPath(beside: path)
                unlink(temporary)
                try createOwnerOnlyFile(at: temporary)
                do {
                    try copy(from: source, toNewFile: temporary, journalMode: "WAL")
                    try OwnerOnlyFile.commit(temporary, to: path, replacing: false)
                } catch {
                    unlink(temporary)
                    throw error
                }
            }
        } catch let error as SQLiteError {
            throw StoreError.sqlite(path, error)
        }
        let store = try open(at: path, wallClock: wallClock)
        let previous = store.replica
        if takingFreshReplica {
            try store.reissueOwnOperations(of: previous, from: try store.versionVector()[previous] + 1)
            try store.nameReplicaIfNew()
        }
        try store.guarded {
            try store.database.transaction {
                try store.setMeta("restored_ms", .integer(Int64(clamping: wallClock())))
                if takingFreshReplica { try store.setMeta("restored_replica", .blob(previous.bytes)) }
                // The backup is one: its copy does not know it was taken (the store it copied recorded that after).
                if let backupWritten, try store.lastBackupMillis().map({ Int64(clamping: $0) < backupWritten }) ?? true {
                    try store.setMeta("last_backup_ms", .integer(backupWritten))
                }
            }
        }
        return store
    }

    /// Copies `source` into the new, empty file `path` (made by
    /// `createOwnerOnlyFile`), leaves it in `journalMode`, and checks it.
    private static func copy(from source: Database, toNewFile path: String, journalMode: String) throws {
        let destination = try Database(path: path, mode: .readWrite)
        destination.waitForLocks()
        try source.backup(into: destination)
        try destination.execute("PRAGMA journal_mode = \(journalMode)")
        if let problems = try destination.integrityProblems() {
            throw StoreError.invalid("the copy at \(path) failed its integrity check (\(problems.split(separator: "\n").first ?? ""))",
                                     "the store itself may be damaged: run 'PRAGMA integrity_check' on it with sqlite3")
        }
    }
}
