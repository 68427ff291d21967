import CRDT
import Foundation
import Store
import Testing
import TestSupport

/// The hostile store of `HostileValuesTests`, plus passages and memos whose
/// every field holds every kind of value a peer could send (targets that are
/// no id, ids of records of the wrong type or of none, numbers for names),
/// read by the query, memo and analysis commands and the exports: each exits
/// 0, or 1 with one line on stderr.
@Suite struct AnalysisHostileValuesTests {
    static func addPassagesAndMemos(at path: String, notes: [RecordID], themes: [RecordID]) throws -> [RecordID] {
        let store = try Store.open(at: path)
        let origin = ReplicaID(high: 0x0A0A_0A0A, low: 0x0B0B_0B0B)
        var operations: [CRDT.Operation] = []
        func add(_ record: RecordID, _ action: Action) {
            operations.append(CRDT.Operation(id: OperationID(origin: origin, seq: UInt64(operations.count + 1)),
                                             timestamp: Timestamp(physical: 1_797_000_000_000 + UInt64(operations.count), logical: 0),
                                             record: record, action: action))
        }
        let targets: [Value] = [notes.first, themes.first, notes.last].compactMap { $0.map { .text($0.hex) } } + [.text("not an id"), .number(3)]
        var memos: [RecordID] = []
        for (index, value) in HostileValuesTests.values.enumerated() {
            let passage = try Store.newRecordID()
            add(passage, .create(type: Passage.type))
            for field in Passage.fields { add(passage, .assign(field: field, value: value, replaces: [])) }
            if let note = notes.dropFirst(index % max(1, notes.count)).first, let theme = themes.dropFirst(index % max(1, themes.count)).first {
                // Passages that name real records, with hostile anchors, coders and dates.
                add(passage, .assign(field: "note", value: .text(note.hex), replaces: []))
                add(passage, .assign(field: "theme", value: .text(theme.hex), replaces: []))
            }
            let memo = try Store.newRecordID()
            memos.append(memo)
            add(memo, .create(type: Memo.type))
            for field in Memo.fields { add(memo, .assign(field: field, value: value, replaces: [])) }
            add(memo, .assign(field: "target", value: targets[index % targets.count], replaces: []))
            if index % 5 == 0 { add(memo, .assign(field: "target", value: .text(passage.hex), replaces: [])) }
        }
        _ = try store.apply(operations)
        return memos
    }

    @Test func queryMemoAndAnalysisCommandsAndExportsSurviveAnyValueAPeerCanSend() throws {
        let temporary = try TemporaryDirectory.make(prefix: "fieldnotes-hostile-analysis")
        defer { temporary.remove() }
        let directory = temporary.url
        let path = directory.appendingPathComponent("store.sqlite").path
        let ids = try HostileValuesTests.build(at: path)
        let memos = try Self.addPassagesAndMemos(at: path, notes: ids[Note.type] ?? [], themes: ids[Theme.type] ?? [])

        var commands: [[String]] = [
            ["list", "--theme", "transport"], ["list", "--theme", "transport", "--format", "json"],
            ["list", "--measure", "ucla3>=7"], ["list", "--measure", "steps<0", "--include-deleted"], ["list", "--any-tag", "interview", "--any-tag", "date"],
            ["list", "--area", "not a date", "--area", "Heneage"],
            ["search", "date OR café*"], ["search", "\"not a date\" NOT long", "--theme", "transport"], ["search", "long", "--measure", "ucla3>1"],
            ["memo", "list"], ["memo", "list", "--format", "json"], ["memo", "list", "--target", "transport"],
            ["analysis", "cooccurrence"], ["analysis", "cooccurrence", "--format", "json"], ["analysis", "cooccurrence", "--with-sub-themes"],
            ["analysis", "agreement", "--coder", "laptop", "--coder", "not a date"],
            ["analysis", "agreement", "--coder", "interview", "--coder", "declined", "--format", "json"],
        ]
        for memo in memos.prefix(8) { commands.append(["memo", "edit", memo.hex, "--append", " more"]) }
        // One export (each scans every text, which takes long on this store): CSV with --redact
        // places passages through the replacements and redacts memos. HostileValuesTests runs the rest.
        commands.append(["export", "csv", "--out", directory.appendingPathComponent("redacted-csv").path, "--redact"])
        for arguments in commands {
            let run = try FieldnotesBinary.run(store: path, arguments, home: directory.path)
            let clean = run.status == 0 || (run.status == 1 && run.stderrLines.count == 1 && run.stderr.hasPrefix("fieldnotes: error: "))
            #expect(clean, "\(run.arguments.joined(separator: " ").prefix(120)) exited \(run.status): \(run.stderr.prefix(500))")
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("redacted-csv/memos.csv").path))
    }
}
