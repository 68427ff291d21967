import CRDT
import Export
import Foundation
import SQLite
import Store
import Synthetic

/// The device-side figures: capture, queries on a large store, and the rate
/// of applying remote operations beside SQLite's own insert ceiling.
struct StoreBench {
    let notes: Int
    let applyOperations: Int
    let runs: Int
    let directory: String
    let binary: String
    let report: Report

    func run() throws {
        print("store: \(notes) notes; apply \(applyOperations) remote operations in batches of 1000")
        let path = directory + "/bench-store.sqlite"
        let batch = 500
        let buildMs = try build(path, batch: batch)
        report.add("store", "build store: notes committed per second (\(batch) per transaction)", Double(notes) / buildMs * 1000, "notes/s")

        var addTimes: [Double] = []
        for index in 0..<runs {
            let result = try runProcess(binary, ["--store", path, "add", "--title", "bench \(index)", "--body", "Talked about the bus.",
                                                 "--area", "East Marsh", "--tag", "transport", "--measure", "ucla3=6"])
            guard result.status == 0 else { throw BenchFailure("fieldnotes add failed") }
            addTimes.append(result.ms)
        }
        report.add("store", "fieldnotes add (one process, \(notes)-note store), median", Clock.median(addTimes), "ms", goal: "< 25 ms")

        var listTimes: [Double] = []
        var listed = 0
        for _ in 0..<runs {
            let result = try runProcess(binary, ["--store", path, "list", "--tag", "digital-exclusion", "--area", "Heneage", "--format", "json"])
            guard result.status == 0 else { throw BenchFailure("fieldnotes list failed") }
            listed = result.output.components(separatedBy: "\"type\": \"note\"").count - 1
            listTimes.append(result.ms)
        }
        report.add("store", "fieldnotes list --tag --area (\(listed) hits), median", Clock.median(listTimes), "ms", goal: "< 50 ms")

        var searchTimes: [Double] = []
        for _ in 0..<runs {
            let result = try runProcess(binary, ["--store", path, "search", "dominoes club", "--limit", "20"])
            guard result.status == 0 else { throw BenchFailure("fieldnotes search failed") }
            searchTimes.append(result.ms)
        }
        report.add("store", "fieldnotes search (top 20), median", Clock.median(searchTimes), "ms", goal: "< 50 ms")

        let store = try Store.open(at: path)
        var statusTimes: [Double] = []
        for _ in 0..<max(3, runs / 3) {
            statusTimes.append(try Clock.time { _ = try store.digest() })
        }
        report.add("store", "digest of the whole store, median", Clock.median(statusTimes), "ms")

        try exportTimes(store)
        try applyRate(source: store)
    }

    /// Builds the store and closes it (checkpointing its WAL), as a real
    /// store is between commands; returns the milliseconds it took.
    func build(_ path: String, batch: Int) throws -> Double {
        let store = try Store.create(at: path, name: "bench")
        var generator = FieldNotesGenerator(seed: 42)
        let base = Int64(1_790_000_000)
        return try Clock.time {
            var made = 0
            while made < notes {
                var changes: [Change] = []
                for _ in 0..<min(batch, notes - made) {
                    changes += try Note.changes(generator.next(baseSeconds: base), for: try Store.newRecordID(), creating: true, nowSeconds: base)
                }
                try store.commit(changes)
                made += batch
            }
        }
    }

    /// Each export of the whole store, to files in the bench directory.
    func exportTimes(_ store: Store) throws {
        let exporter = Exporter(store: store)
        let goals: [ExportFormat: String] = [.csv: "< 2000 ms", .json: "< 2000 ms", .report: "< 5000 ms"]
        for (format, name) in [(ExportFormat.csv, "csv"), (.json, "ndjson"), (.qdpx, "qdpx"), (.report, "report")] {
            var times: [Double] = []
            for run in 0..<3 {
                let path = directory + "/export-\(name)-\(run)" + (format == .csv ? "" : ".\(name)")
                times.append(try Clock.time { try exporter.write(format: format, to: path) })
            }
            report.add("export", "export \(name) of the \(notes)-note store, median of 3", Clock.median(times), "ms", goal: goals[format] ?? "")
        }
    }

    /// Just the apply figures, on a source store of `applyOperations / 11` notes.
    func applyOnly() throws {
        let store = try Store.create(at: directory + "/apply-source.sqlite", name: "source")
        var generator = FieldNotesGenerator(seed: 42)
        var changes: [Change] = []
        for _ in 0..<(applyOperations / 11 + 1) {
            changes += try Note.changes(generator.next(baseSeconds: 1_790_000_000), for: try Store.newRecordID(), creating: true, nowSeconds: 1_790_000_000)
        }
        try store.commit(changes)
        try applyRate(source: store)
    }

    /// Applies operations read from `source` to fresh stores in batches of
    /// 1000, beside plain inserts of rows of the same size into a bare table.
    func applyRate(source: Store) throws {
        var operations: [CRDT.Operation] = []
        var first: UInt64 = 1
        while operations.count < applyOperations {
            let chunk = try source.operations(SeqRange(origin: source.replica, first: first, last: UInt64.max / 2), limit: 10_000)
            guard !chunk.isEmpty else { break }
            operations += chunk
            first += UInt64(chunk.count)
        }
        operations = Array(operations.prefix(applyOperations))
        var applyRates: [Double] = []
        var insertRates: [Double] = []
        for round in 0..<3 {
            let target = try Store.create(at: directory + "/apply-\(round).sqlite", name: "apply")
            let applyMs = try Clock.time {
                var index = 0
                while index < operations.count {
                    try target.apply(Array(operations[index..<min(index + 1000, operations.count)]))
                    index += 1000
                }
            }
            applyRates.append(Double(operations.count) / applyMs * 1000)
            insertRates.append(try rawInsertRate(operations, path: directory + "/raw-\(round).sqlite"))
        }
        let apply = Clock.median(applyRates)
        let insert = Clock.median(insertRates)
        report.add("apply", "apply remote operations (batches of 1000), median of 3", apply, "ops/s")
        report.add("apply", "plain SQLite inserts of same-size rows, median of 3", insert, "rows/s")
        report.add("apply", "apply rate / insert ceiling", apply / insert, "ratio", goal: ">= 0.33")

        var memoryRates: [Double] = []
        for _ in 0..<3 {
            var replica = ReplicaState(replica: ReplicaID(high: 1, low: 1))
            let ms = Clock.time { for operation in operations { replica.apply(operation) } }
            memoryRates.append(Double(operations.count) / ms * 1000)
        }
        report.add("apply", "in-memory CRDT core apply, median of 3", Clock.median(memoryRates), "ops/s")
    }

    /// The ceiling: one INSERT per operation into a table with the same
    /// columns and key, same pragmas, same batch size, no materialising.
    func rawInsertRate(_ operations: [CRDT.Operation], path: String) throws -> Double {
        let database = try Database(path: path, mode: .readWriteCreate)
        try database.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        try database.execute("""
            CREATE TABLE ops (origin BLOB NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, record TEXT NOT NULL,
              kind INTEGER NOT NULL, name TEXT NOT NULL, value, refs BLOB, PRIMARY KEY (origin, seq)) WITHOUT ROWID
            """)
        let insert = try database.prepare("INSERT INTO ops VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        return try Double(operations.count) / Clock.time {
            var index = 0
            while index < operations.count {
                try database.transaction {
                    for operation in operations[index..<min(index + 1000, operations.count)] {
                        let (name, value): (String, SQLValue)
                        switch operation.action {
                        case .create(let type): (name, value) = (type, .null)
                        case .assign(let field, let v, _): (name, value) = (field, v.text.map(SQLValue.text) ?? .real(v.number ?? 0))
                        case .add(let set, let v): (name, value) = (set, .text(v.text ?? ""))
                        case .remove(let set, _, _): (name, value) = (set, .null)
                        case .erase(let reason): (name, value) = ("", .text(reason))
                        case .insertText(let field, let run): (name, value) = (field, .text(run.text ?? ""))
                        case .deleteText(let field, _): (name, value) = (field, .null)
                        }
                        try insert.run([.blob(operation.id.origin.bytes), .integer(Int64(operation.id.seq)),
                                        .integer(Int64(bitPattern: operation.timestamp.packed)), .text(operation.record.hex),
                                        .integer(Int64(operation.action.kind.rawValue)), .text(name), value, .null])
                    }
                }
                index += 1000
            }
        } * 1000
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
