import CRDT
import Dispatch
import SQLite
import Synchronization

/// Reading many records at once: three set-based queries (records, heads,
/// members), each in primary-key order, merged in one pass, instead of two
/// lookups per record.
extension Store {
    /// A `records` row: what a record is, before its fields and sets are read.
    typealias RecordRow = (rid: Int64, id: String, type: String, erased: Bool)

    /// The visible records of `rows`, records rows the caller has read (in
    /// any order, repeats allowed), in rid order, with their rids.
    func records(rows: [RecordRow]) throws -> [(rid: Int64, record: VisibleRecord)] {
        guard !rows.isEmpty else { return [] }
        var unique: [RecordRow] = []
        unique.reserveCapacity(rows.count)
        for row in rows.sorted(by: { $0.rid < $1.rid }) where unique.last?.rid != row.rid { unique.append(row) }
        // One bound JSON array, however many: no limit on variables to meet.
        // SQLite puts the list in a sorted index and walks it in order, so
        // both queries below come out in primary-key order with no sort.
        let list: [SQLValue] = [.text("[" + unique.map { String($0.rid) }.joined(separator: ",") + "]")]
        return try Store.readRecords(
            rows: unique,
            heads: statement("SELECT record, field, origin, seq, ts, value FROM heads WHERE record IN (SELECT value FROM json_each(?)) ORDER BY record, field"),
            members: statement("SELECT record, name, element FROM members WHERE record IN (SELECT value FROM json_each(?)) ORDER BY record, name"),
            values: list)
    }

    /// The visible records with rid in `range`, in rid order, with their rids.
    func records(inRange range: ClosedRange<Int64>) throws -> [(rid: Int64, record: VisibleRecord)] {
        try RangeReader(records: statement(RangeReader.recordsSQL), heads: statement(RangeReader.headsSQL),
                        members: statement(RangeReader.membersSQL)).read(range)
    }

    /// The visible records with rid in each of `ranges`, in the order of the
    /// ranges and in rid order within each. With many ranges, the second half
    /// is read on another thread through a read-only connection of its own
    /// (WAL readers do not wait for each other), while this one reads the first.
    /// Not inside a transaction (another connection would not see its writes),
    /// and if the other connection fails, this one reads those ranges too.
    func records(inRanges ranges: [ClosedRange<Int64>]) throws -> [(rid: Int64, record: VisibleRecord)] {
        guard ranges.count >= RangeReader.parallelRanges, !database.isInTransaction else {
            return try ranges.flatMap { try records(inRange: $0) }
        }
        let half = ranges.count / 2
        let theirs = Array(ranges[half...])
        let path = self.path
        let read = ReadAhead()
        DispatchQueue.global().async {
            read.put(Result {
                let reader = try Database(path: path, mode: .readOnly)
                try reader.execute("PRAGMA cache_size = -32000; PRAGMA mmap_size = 268435456;")
                let ranges = try RangeReader(records: reader.prepare(RangeReader.recordsSQL.description), heads: reader.prepare(RangeReader.headsSQL.description),
                                             members: reader.prepare(RangeReader.membersSQL.description))
                return try theirs.flatMap { try ranges.read($0) }
            })
        }
        var out = try ranges[..<half].flatMap { try records(inRange: $0) }
        switch read.take() {
        case .success(let records): out += records
        case .failure: out += try theirs.flatMap { try records(inRange: $0) }
        }
        return out
    }

    /// Records read on another thread, handed to the thread that waits for them.
    private final class ReadAhead: Sendable {
        private let value = Mutex<Result<[(rid: Int64, record: VisibleRecord)], any Error>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        func put(_ read: Result<[(rid: Int64, record: VisibleRecord)], any Error>) {
            value.withLock { $0 = read }
            done.signal()
        }

        func take() -> Result<[(rid: Int64, record: VisibleRecord)], any Error> {
            done.wait()
            return value.withLock { $0.take() } ?? .failure(StoreError.invalid("no records were read", "try again"))
        }
    }

    /// The three queries that read the records of a range of rids, on one connection.
    struct RangeReader {
        static let recordsSQL: StaticString = "SELECT rid, id, type, erased FROM records WHERE rid BETWEEN ? AND ? AND type IS NOT NULL ORDER BY rid"
        static let headsSQL: StaticString = "SELECT record, field, origin, seq, ts, value FROM heads WHERE record BETWEEN ? AND ? ORDER BY record, field"
        static let membersSQL: StaticString = "SELECT record, name, element FROM members WHERE record BETWEEN ? AND ? ORDER BY record, name"
        /// From how many ranges `records(inRanges:)` reads half of them on another thread:
        /// below that, opening a second connection costs more than it saves.
        static let parallelRanges = 8

        let records: Statement
        let heads: Statement
        let members: Statement

        func read(_ range: ClosedRange<Int64>) throws -> [(rid: Int64, record: VisibleRecord)] {
            let values: [SQLValue] = [.integer(range.lowerBound), .integer(range.upperBound)]
            let rows = try records.query(values) { RecordRow($0.int64(0), $0.text(1), $0.text(2), $0.int64(3) != 0) }
            return try Store.readRecords(rows: rows, heads: heads, members: members, values: values)
        }
    }

    /// Runs the two queries (each taking `values`) and builds the records of
    /// `rows`, which are in rid order. `heads` and `members` give their rows
    /// in primary-key order (record, then name), so each row's record is
    /// found by walking forward, and each record's fields and sets arrive
    /// grouped and in byte order of their names, as
    /// `VisibleRecord(orderedFields:orderedSets:)` takes them.
    private static func readRecords(rows: [RecordRow], heads: Statement, members: Statement,
                             values: [SQLValue]) throws -> [(rid: Int64, record: VisibleRecord)] {
        var fields = [[(name: String, heads: [FieldHead])]](repeating: [], count: rows.count)
        var sets = [[(name: String, elements: [Value])]](repeating: [], count: rows.count)
        var names = Names()
        var position = 0
        try heads.forEach(values) { row in
            let record = row.int64(0)
            while position < rows.count && rows[position].0 < record { position += 1 }
            guard position < rows.count, rows[position].0 == record, let origin = row.uint128(2) else { return true }
            let head = FieldHead(id: OperationID(origin: ReplicaID(high: origin.high, low: origin.low), seq: UInt64(row.int64(3))),
                                 timestamp: Timestamp(packed: UInt64(bitPattern: row.int64(4))), value: row.value(5).crdtValue)
            if let last = fields[position].indices.last, row.text(1, equals: fields[position][last].name) {
                fields[position][last].heads.append(head)
            } else {
                fields[position].append((names.name(row, 1), [head]))
            }
            return true
        }
        position = 0
        try members.forEach(values) { row in
            let record = row.int64(0)
            while position < rows.count && rows[position].0 < record { position += 1 }
            guard position < rows.count, rows[position].0 == record else { return true }
            let element = row.value(2).crdtValue
            if let last = sets[position].indices.last, row.text(1, equals: sets[position][last].name) {
                sets[position][last].elements.append(element)
            } else {
                sets[position].append((names.name(row, 1), [element]))
            }
            return true
        }
        var out: [(rid: Int64, record: VisibleRecord)] = []
        out.reserveCapacity(rows.count)
        for (index, (rid, hex, type, erased)) in rows.enumerated() {
            guard let id = RecordID(hex: hex) else { continue }
            out.append((rid, VisibleRecord(id: id, type: type, erased: erased, orderedFields: fields[index], orderedSets: sets[index])))
        }
        return out
    }

    /// Field and set names as read: a few names repeat on every record, so
    /// each name too long to be a small string (15 bytes, held inline with no
    /// allocation) is made into a string once and compared in place after that.
    private struct Names {
        private var known: [String] = []

        mutating func name(_ row: Row, _ column: Int32) -> String {
            guard row.byteCount(column) > 15 else { return row.text(column) }
            for name in known where row.text(column, equals: name) { return name }
            let name = row.text(column)
            if known.count < 64 { known.append(name) }
            return name
        }
    }
}
