import CSQLite

/// A value bound to a statement parameter.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A prepared statement (`sqlite3_prepare_v2`), finalized in `deinit`.
/// Not `Sendable`; it belongs to its database's owner.
public final class Statement {
    private let handle: OpaquePointer
    private let database: Database
    public let sql: String
    /// How many parameters the SQL names (`sqlite3_bind_parameter_count`).
    private let parameterCount: Int

    init(database: Database, sql: String) throws {
        var handle: OpaquePointer?
        let result = sqlite3_prepare_v2(database.handle, sql, -1, &handle, nil)
        guard result == SQLITE_OK, let handle else { throw database.error(result, sql: sql) }
        self.handle = handle
        self.database = database
        self.sql = sql
        self.parameterCount = Int(sqlite3_bind_parameter_count(handle))
    }

    deinit { sqlite3_finalize(handle) }

    private func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        // A parameter given no value binds NULL; when every one is given a
        // value, clearing them first is a wasted pass (this runs per row applied).
        if values.count < parameterCount { sqlite3_clear_bindings(handle) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            var result: Int32 = SQLITE_OK
            switch value {
            case .null: result = sqlite3_bind_null(handle, index)
            case .integer(let int): result = sqlite3_bind_int64(handle, index, int)
            case .real(let double): result = sqlite3_bind_double(handle, index, double)
            case .text(let string):
                let length = Int32(string.utf8.count)
                string.withCString { chars in
                    fieldnotes_sqlite3_bind_text_transient(handle, index, chars, length, &result)
                }
            case .blob(let bytes):
                bytes.withUnsafeBytes { raw in
                    // A zero-length blob still needs a non-null pointer to bind as a blob, not NULL.
                    let empty: [UInt8] = [0]
                    empty.withUnsafeBytes { fallback in
                        fieldnotes_sqlite3_bind_blob_transient(handle, index, raw.baseAddress ?? fallback.baseAddress, Int32(raw.count), &result)
                    }
                }
            }
            guard result == SQLITE_OK else { throw database.error(result, sql: sql) }
        }
    }

    /// Steps once: true while a row is available.
    private func step() throws -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(result, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    public func run(_ values: [SQLValue] = []) throws {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    public func query<T>(_ values: [SQLValue] = [], _ read: (Row) throws -> T) throws -> [T] {
        try bind(values)
        defer { sqlite3_reset(handle) }
        var rows: [T] = []
        let row = Row(handle: handle)
        while try step() { rows.append(try read(row)) }
        return rows
    }

    /// Calls `body` for each row without collecting them; `body` returns false to stop.
    public func forEach(_ values: [SQLValue] = [], _ body: (Row) throws -> Bool) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        let row = Row(handle: handle)
        while try step() {
            if try !body(row) { break }
        }
    }

    public func first<T>(_ values: [SQLValue] = [], _ read: (Row) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        return try step() ? try read(Row(handle: handle)) : nil
    }
}

@available(*, unavailable)
extension Statement: Sendable {}

/// The current row of a stepping statement; valid only inside the read closure.
public struct Row {
    fileprivate let handle: OpaquePointer

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// A 16-byte blob as two big-endian halves, read in place (no array made):
    /// how 128-bit ids are stored. Nil for any other length or storage class.
    public func uint128(_ column: Int32) -> (high: UInt64, low: UInt64)? {
        guard sqlite3_column_type(handle, column) == SQLITE_BLOB, sqlite3_column_bytes(handle, column) == 16,
              let pointer = sqlite3_column_blob(handle, column) else { return nil }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: 16)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(bytes[index])
            low = low << 8 | UInt64(bytes[index + 8])
        }
        return (high, low)
    }

    /// The column's length in bytes (as text, for a text column).
    public func byteCount(_ column: Int32) -> Int { Int(sqlite3_column_bytes(handle, column)) }

    /// Whether the column's text is exactly `text`, compared in place: a
    /// reader of many rows that repeat a few names keeps one string per name.
    public func text(_ column: Int32, equals text: String) -> Bool {
        // sqlite3_column_text first, then sqlite3_column_bytes: the order SQLite's
        // documentation gives, so the count is of the text as converted.
        guard let pointer = sqlite3_column_text(handle, column) else { return text.isEmpty }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count == text.utf8.count else { return false }
        return UnsafeBufferPointer(start: pointer, count: count).elementsEqual(text.utf8)
    }

    /// The column as a typed value, whatever its storage class.
    public func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_TEXT: return .text(text(column))
        case SQLITE_BLOB: return .blob(blob(column))
        default: return .null
        }
    }
}
