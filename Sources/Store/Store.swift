import CRDT
import Crypto
import Glibc
import SQLite
import SystemCalls

/// A fieldnotes store: one SQLite file holding a replica's operation log and
/// the state materialised from it. The only module that writes domain SQL.
///
/// Not `Sendable`: one owner at a time. Several processes may open the same
/// file; every write runs in a `BEGIN IMMEDIATE` transaction.
public final class Store {
    public let path: String
    /// This store's replica id: the origin of the operations it makes. It
    /// changes only when the store re-issues its operations after a fork
    /// (`Store+Forks.swift`).
    public internal(set) var replica: ReplicaID
    let database: Database
    private var statements: [Int: Statement] = [:]
    /// Text fields by record row, as this connection last built them
    /// (`Store+Text.swift`); checked against the log before each use.
    var texts: [Int64: TextField] = [:]
    /// Milliseconds since the Unix epoch; injected so tests can skew clocks.
    let wallClock: () -> UInt64

    /// Creates a new store at `path`, readable by its owner only (0600, as are
    /// its `-wal` and `-shm` files); refuses to touch an existing file.
    public static func create(at path: String, name: String, wallClock: @escaping () -> UInt64 = Store.systemMillis) throws -> Store {
        if access(path, F_OK) == 0 { throw StoreError.exists(path) }
        try createOwnerOnlyFile(at: path)
        let database: Database
        do {
            database = try Database(path: path, mode: .readWriteCreate)
            try Store.configure(database)
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA application_id = \(Schema.applicationID)")
            try Schema.migrate(database)
        } catch let error as SQLiteError {
            unlink(path)
            throw StoreError.unwritable(path, error.message)
        }
        guard let replica = ReplicaID(bytes: try SecureRandom.bytes(16)) else { throw SecureRandom.Failure() }
        let store = Store(path: path, database: database, replica: replica, wallClock: wallClock)
        try store.guarded {
            try database.transaction {
                try store.setMeta("replica", .blob(replica.bytes))
                try store.setMeta("name", .text(name))
                try store.setMeta("created_ms", .integer(Int64(wallClock())))
                try store.setMeta("clock", .integer(0))
            }
        }
        // The replica names itself with a record of type "device" whose id is
        // the replica id, so other replicas can say who wrote what once they sync.
        if let device = RecordID(bytes: replica.bytes) {
            try store.commit([.create(device, type: Store.deviceType), .assign(device, field: "name", value: .text(name))])
        }
        return store
    }

    /// Opens an existing store, migrating it forward if it is older; refuses
    /// files that are not fieldnotes stores and stores from a newer version.
    /// An erase whose purge of the files was left pending is finished first.
    ///
    /// A write waits for another process's transaction for as long as it
    /// takes; `whileWaiting` is called once, when a wait passes
    /// `Store.waitNoticeDelay`, to say so.
    public static func open(at path: String, wallClock: @escaping () -> UInt64 = Store.systemMillis,
                            whileWaiting: (() -> Void)? = nil) throws -> Store {
        guard !path.isEmpty, access(path, F_OK) == 0 else { throw StoreError.noStore(path.isEmpty ? "''" : path) }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { throw StoreError.notAStore(path, "a directory") }
        do {
            let database = try Database(path: path, mode: .readWrite)
            try configure(database, whileWaiting: whileWaiting)
            let application = try database.first("PRAGMA application_id") { $0.int64(0) } ?? 0
            let version = try database.userVersion
            guard application == Schema.applicationID else {
                throw StoreError.notAStore(path, application == 0 && version == 0 ? "an SQLite file with no fieldnotes schema" : "an SQLite file of another application")
            }
            guard version <= Schema.currentVersion else {
                throw StoreError.newerSchema(path, found: version, known: Schema.currentVersion)
            }
            try Schema.migrate(database)
            guard let bytes = try database.first("SELECT value FROM meta WHERE key = 'replica'", [], { $0.blob(0) }),
                  let replica = ReplicaID(bytes: bytes) else {
                throw StoreError.notAStore(path, "it has no replica id")
            }
            let store = Store(path: path, database: database, replica: replica, wallClock: wallClock)
            if try store.isPurgePending { store.finishPurge(waiting: Store.purgeWaitOnOpen) }
            return store
        } catch let error as SQLiteError {
            switch error.code.primary {
            case .notADatabase: throw StoreError.notAStore(path, "not an SQLite database")
            case .cantOpen, .readOnly: throw StoreError.unwritable(path, error.message)
            default: throw StoreError.sqlite(path, error)
            }
        }
    }

    private init(path: String, database: Database, replica: ReplicaID, wallClock: @escaping () -> UInt64) {
        self.path = path
        self.database = database
        self.replica = replica
        self.wallClock = wallClock
    }

    /// How long a write waits for another process's transaction before
    /// `Store.open`'s `whileWaiting` is called.
    public static let waitNoticeDelay: Duration = .seconds(2)

    /// How many pages the WAL may hold before a commit copies them into the
    /// database file (`wal_autocheckpoint`; SQLite's default is 1000). A sync
    /// batch of 1000 operations writes some 270 pages, most of them index
    /// pages the next batches write again: at 1000 every fourth commit paid a
    /// checkpoint (two more fsyncs) and copied those pages, at 4000 a
    /// checkpoint comes a quarter as often and copies each such page once
    /// for several batches. The WAL file may grow to some 16 MiB.
    static let walCheckpointPages = 4000

    /// Per-connection settings: durability on every commit, waiting for other
    /// writers, and zeroing deleted content so erased text leaves no trace.
    private static func configure(_ database: Database, whileWaiting: (() -> Void)? = nil) throws {
        database.waitForLocks(noticeAfter: waitNoticeDelay, notice: whileWaiting)
        try database.execute("""
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = ON;
            PRAGMA secure_delete = ON;
            PRAGMA cache_size = -32000;
            PRAGMA mmap_size = 268435456;
            PRAGMA wal_autocheckpoint = \(walCheckpointPages);
            """)
    }

    /// The wall clock stores stamp operations with unless a test injects
    /// another: `WallClock.nowMillis()`, milliseconds since the Unix epoch.
    public static func systemMillis() -> UInt64 { WallClock.nowMillis() }

    // MARK: Plumbing

    /// Limits this connection's memory: a page cache of `cacheKibibytes`
    /// (stores open with 32 MiB) and no memory-mapped reads (every connection's
    /// map would count the file's pages again). A hub serving many sessions
    /// at once keeps each one small.
    /// How long an erase applied through this connection waits for readers
    /// before leaving the wiping of the files to the next opening. A hub,
    /// which applies under its single write lock, sets it to zero.
    public var purgeWaitAfterErase: Duration = Store.purgeWaitAfterErase

    public func limitMemory(cacheKibibytes: Int) throws {
        try guarded { try database.execute("PRAGMA cache_size = -\(max(64, cacheKibibytes)); PRAGMA mmap_size = 0;") }
    }

    /// A prepared statement for fixed SQL, prepared once per connection and
    /// found again by the literal's address (no hashing of the text per call).
    func statement(_ sql: StaticString) throws -> Statement {
        let key = Int(bitPattern: sql.utf8Start)
        if let cached = statements[key] { return cached }
        let prepared = try database.prepare(sql.description)
        statements[key] = prepared
        return prepared
    }

    /// Turns SQLite failures into errors a person can act on.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError {
            throw StoreError.sqlite(path, error)
        }
    }

    func meta(_ key: String) throws -> SQLValue? {
        try statement("SELECT value FROM meta WHERE key = ?").first([.text(key)]) { $0.value(0) }
    }

    func setMeta(_ key: String, _ value: SQLValue) throws {
        try statement("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .run([.text(key), value])
    }

    /// The record type that names a replica; its id is the replica id's bytes.
    public static let deviceType = "device"

    public var name: String {
        get throws {
            try guarded {
                if case .text(let name) = try meta("name") { return name }
                return ""
            }
        }
    }

    /// A new random record id.
    public static func newRecordID() throws -> RecordID {
        guard let id = RecordID(bytes: try SecureRandom.bytes(16)) else { throw SecureRandom.Failure() }
        return id
    }
}

@available(*, unavailable)
extension Store: Sendable {}
