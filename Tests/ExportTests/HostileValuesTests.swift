import CRDT
import Foundation
import Store
import Testing
import TestSupport

/// Whatever a peer sends, no reader crashes. A store receives, as sync would
/// deliver them, operations from another replica that put every kind of value
/// (huge, negative, infinite, tiny, empty, wrong type, control characters,
/// dates out of range) into every field and set of every record type, plus
/// conflicts, an erased record and a cycle of themes. Then every read command
/// and every export runs on the real binary: each exits 0, or 1 with one line
/// on stderr; a crash (a signal's exit status) fails the test.
@Suite struct HostileValuesTests {
    static let peer = ReplicaID(high: 0x0BAD_0BAD_0BAD_0BAD, low: 0x0BAD_0BAD_0BAD_0BAD)
    static let other = ReplicaID(high: 0x0DD0_0DD0_0DD0_0DD0, low: 0x0DD0_0DD0_0DD0_0DD0)

    /// Every kind of value a peer could send (the wire refuses NaN).
    static let values: [Value] = [
        .number(1e300), .number(-1e300), .number(.infinity), .number(-.infinity), .number(-1), .number(0),
        .number(Double.leastNonzeroMagnitude), .number(1e15 + 0.5), .number(9_007_199_254_740_992), .number(42), .number(99), .number(6.5),
        .text(""), .text("   "), .text("\u{0}\u{1}\u{7}\u{1B}[31m<b>&amp;</b>\"'\u{FFFE}\u{FFFF}"), .text("\u{202E}😀👩‍👩‍👧 café\r\n\n"),
        .text(String(repeating: "long ", count: 40_000)), .text("not a date"), .text("0000-01-01T00:00:00Z"),
        .text("9999-12-31T23:59:59Z"), .text("-0001-12-31T23:00:00Z"), .text("2026-02-30"), .text("2026-11-20T14:30+14:00"),
        .text("ffffffffffffffffffffffffffffffff"), .text("#zzzzzz"), .text("interview"), .text("declined"),
        .bool(true), .bool(false), .null,
    ]

    static let fields: [String: [String]] = [
        Note.type: Note.fields + ["measures.ucla3", "measures.ons_lonely", "measures.steps", "deleted"],
        Theme.type: Theme.fields + ["deleted"],
        Insight.type: Insight.fields + ["deleted"],
        Decision.type: Decision.fields + ["deleted"],
        AuditEvent.type: AuditEvent.fields,
        Store.deviceType: ["name"],
    ]
    static let sets: [String: [String]] = [
        Note.type: [Note.tagSet], Insight.type: [Insight.themeSet, Insight.evidenceSet], Decision.type: [Decision.insightSet],
    ]

    /// Operations of one origin, seqs from 1, clocks increasing.
    struct Log {
        let origin: ReplicaID
        var operations: [CRDT.Operation] = []

        mutating func add(_ record: RecordID, _ action: Action) -> OperationID {
            let id = OperationID(origin: origin, seq: UInt64(operations.count + 1))
            operations.append(CRDT.Operation(id: id, timestamp: Timestamp(physical: 1_796_000_000_000 + UInt64(operations.count) * 1000, logical: 0),
                                        record: record, action: action))
            return id
        }
    }

    /// Writes the hostile store at `path`; returns the ids of records by type.
    static func build(at path: String) throws -> [String: [RecordID]] {
        let store = try Store.create(at: path, name: "laptop")
        var log = Log(origin: peer), rival = Log(origin: other)
        var ids: [String: [RecordID]] = [:]
        var notes: [RecordID] = []
        for (type, fields) in fields.sorted(by: { $0.key < $1.key }) {
            for (index, value) in values.enumerated() {
                // The peer's own device record, then others of the same type.
                let id = type == Store.deviceType && index == 0 ? try #require(RecordID(bytes: peer.bytes)) : try Store.newRecordID()
                ids[type, default: []].append(id)
                _ = log.add(id, .create(type: type))
                for field in fields where !(field == "deleted" && index % 3 != 0) {
                    _ = log.add(id, .assign(field: field, value: value, replaces: []))
                }
                for set in sets[type] ?? [] {
                    _ = log.add(id, .add(set: set, element: value))
                    // A link to a real record too, so linked readers follow it.
                    if let linked = notes.last { _ = log.add(id, .add(set: set, element: .text(linked.hex))) }
                }
                if type == Note.type { notes.append(id) }
            }
            // Then records whose fields each hold a different value, so every
            // value also meets every other (a unique area with ucla3 = 1e300).
            for rotation in values.indices {
                let id = try Store.newRecordID()
                ids[type, default: []].append(id)
                _ = log.add(id, .create(type: type))
                for (index, field) in fields.enumerated() where field != "deleted" {
                    _ = log.add(id, .assign(field: field, value: values[(rotation + index) % values.count], replaces: []))
                }
                for (index, set) in (sets[type] ?? []).enumerated() {
                    _ = log.add(id, .add(set: set, element: values[(rotation + index + 3) % values.count]))
                }
            }
        }
        // Conflicts: the rival writes every field of some records concurrently, with other kinds of value.
        for (type, fields) in fields {
            for (index, id) in (ids[type] ?? []).enumerated() where index % 4 == 0 {
                for field in fields { _ = rival.add(id, .assign(field: field, value: values[(index + 7) % values.count], replaces: [])) }
            }
        }
        // A cycle of themes, and a theme whose parent is itself.
        let themes = ids[Theme.type] ?? []
        if themes.count > 2 {
            _ = log.add(themes[0], .assign(field: "parent", value: .text(themes[1].hex), replaces: []))
            _ = log.add(themes[1], .assign(field: "parent", value: .text(themes[0].hex), replaces: []))
            _ = log.add(themes[2], .assign(field: "parent", value: .text(themes[2].hex), replaces: []))
            _ = log.add(themes[2], .assign(field: "name", value: .text("transport"), replaces: []))
        }
        // An erased note, and operations on it that arrive after the erase.
        let erased = try Store.newRecordID()
        _ = log.add(erased, .create(type: Note.type))
        _ = log.add(erased, .assign(field: "title", value: .text("ERASED"), replaces: []))
        _ = log.add(erased, .erase(reason: String(repeating: "r", count: 1024)))
        _ = log.add(erased, .assign(field: "body", value: .number(1e300), replaces: []))
        ids[Note.type, default: []].append(erased)
        // A record of a type this version does not know, and one with no create.
        let unknown = try Store.newRecordID()
        _ = log.add(unknown, .create(type: "meeting"))
        _ = log.add(unknown, .assign(field: "title", value: .number(-.infinity), replaces: []))
        _ = log.add(try Store.newRecordID(), .assign(field: "title", value: .text("orphan"), replaces: []))

        for batch in stride(from: 0, to: log.operations.count, by: 512) {
            try store.apply(Array(log.operations[batch..<min(batch + 512, log.operations.count)]))
        }
        try store.apply(rival.operations)
        return ids
    }

    @Test func everyReadCommandAndExportSurvivesAnyValueAPeerCanSend() throws {
        let temporary = try TemporaryDirectory.make(prefix: "fieldnotes-hostile")
        defer { temporary.remove() }
        let directory = temporary.url
        let path = directory.appendingPathComponent("store.sqlite").path
        let ids = try Self.build(at: path)

        var commands: [[String]] = [
            ["list"], ["list", "--include-deleted"], ["list", "--format", "json", "--include-deleted"],
            ["list", "--since", "2026-01-01", "--until", "2027-01-01"], ["list", "--tag", "interview"], ["list", "--area", "not a date"],
            ["search", "date"], ["search", "café*"], ["search", "date", "--format", "json"], ["conflicts"], ["conflicts", "--format", "json"],
            ["status"], ["status", "--format", "json"],
            ["theme", "list"], ["theme", "list", "--format", "json"],
            ["insight", "list", "--include-deleted"], ["insight", "list", "--format", "json"], ["insight", "list", "--theme", "transport"],
            ["decision", "list", "--include-deleted"], ["decision", "list", "--format", "json"],
            ["audit"], ["audit", "--format", "json"], ["scan"],
        ]
        for id in ids[Note.type] ?? [] { commands += [["show", id.hex], ["show", id.hex, "--format", "json"]] }
        for id in ids[Insight.type] ?? [] { commands += [["insight", "show", id.hex], ["insight", "show", id.hex, "--format", "json"]] }
        for id in ids[Decision.type] ?? [] { commands += [["decision", "show", id.hex], ["decision", "show", id.hex, "--format", "json"]] }
        for format in ["csv", "json", "qdpx", "report"] {
            commands.append(["export", format, "--out", directory.appendingPathComponent("plain-\(format)").path, "--allow-identifiers"])
            commands.append(["export", format, "--out", directory.appendingPathComponent("redacted-\(format)").path, "--redact"])
            commands.append(["export", format, "--out", directory.appendingPathComponent("filtered-\(format)").path, "--redact",
                             "--since", "2026-01-01", "--theme", "transport"])
        }
        #expect(commands.count > 150)
        for arguments in commands {
            let run = try FieldnotesBinary.run(store: path, arguments, home: directory.path)
            // `scan` lists each identifier it finds on its own line and exits 1.
            let clean = run.status == 0 || (run.status == 1 && (arguments == ["scan"]
                || run.stderrLines.count == 1 && run.stderr.hasPrefix("fieldnotes: error: ")))
            #expect(clean, "\(run.arguments.joined(separator: " ").prefix(120)) exited \(run.status): \(run.stderr.prefix(500))")
        }
        // The exports were written: the report holds the measures table, with the hostile figures shown as text.
        let report = try String(contentsOfFile: directory.appendingPathComponent("plain-report").path, encoding: .utf8)
        #expect(report.contains("id=\"measures\"") && report.hasSuffix("</html>\n"))
    }
}
