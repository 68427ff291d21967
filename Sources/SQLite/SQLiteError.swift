import CSQLite

/// A failure reported by SQLite: its result code, its message and the SQL
/// that was running, if any.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: ResultCode
    public let message: String
    public let sql: String?

    public init(code: ResultCode, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        "SQLite error \(code.rawValue) (\(code.name)): \(message)"
    }

    /// A SQLite result code. A struct of constants rather than an exhaustive
    /// enum, so extended codes pass through unchanged.
    public struct ResultCode: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// The primary code (the low byte of an extended code).
        public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xff) }

        public static let error = ResultCode(rawValue: SQLITE_ERROR)
        public static let busy = ResultCode(rawValue: SQLITE_BUSY)
        public static let readOnly = ResultCode(rawValue: SQLITE_READONLY)
        public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
        public static let cantOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
        public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
        public static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)
        public static let full = ResultCode(rawValue: SQLITE_FULL)
        public static let ioError = ResultCode(rawValue: SQLITE_IOERR)

        /// SQLite's own English name for the code (`sqlite3_errstr`).
        public var name: String { String(cString: sqlite3_errstr(rawValue)) }
    }
}
