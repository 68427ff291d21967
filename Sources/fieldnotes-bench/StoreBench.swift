import CRDT
import Export
import Formats
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

    /// The large store the queries and exports read: built, or with
    /// `--dir`, reused from an earlier run if it is there.
    func largeStore() throws -> String {
        let path = directory + "/bench-store.sqlite"
        if FileManager.default.fileExists(atPath: path) {
            print("  (reusing \(path))")
            return path
        }
        let batch = 500
        let buildMs = try build(path, batch: batch)
        report.add("store", "build store: notes committed per second (\(batch) per transaction)", Double(notes) / buildMs * 1000, "notes/s")
        return path
    }

    func run() throws {
        print("store: \(notes) notes; apply \(applyOperations) remote operations in batches of 1000")
        let path = try largeStore()

        var addTimes: [Double] = []
        for index in 0..<runs {
            let result = try runProcess(binary, ["--store", path, "add", "--title", "bench \(index)", "--body", "Talked about the bus.",
                                                 "--area", "East Marsh", "--tag", "transport", "--measure", "ucla3=6"])
            guard result.status == 0 else { throw BenchFailure("fieldnotes add failed") }
            addTimes.append(result.ms)
        }
        report.add("store", "fieldnotes add (one process, \(notes)-note store), median", Clock.median(addTimes), "ms", goal: "< 25 ms")

        try listTime(path)

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

    /// `list --tag --area --format json` on the large store, as a process.
    func listTime(_ path: String) throws {
        var listTimes: [Double] = []
        var listed = 0
        for _ in 0..<runs {
            let result = try runProcess(binary, ["--store", path, "list", "--tag", "digital-exclusion", "--area", "Heneage", "--format", "json"])
            guard result.status == 0 else { throw BenchFailure("fieldnotes list failed") }
            listed = result.output.components(separatedBy: "\"type\": \"note\"").count - 1
            listTimes.append(result.ms)
        }
        report.add("store", "fieldnotes list --tag --area --format json (\(listed) hits), median", Clock.median(listTimes), "ms", goal: "< 50 ms")
    }

    /// `--only list`: the list figure alone.
    func listOnly() throws {
        try listTime(try largeStore())
    }

    /// `--only export`: each export of the large store; `--only qdpx`: the REFI-QDA one alone.
    func exportOnly(formats: Set<ExportFormat> = Set(ExportFormat.allCases)) throws {
        try exportTimes(try Store.open(at: try largeStore()), formats: formats)
    }

    /// `--only import`: `fieldnotes import` of `notes` NDJSON rows into an
    /// empty store, as a process, beside the apply rate in the same run.
    func importOnly() throws {
        let file = directory + "/import.ndjson"
        var generator = FieldNotesGenerator(seed: 42)
        var lines: [String] = []
        lines.reserveCapacity(notes)
        for _ in 0..<notes {
            let note = generator.next(baseSeconds: 1_790_000_000)
            var fields: [(String, JSON)] = [("title", .string(note.title ?? "")), ("body", .string(note.body ?? ""))]
            if let kind = note.kind { fields.append(("kind", .string(kind))) }
            if let area = note.area { fields.append(("area", .string(area))) }
            if let occurred = note.occurredAt { fields.append(("occurred_at", .string(occurred))) }
            if let participant = note.participant { fields.append(("participant", .string(participant))) }
            if let consent = note.consent { fields.append(("consent", .string(consent))) }
            fields.append(("tags", .array(note.tags.map { .string($0) })))
            fields.append(("measures", .object(note.measures.map { ($0.name, JSON.Number(text: $0.value).map(JSON.number) ?? .null) })))
            lines.append(JSON.object(fields).serialized())
        }
        guard FileManager.default.createFile(atPath: file, contents: Data((lines.joined(separator: "\n") + "\n").utf8)) else {
            throw BenchFailure("cannot write \(file)")
        }
        var rates: [Double] = []
        var operations = 0
        for round in 0..<3 {
            let path = directory + "/import-\(round).sqlite"
            _ = try Store.create(at: path, name: "import")
            let before = try Store.open(at: path).versionVector().total
            let result = try runProcess(binary, ["--store", path, "import", file])
            guard result.status == 0 else { throw BenchFailure("fieldnotes import failed") }
            operations = Int(try Store.open(at: path).versionVector().total - before)
            rates.append(Double(operations) / result.ms * 1000)
        }
        let importRate = Clock.median(rates)
        report.add("import", "fieldnotes import of \(notes) NDJSON notes (\(operations) operations), median of 3", importRate, "ops/s")
        let apply = try applyOnly()
        report.add("import", "import rate / apply rate", importRate / apply, "ratio", goal: ">= 0.5")
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
    func exportTimes(_ store: Store, formats: Set<ExportFormat> = Set(ExportFormat.allCases)) throws {
        let exporter = Exporter(store: store)
        let goals: [ExportFormat: String] = [.csv: "< 1000 ms", .json: "< 1000 ms", .qdpx: "< 3000 ms", .report: "< 2000 ms"]
        for (format, name) in [(ExportFormat.csv, "csv"), (.json, "ndjson"), (.qdpx, "qdpx"), (.report, "report")] where formats.contains(format) {
            var times: [Double] = []
            for run in 0..<3 {
                let path = directory + "/export-\(name)-\(run)" + (format == .csv ? "" : ".\(name)")
                times.append(try Clock.time { try exporter.write(format: format, to: path) })
            }
            report.add("export", "export \(name) of the \(notes)-note store, median of 3", Clock.median(times), "ms", goal: goals[format] ?? "")
        }
    }

    /// Just the apply figures, on a source store of `applyOperations / 11`
    /// notes; returns the apply rate.
    @discardableResult
    func applyOnly() throws -> Double {
        let store = try Store.create(at: scratchPath(directory, "apply-source.sqlite"), name: "source")
        var generator = FieldNotesGenerator(seed: 42)
        var changes: [Change] = []
        for _ in 0..<(applyOperations / 11 + 1) {
            changes += try Note.changes(generator.next(baseSeconds: 1_790_000_000), for: try Store.newRecordID(), creating: true, nowSeconds: 1_790_000_000)
        }
        try store.commit(changes)
        return try applyRate(source: store)
    }

    /// Applies operations read from `source` to fresh stores in batches of
    /// 1000, beside plain inserts of rows of the same size into a bare table.
    @discardableResult
    func applyRate(source: Store) throws -> Double {
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
        var catchUpRates: [Double] = []
        for round in 0..<3 {
            let target = try Store.create(at: scratchPath(directory, "apply-\(round).sqlite"), name: "apply")
            let applyMs = try Clock.time {
                var index = 0
                while index < operations.count {
                    try target.apply(Array(operations[index..<min(index + 1000, operations.count)]))
                    index += 1000
                }
            }
            applyRates.append(Double(operations.count) / applyMs * 1000)
            insertRates.append(try rawInsertRate(operations, path: scratchPath(directory, "raw-\(round).sqlite")))
            // The same operations as a sync that catches up applies them: the
            // value indexes built once at the end, inside the time.
            let catchingUp = try Store.create(at: scratchPath(directory, "catchup-\(round).sqlite"), name: "apply")
            let catchUpMs = try Clock.time {
                try catchingUp.deferValueIndexes()
                var index = 0
                while index < operations.count {
                    try catchingUp.apply(Array(operations[index..<min(index + 1000, operations.count)]))
                    index += 1000
                }
                try catchingUp.finishCatchUp()
            }
            catchUpRates.append(Double(operations.count) / catchUpMs * 1000)
        }
        let apply = Clock.median(applyRates)
        let insert = Clock.median(insertRates)
        let catchUp = Clock.median(catchUpRates)
        report.add("apply", "apply remote operations (batches of 1000), median of 3", apply, "ops/s")
        report.add("apply", "plain SQLite inserts of same-size rows, median of 3", insert, "rows/s")
        report.add("apply", "apply rate / insert ceiling", apply / insert, "ratio", goal: ">= 0.5")
        report.add("apply", "apply as a catch-up (value indexes built at the end), median of 3", catchUp, "ops/s")
        report.add("apply", "catch-up apply rate / insert ceiling", catchUp / insert, "ratio")

        var memoryRates: [Double] = []
        for _ in 0..<3 {
            var replica = ReplicaState(replica: ReplicaID(high: 1, low: 1))
            let ms = Clock.time { for operation in operations { replica.apply(operation) } }
            memoryRates.append(Double(operations.count) / ms * 1000)
        }
        report.add("apply", "in-memory CRDT core apply, median of 3", Clock.median(memoryRates), "ops/s")
        return apply
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
