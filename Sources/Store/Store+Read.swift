import CRDT
import Crypto
import Formats
import SQLite

/// Which records `list` returns.
public struct RecordFilter: Sendable {
    public var type: String
    /// Field name → the shown value it must have.
    public var fields: [String: Value] = [:]
    /// Set name → an element it must contain.
    public var elements: [String: Value] = [:]
    /// A field whose shown text must fall in `range` (ISO 8601 UTC strings compare in time order).
    public var rangeField: String?
    public var from: String?
    public var before: String?
    public var includeDeleted = false
    public var limit: Int?
    /// Further conditions, all of which must hold.
    public var conditions: [RecordCondition] = []

    public init(type: String) { self.type = type }
}

/// A condition on a record that `RecordFilter` hands to SQL, so a query
/// over many records never reads them all to filter in Swift.
public indirect enum RecordCondition: Sendable {
    /// The shown value of the field is one of these.
    case fieldIn(String, [Value])
    /// The set holds this element.
    case element(String, Value)
    /// The set holds at least one of these elements.
    case anyElement(String, [Value])
    /// The shown value of the field is a number that compares so with this one
    /// (a record whose field is unset, or not a number, never matches).
    case number(String, NumberComparison, Double)
    /// The record is one of these.
    case ids(Set<RecordID>)
    /// At least one of these holds (of none: never).
    case any([RecordCondition])
}

/// How a number is compared, written as a person and SQL write it.
public enum NumberComparison: String, Sendable, CaseIterable {
    case lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">", equal = "="
}

/// What `status` reports.
public struct StoreStatus: Sendable {
    public let replica: ReplicaID
    public let name: String
    /// Record type → (live, deleted, erased) counts.
    public let counts: [String: (live: Int, deleted: Int, erased: Int)]
    public let operations: Int
    public let localOperations: Int
    public let conflicts: Int
    public let digest: String
}

extension Store {
    // MARK: Records

    /// The ids of the erased records of `type` (`records_type` finds them
    /// without reading every record).
    public func erasedIDs(type: String) throws -> [RecordID] {
        try guarded {
            try statement("SELECT id FROM records WHERE type = ? AND erased = 1 ORDER BY id").query([.text(type)]) { RecordID(hex: $0.text(0)) }
                .compactMap { $0 }
        }
    }

    /// The record as this replica shows it, or nil if no create for it is held.
    public func record(_ id: RecordID) throws -> VisibleRecord? {
        try guarded {
            guard let (rid, type, erased) = try statement("SELECT rid, type, erased FROM records WHERE id = ? AND type IS NOT NULL")
                .first([.text(id.hex)], { ($0.int64(0), $0.text(1), $0.int64(2) != 0) }) else { return nil }
            return try visibleRecord(rid: rid, id: id, type: type, erased: erased)
        }
    }

    func visibleRecord(rid: Int64, id: RecordID, type: String, erased: Bool) throws -> VisibleRecord {
        var fields: [String: [FieldHead]] = [:]
        try statement("SELECT field, origin, seq, ts, value FROM heads WHERE record = ?").forEach([.integer(rid)]) { row in
            if let origin = ReplicaID(bytes: row.blob(1)) {
                fields[row.text(0), default: []].append(FieldHead(
                    id: OperationID(origin: origin, seq: UInt64(row.int64(2))),
                    timestamp: Timestamp(packed: UInt64(bitPattern: row.int64(3))),
                    value: row.value(4).crdtValue))
            }
            return true
        }
        var sets: [String: Set<Value>] = [:]
        try statement("SELECT name, element FROM members WHERE record = ?").forEach([.integer(rid)]) { row in
            sets[row.text(0), default: []].insert(row.value(1).crdtValue)
            return true
        }
        return VisibleRecord(id: id, type: type, erased: erased, fields: fields, sets: sets)
    }

    /// Resolves a full id or a unique prefix of at least 6 hex digits.
    public func resolve(_ text: String, type: String? = nil) throws -> RecordID {
        let prefix = text.lowercased()
        guard prefix.utf8.count >= 6, prefix.utf8.count <= 32, prefix.allSatisfy(\.isHexDigit) else {
            throw StoreError.invalid("'\(text)' is not a record id", "give the id, or at least its first 6 hex digits, as 'fieldnotes list' shows")
        }
        return try guarded {
            let upper = prefix + String(repeating: "g", count: 1)
            var sql = "SELECT id FROM records WHERE id >= ? AND id < ? AND type IS NOT NULL"
            var values: [SQLValue] = [.text(prefix), .text(upper)]
            if let type {
                sql += " AND type = ?"
                values.append(.text(type))
            }
            let matches = try database.prepare(sql + " ORDER BY id LIMIT 10").query(values) { $0.text(0) }
            guard let first = matches.first, let id = RecordID(hex: first) else {
                throw StoreError.notFound("'\(text)'" + (type.map { " among \($0)s" } ?? ""))
            }
            guard matches.count == 1 else { throw StoreError.ambiguous(text, matches) }
            return id
        }
    }

    /// Records matching `filter`, ordered by the range field (if any) then id.
    public func list(_ filter: RecordFilter) throws -> [VisibleRecord] {
        var all: [VisibleRecord] = []
        try list(filter) { all += $0 }
        return all
    }

    /// `list(_:)`'s records, handed to `body` in order in pieces of at most
    /// `piece` as they are read, so a caller can put each to use (write it
    /// out on another thread, say) while the next is read, and need not hold
    /// them all. When `body` throws, no more are read.
    public func list(_ filter: RecordFilter, piece: Int = 128, _ body: ([VisibleRecord]) throws -> Void) throws {
        try guarded {
            let selection = Selection(filter)
            // The record's own row comes with it: few rows are then read without it again (`records(rows:)`).
            var sql = "SELECT r.rid, r.id, r.erased FROM records r" + selection.joins
            sql += " WHERE " + selection.conditions.joined(separator: " AND ")
            // `+r.id`: scan the records and sort the few that match, rather than walk
            // the whole id index looking each record's type up (no index has the type):
            // 1.5 ms instead of 14 ms to find the areas or themes among 38,500 notes.
            sql += filter.rangeField != nil ? " ORDER BY o.value, r.id" : " ORDER BY +r.id"
            if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
            var seen = Set<Int64>()
            // A record is listed once, where the query first gives it.
            let rows = try database.prepare(sql).query(selection.joinValues + selection.values) {
                RecordRow($0.int64(0), $0.text(1), filter.type, $0.int64(2) != 0)
            }.filter { seen.insert($0.rid).inserted }
            let piece = max(1, piece)
            // Few rows, or rows spread thinly over the store: the rows' own records,
            // a piece at a time, in three queries each. Many, densely: whole ranges
            // of records in three scans each, then handed over in pieces.
            let highest = try statement("SELECT max(rid) FROM records").first { $0.int64(0) } ?? 0
            guard rows.count > 512, Int64(rows.count) * 4 > highest else {
                var start = 0
                while start < rows.count {
                    let end = min(start + piece, rows.count)
                    let part = rows[start..<end]
                    let position = Dictionary(uniqueKeysWithValues: part.enumerated().map { ($0.element.rid, $0.offset) })
                    var ordered = [VisibleRecord?](repeating: nil, count: part.count)
                    // The query has read each record's row: only fields and sets remain.
                    for (rid, record) in try records(rows: Array(part)) {
                        if let index = position[rid] { ordered[index] = record }
                    }
                    try body(ordered.compactMap { $0 })
                    start = end
                }
                return
            }
            // Many rows: read them by ranges of records, then put them in the query's order.
            let wanted = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($0.element.rid, $0.offset) })
            var ordered = [VisibleRecord?](repeating: nil, count: rows.count)
            let sortedRIDs = wanted.keys.sorted()
            var ranges: [ClosedRange<Int64>] = []
            var index = 0
            while index < sortedRIDs.count {
                let low = sortedRIDs[index]
                let high = low + 2047
                ranges.append(low...high)
                while index < sortedRIDs.count && sortedRIDs[index] <= high { index += 1 }
            }
            // Every record of each range is read; the wanted ones are kept.
            for (rid, record) in try records(inRanges: ranges) {
                if let position = wanted[rid] { ordered[position] = record }
            }
            let found = ordered.compactMap { $0 }
            ordered = []
            var start = 0
            while start < found.count {
                let end = min(start + piece, found.count)
                try body(Array(found[start..<end]))
                start = end
            }
        }
    }

    /// A search hit: the note and a snippet of the matching text.
    public struct SearchHit: Sendable {
        public let record: VisibleRecord
        public let snippet: String
        public let rank: Double
    }

    /// Full-text search over notes' titles, bodies and tags, best match first
    /// (FTS5's bm25), as `SearchQuery` reads `query`. Deleted notes are left
    /// out unless asked for.
    public func search(_ query: String, limit: Int = 50, includeDeleted: Bool = false) throws -> [SearchHit] {
        var filter = RecordFilter(type: Note.type)
        filter.includeDeleted = includeDeleted
        return try search(try SearchQuery(query), filter: filter, limit: limit)
    }

    /// The notes that match `query` and `filter`, best match first (FTS5's
    /// bm25), at most `limit`. Erased notes are never found (their text is
    /// gone from the index); `filter.limit` is not used.
    public func search(_ query: SearchQuery, filter: RecordFilter, limit: Int) throws -> [SearchHit] {
        // bm25 orders the hits: the range field is joined only when a range is asked for.
        var filter = filter
        if filter.from == nil, filter.before == nil { filter.rangeField = nil }
        return try guarded {
            let selection = Selection(filter)
            let sql = """
                SELECT r.rid, r.id, r.type, snippet(note_text, -1, '[', ']', '…', 12), bm25(note_text)
                FROM note_text JOIN records r ON r.rid = note_text.rowid\(selection.joins)
                WHERE note_text MATCH ? AND r.erased = 0 AND \(selection.conditions.joined(separator: " AND "))
                ORDER BY bm25(note_text) LIMIT ?
                """
            let values = selection.joinValues + [.text(query.expression)] + selection.values + [.integer(Int64(max(0, limit)))]
            let rows = try database.prepare(sql).query(values) {
                ($0.int64(0), $0.text(1), $0.text(2), $0.text(3), $0.double(4))
            }
            return try rows.compactMap { rid, hex, type, snippet, rank in
                guard let id = RecordID(hex: hex) else { return nil }
                return SearchHit(record: try visibleRecord(rid: rid, id: id, type: type, erased: false), snippet: snippet, rank: rank)
            }
        }
    }

    /// The distinct elements of sets named `set` on any record: few (tags, say)
    /// however many records hold them, read from the `members_element` index.
    public func distinctElements(_ set: String) throws -> [Value] {
        try guarded {
            try statement("SELECT DISTINCT element FROM members WHERE name = ?").query([.text(set)]) { $0.value(0).crdtValue }
        }
    }

    /// The fields the shown-value index `heads_shown` leaves out (schema 7; schema 8 adds `wins` to its columns).
    static let unindexedShownFields: Set<String> = ["title", "body", "occurred_at"]

    /// For a query on the shown values of `field`: the index's own
    /// condition, which SQLite needs to see written out to use a partial
    /// index (a bound `field = ?` does not show it); nothing for a field the
    /// index leaves out, which is then scanned.
    static func shownIndexCondition(_ field: String) -> String {
        unindexedShownFields.contains(field) ? "" : " AND field NOT IN ('title', 'body', 'occurred_at')"
    }

    /// A filter as SQL over `records r`: joins (the range field's shown head
    /// as `o`) with their values, and the WHERE conditions with theirs.
    ///
    /// The conditions that name a set of records by index (a field's shown
    /// value, a set's element, a measure) are intersected first, in one
    /// `r.rid IN (… INTERSECT … ORDER BY 1)`: each side reads its covering
    /// index in record order and SQLite merges them, so only the records in
    /// every set are looked up. Written as separate `IN` conditions, SQLite
    /// instead looks up every record of one set (14,000 for an area of a
    /// 100,000-note store) to test it against the others.
    struct Selection {
        var joins = ""
        var joinValues: [SQLValue] = []
        var conditions: [String] = []
        var values: [SQLValue] = []

        init(_ filter: RecordFilter) {
            conditions.append("r.type = ?")
            values.append(.text(filter.type))
            if let rangeField = filter.rangeField {
                joins = " LEFT JOIN heads o ON o.record = r.rid AND o.field = ? AND o.wins = 1"
                joinValues = [.text(rangeField)]
                if let from = filter.from { conditions.append("o.value >= ?"); values.append(.text(from)) }
                if let before = filter.before { conditions.append("o.value < ?"); values.append(.text(before)) }
            }
            if !filter.includeDeleted {
                conditions.append("r.erased = 0")
                conditions.append("NOT EXISTS (SELECT 1 FROM heads d WHERE d.record = r.rid AND d.field = 'deleted' AND d.wins = 1 AND d.value = 1 AND typeof(d.value) = 'integer')")
            }
            var sets: [RecordSet] = []
            for (field, value) in filter.fields.sorted(by: { $0.key < $1.key }) { sets.append(.fieldIn(field, [value])) }
            for (set, element) in filter.elements.sorted(by: { $0.key < $1.key }) { sets.append(.element(set, element)) }
            for condition in filter.conditions {
                if let set = RecordSet(condition) { sets.append(set) } else { conditions.append(Selection.sql(condition, &values)) }
            }
            switch sets.count {
            case 0: break
            case 1: conditions.append("r.rid IN (\(sets[0].sql(&values)))")
            default: conditions.append("r.rid IN (\(sets.map { $0.sql(&values) }.joined(separator: " INTERSECT ")) ORDER BY 1)")
            }
            // With a set of records to read, each is read by rid and its type
            // checked in its row: `+` keeps SQLite from also looking each one up
            // in `records_type`, a second seek per record for nothing.
            if !sets.isEmpty { conditions[0] = "+r.type = ?" }
        }

        /// One condition as SQL on `r`, appending its values.
        static func sql(_ condition: RecordCondition, _ values: inout [SQLValue]) -> String {
            if let set = RecordSet(condition) { return "r.rid IN (\(set.sql(&values)))" }
            switch condition {
            case .fieldIn, .element, .anyElement, .number:
                return "0"  // An empty list: no record is in it.
            case .ids(let ids):
                guard !ids.isEmpty else { return "0" }
                // One bound JSON array, however many ids: no limit on variables to meet.
                values.append(.text(JSON.array(ids.sorted().map { .string($0.hex) }).serialized()))
                return "r.id IN (SELECT value FROM json_each(?))"
            case .any(let alternatives):
                guard !alternatives.isEmpty else { return "0" }
                return "(" + alternatives.map { sql($0, &values) }.joined(separator: " OR ") + ")"
            }
        }
    }

    /// A condition that is a set of records read from an index: a query
    /// giving the `record` of each, at most once.
    enum RecordSet {
        /// Records whose shown value of the field is one of these (not empty).
        case fieldIn(String, [Value])
        case element(String, Value)
        /// Records whose set holds one of these (not empty).
        case anyElement(String, [Value])
        case number(String, NumberComparison, Double)

        /// The set the condition is, or nil for a condition of another
        /// kind or one that holds for no record (an empty list).
        init?(_ condition: RecordCondition) {
            switch condition {
            case .fieldIn(let field, let list) where !list.isEmpty: self = .fieldIn(field, list)
            case .element(let set, let element): self = .element(set, element)
            case .anyElement(let set, let list) where !list.isEmpty: self = .anyElement(set, list)
            case .number(let field, let comparison, let number): self = .number(field, comparison, number)
            default: return nil
            }
        }

        /// The query as SQL, appending its values.
        func sql(_ values: inout [SQLValue]) -> String {
            func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
            switch self {
            case .fieldIn(let field, let list):
                values.append(.text(field))
                values += list.map(SQLValue.init)
                let test = list.count == 1 ? "value = ?" : "value IN (\(placeholders(list.count)))"
                return "SELECT record FROM heads WHERE field = ? AND wins = 1 AND \(test)\(Store.shownIndexCondition(field))"
            case .element(let set, let element):
                values += [.text(set), SQLValue(element)]
                return "SELECT record FROM members WHERE name = ? AND element = ?"
            case .anyElement(let set, let list):
                values.append(.text(set))
                values += list.map(SQLValue.init)
                return "SELECT record FROM members WHERE name = ? AND element IN (\(placeholders(list.count)))"
            case .number(let field, let comparison, let number):
                // Measures are stored as REAL; a value of another kind is no number to compare.
                values += [.text(field), .real(number)]
                return "SELECT record FROM heads WHERE field = ? AND wins = 1 AND typeof(value) = 'real' AND value \(comparison.rawValue) ?\(Store.shownIndexCondition(field))"
            }
        }
    }

    /// Every record with at least one field holding concurrent values.
    public func conflicted() throws -> [VisibleRecord] {
        try guarded {
            let rows = try statement("""
                SELECT r.rid, r.id, r.type FROM records r WHERE r.type IS NOT NULL AND r.erased = 0 AND r.rid IN
                  (SELECT record FROM heads GROUP BY record, field HAVING count(*) > 1) ORDER BY r.id
                """).query { ($0.int64(0), $0.text(1), $0.text(2)) }
            return try rows.compactMap { rid, hex, type in
                guard let id = RecordID(hex: hex) else { return nil }
                return try visibleRecord(rid: rid, id: id, type: type, erased: false)
            }
        }
    }

    /// Every replica's name as it named itself, from the "device" records:
    /// found from the shown names (`heads_shown`, whose condition the query
    /// names), not by scanning every field of every record.
    public func replicaNames() throws -> [ReplicaID: String] {
        try guarded {
            var names: [ReplicaID: String] = [:]
            try statement("""
                SELECT r.id, h.value FROM heads h JOIN records r ON r.rid = h.record
                WHERE h.field = 'name' AND h.wins = 1 AND h.field NOT IN ('title', 'body', 'occurred_at') AND r.type = ? AND r.erased = 0
                """).forEach([.text(Store.deviceType)]) { row in
                if let replica = ReplicaID(hex: row.text(0)), case .text(let name) = row.value(1) { names[replica] = name }
                return true
            }
            return names
        }
    }

    // MARK: Whole-store figures

    /// The state digest: SHA-256 over the SHA-256 of each visible record's
    /// canonical bytes, records in id order. Equal on two stores exactly when
    /// they show the same data. Reads the store in chunks of records, so it
    /// holds 48 bytes per record, not the records.
    public func digest() throws -> String {
        try guarded {
            var hashes: [(id: RecordID, hash: [UInt8])] = []
            try forEachRecord { record in hashes.append((record.id, SHA256.hash(record.canonicalBytes))) }
            hashes.sort { $0.id < $1.id }
            let digest = SHA256()
            for entry in hashes { digest.update(entry.hash) }
            return Hex.encode(digest.finalize())
        }
    }

    /// Calls `body` with every record whose create is held, in storage order,
    /// reading heads and members by ranges of records: three range scans per
    /// chunk instead of two lookups per record.
    public func forEachRecord(chunk: Int64 = 2048, _ body: (VisibleRecord) throws -> Void) throws {
        try guarded {
            let highest = try statement("SELECT max(rid) FROM records").first { $0.int64(0) } ?? 0
            var low: Int64 = 1
            while low <= highest {
                let high = low + chunk - 1
                for (_, record) in try records(inRange: low...high) { try body(record) }
                low = high + 1
            }
        }
    }

    public func versionVector() throws -> VersionVector {
        try guarded {
            var entries: [ReplicaID: UInt64] = [:]
            try statement("SELECT origin, seq FROM vector").forEach { row in
                if let origin = ReplicaID(bytes: row.blob(0)) { entries[origin] = UInt64(row.int64(1)) }
                return true
            }
            return VersionVector(entries)
        }
    }

    public func status() throws -> StoreStatus {
        try guarded {
            var counts: [String: (live: Int, deleted: Int, erased: Int)] = [:]
            try statement("""
                SELECT r.type, r.erased,
                       EXISTS (SELECT 1 FROM heads d WHERE d.record = r.rid AND d.field = 'deleted' AND d.wins = 1 AND d.value = 1 AND typeof(d.value) = 'integer'),
                       count(*)
                FROM records r WHERE r.type IS NOT NULL GROUP BY 1, 2, 3
                """).forEach { row in
                var entry = counts[row.text(0)] ?? (0, 0, 0)
                let count = Int(row.int64(3))
                if row.int64(1) != 0 { entry.erased += count } else if row.int64(2) != 0 { entry.deleted += count } else { entry.live += count }
                counts[row.text(0)] = entry
                return true
            }
            let operations = try statement("SELECT count(*) FROM ops").first { Int($0.int64(0)) } ?? 0
            let local = try statement("SELECT count(*) FROM ops WHERE origin = ?").first([.blob(replica.bytes)]) { Int($0.int64(0)) } ?? 0
            let conflicts = try statement("SELECT count(*) FROM (SELECT 1 FROM heads GROUP BY record, field HAVING count(*) > 1)").first { Int($0.int64(0)) } ?? 0
            return StoreStatus(replica: replica, name: try name, counts: counts, operations: operations,
                               localOperations: local, conflicts: conflicts, digest: try digest())
        }
    }

    // MARK: The log

    /// Operations of one origin with seq in `range`, in seq order, at most `limit`.
    public func operations(_ range: SeqRange, limit: Int) throws -> [Operation] {
        try guarded {
            try statement("""
                SELECT o.seq, o.ts, r.id, o.kind, o.name, o.value, o.refs FROM ops o JOIN records r ON r.rid = o.record
                WHERE o.origin = ? AND o.seq BETWEEN ? AND ? ORDER BY o.seq LIMIT ?
                """).query([.blob(range.origin.bytes), .integer(Int64(clamping: range.first)), .integer(Int64(clamping: range.last)), .integer(Int64(limit))]) { row in
                guard let record = RecordID(hex: row.text(2)), let kind = Action.Kind(rawValue: UInt8(clamping: row.int64(3))) else {
                    throw StoreError.invalid("the operation log of \(path) holds an unreadable row", "the store may be damaged")
                }
                guard let action = Store.action(kind: kind, name: row.text(4), value: row.value(5), refs: row.value(6)) else {
                    throw StoreError.invalid("the operation log of \(path) holds an unreadable row", "the store may be damaged")
                }
                return Operation(id: OperationID(origin: range.origin, seq: UInt64(row.int64(0))),
                                 timestamp: Timestamp(packed: UInt64(bitPattern: row.int64(1))), record: record, action: action)
            }
        }
    }
}
