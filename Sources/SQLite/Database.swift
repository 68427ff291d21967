import CSQLite
import SystemCalls

/// One SQLite connection (`sqlite3_open_v2`). Owns the `sqlite3*` handle and
/// closes it in `deinit`; not `Sendable`: one owner uses it at a time.
public final class Database {
    let handle: OpaquePointer
    public let path: String

    public enum Mode: Sendable { case readWrite, readWriteCreate, readOnly }

    public init(path: String, mode: Mode = .readWrite) throws {
        var handle: OpaquePointer?
        let flags: Int32
        switch mode {
        case .readWrite: flags = SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags = SQLITE_OPEN_READONLY
        }
        let result = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        guard let handle else { throw SQLiteError(code: .init(rawValue: result), message: "cannot allocate a connection") }
        guard result == SQLITE_OK else {
            // "Whether or not an error occurs when it is opened, resources associated
            // with the database connection handle should be released by passing it
            // to sqlite3_close() when it is no longer required."
            let error = SQLiteError(code: .init(rawValue: result), message: String(cString: sqlite3_errmsg(handle)))
            sqlite3_close_v2(handle)
            throw error
        }
        self.handle = handle
        self.path = path
    }

    deinit {
        sqlite3_close_v2(handle)
        // Only now: SQLite holds an unretained pointer to it until the handle is closed.
        lockWait?.release()
    }

    /// What the busy handler reads; retained by us while SQLite points at it.
    private var lockWait: Unmanaged<LockWait>?

    /// Makes this connection wait for other connections' locks for as long as
    /// it takes, instead of failing with SQLITE_BUSY (`sqlite3_busy_handler`).
    /// It sleeps between tries, 1 ms at first and growing to 100 ms, and calls
    /// `notice` once in the connection's life, the first time a wait passes
    /// `noticeAfter`, so a person can be told what the command is waiting for.
    /// A signal such as SIGINT still ends the process while it sleeps.
    ///
    /// "The presence of a busy handler does not guarantee that it will be
    /// invoked when there is lock contention": SQLite skips it where waiting
    /// could deadlock. `BEGIN IMMEDIATE` (see `transaction`) is not such a case.
    public func waitForLocks(noticeAfter: Duration = .seconds(2), notice: (() -> Void)? = nil) {
        let wait = LockWait(noticeAfter: noticeAfter, notice: notice)
        let retained = Unmanaged.passRetained(wait)
        sqlite3_busy_handler(handle, { context, attempt in
            guard let context else { return 0 }
            return Unmanaged<LockWait>.fromOpaque(context).takeUnretainedValue().retry(attempt: attempt) ? 1 : 0
        }, retained.toOpaque())
        lockWait?.release()
        lockWait = retained
    }

    /// Runs `body` with waits for locks cut short at `limit` from now: a call
    /// still blocked then fails with SQLITE_BUSY. For work that may be left for
    /// later, such as a checkpoint that must wait for every reader to finish.
    /// Without `waitForLocks` there is no waiting at all.
    public func withLockWaitLimit<T>(_ limit: Duration, _ body: () throws -> T) rethrows -> T {
        guard let wait = lockWait?.takeUnretainedValue() else { return try body() }
        let outer = wait.deadline
        let (deadline, overflow) = LockWait.now().addingReportingOverflow(limit.nanoseconds)
        wait.deadline = overflow ? .max : deadline
        defer { wait.deadline = outer }
        return try body()
    }

    func error(_ code: Int32, sql: String? = nil) -> SQLiteError {
        SQLiteError(code: .init(rawValue: code), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements that take no parameters (`sqlite3_exec`).
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(handle, sql, nil, nil, &message)
        guard result == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_free(message)
            throw SQLiteError(code: .init(rawValue: result), message: text, sql: sql)
        }
    }

    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// Runs a statement with parameters and no result rows.
    public func run(_ sql: String, _ values: [SQLValue] = []) throws {
        let statement = try prepare(sql)
        try statement.run(values)
    }

    /// The rows of a query, each read by `read`.
    public func query<T>(_ sql: String, _ values: [SQLValue] = [], _ read: (Row) throws -> T) throws -> [T] {
        try prepare(sql).query(values, read)
    }

    /// The first row of a query, if any.
    public func first<T>(_ sql: String, _ values: [SQLValue] = [], _ read: (Row) throws -> T) throws -> T? {
        try prepare(sql).first(values, read)
    }

    /// Whether a transaction is open on this connection (`sqlite3_get_autocommit`):
    /// another connection does not see what it has written until it commits.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Rows changed by the last INSERT, UPDATE or DELETE (`sqlite3_changes64`).
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, taking the write lock
    /// up front so that two writers never deadlock on a lock upgrade; any
    /// error thrown rolls the whole transaction back and is rethrown.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// `PRAGMA user_version`, the schema version.
    public var userVersion: Int64 {
        get throws { try first("PRAGMA user_version") { $0.int64(0) } ?? 0 }
    }

    public func setUserVersion(_ version: Int64) throws {
        try execute("PRAGMA user_version = \(version)")
    }

    /// Copies the WAL into the database and truncates the WAL file to zero bytes
    /// (`sqlite3_wal_checkpoint_v2` with SQLITE_CHECKPOINT_TRUNCATE).
    public func checkpointTruncate() throws {
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &checkpointed)
        guard result == SQLITE_OK else { throw error(result, sql: "checkpoint") }
    }
}

@available(*, unavailable)
extension Database: Sendable {}

/// The state of a connection's busy handler. SQLite calls it on the thread
/// that made the blocked call, so it has one user at a time, like its `Database`.
private final class LockWait {
    let noticeAfter: Int64
    let notice: (() -> Void)?
    /// Set by `withLockWaitLimit`: give up at this instant (nanoseconds on `MonotonicClock`).
    var deadline: Int64?
    private var started = LockWait.now()
    private var noticed = false

    init(noticeAfter: Duration, notice: (() -> Void)?) {
        self.noticeAfter = noticeAfter.nanoseconds
        self.notice = notice
    }

    /// Sleeps and returns true to have SQLite try the lock again, or returns
    /// false to give up. `attempt` counts the calls "for the same locking event",
    /// so 0 starts a new wait.
    func retry(attempt: Int32) -> Bool {
        let now = LockWait.now()
        if attempt == 0 { started = now }
        var pause = Self.pauses[min(Int(max(attempt, 0)), Self.pauses.count - 1)] * 1_000_000
        if let deadline {
            guard now < deadline else { return false }
            pause = min(pause, deadline - now)
        } else if !noticed, now - started >= noticeAfter, let notice {
            noticed = true
            notice()
        }
        sqlite3_sleep(Int32(clamping: max(1, pause / 1_000_000)))
        return true
    }

    /// Now on `MonotonicClock`, in nanoseconds.
    static func now() -> Int64 { Int64(clamping: MonotonicClock.nowNanoseconds()) }

    /// Milliseconds to sleep before each try, as SQLite's own busy timeout does.
    private static let pauses: [Int64] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]
}

extension Duration {
    /// The whole nanoseconds in this duration, saturating at `Int64`'s bounds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !overflow, !overflowAgain else { return seconds < 0 ? .min : .max }
        return total
    }
}
