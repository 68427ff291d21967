import CRDT
@testable import Export
import Formats
import Foundation
import Store
import Testing

@Suite struct CSVExportTests {
    static let columns: [String: [String]] = [
        "notes": ["id", "occurred_at", "kind", "area", "participant", "consent", "text_withheld", "title", "body"],
        "note_tags": ["note_id", "tag"],
        "note_measures": ["note_id", "measure", "value"],
        "themes": ["id", "name", "parent_id", "color", "description"],
        "insights": ["id", "statement", "area", "status", "confidence"],
        "insight_evidence": ["insight_id", "note_id", "note_in_export"],
        "insight_themes": ["insight_id", "theme_id"],
        "decisions": ["id", "title", "status", "decided_at", "follows_evidence", "suggested", "made", "description"],
        "decision_insights": ["decision_id", "insight_id"],
        "note_themes": ["note_id", "theme_id", "how"],
        "passages": ["id", "note_id", "theme_id", "coder", "coded_at", "start", "end", "text"],
        "memos": ["id", "target_id", "target_type", "author", "written_at", "text_withheld", "body"],
        "cases": ["id", "pseudonym"],
        "case_attributes": ["case_id", "attribute", "value"],
    ]

    /// Each table of a CSV export written by `Exporter.write`, parsed back with the store's own reader.
    static func tables(_ fixture: Fixture, filter: ExportFilter = ExportFilter()) throws -> [String: [[String]]] {
        let out = fixture.path("csv-\(UUID().uuidString)")
        try fixture.exporter.write(format: .csv, to: out, filter: filter)
        var tables: [String: [[String]]] = [:]
        for (name, bytes) in try files(under: out) {
            tables[String(name.dropLast(4))] = try CSVReader.records(String(decoding: bytes, as: UTF8.self)).map(\.fields)
        }
        return tables
    }

    @Test func everyTableIsWrittenWithItsDocumentedColumns() throws {
        try Fixture.with { fixture throws in
            let tables = try Self.tables(fixture)
            #expect(Set(tables.keys) == Set(Self.columns.keys))
            for (name, columns) in Self.columns {
                #expect(tables[name]?.first == columns, "\(name)")
                for row in tables[name]?.dropFirst() ?? [] { #expect(row.count == columns.count, "\(name): \(row)") }
            }
            #expect(CSVExport.schema.map(\.name) == ["notes", "note_tags", "note_measures", "themes", "insights", "insight_evidence",
                                                      "insight_themes", "decisions", "decision_insights", "note_themes", "passages", "memos",
                                                      "cases", "case_attributes"])
        }
    }

    @Test func filesAreRFC4180WithCRLFAndAByteOrderMark() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("csv")
            try fixture.exporter.write(format: .csv, to: out)
            let bytes = try readBytes(out + "/notes.csv")
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("id,occurred_at,kind,area,participant,consent,text_withheld,title,body\r\n"))
            #expect(text.hasSuffix("\r\n"))
            // The body with a quote, comma, CRLF and non-ASCII text is quoted, with its quotes doubled.
            #expect(text.contains("\"He said: \"\"the evenings are the worst\"\", and\r\nthen, quietly, café → naïve 😀 <b>&amp;\""))
            // A title with a comma is quoted; one without is not.
            #expect(text.contains(",\"Evenings are the worst, he says\","))
            #expect(text.contains(",Number 9 bus cut,"))
        }
    }

    @Test func notesRoundTripThroughTheStoresCSVReader() throws {
        try Fixture.with { fixture throws in
            let tables = try Self.tables(fixture)
            let notes = try #require(tables["notes"]).dropFirst()
            #expect(notes.map { $0[0] } == [Fixture.busCut, Fixture.evenings, Fixture.declined, Fixture.gpOnline].map(\.hex))
            let evenings = try #require(notes.first { $0[0] == Fixture.evenings.hex })
            #expect(evenings == [Fixture.evenings.hex, "2026-11-04T00:00:00Z", "interview", "East Marsh", "P-018", "given", "false",
                                 "Evenings are the worst, he says", Fixture.evenningsBody])
            let declined = try #require(notes.first { $0[0] == Fixture.declined.hex })
            #expect(declined == [Fixture.declined.hex, "2026-11-12T00:00:00Z", "group-session", "Heneage", "P-019", "declined", "true", "", ""])
            #expect(tables["note_tags"]?.dropFirst().filter { $0[0] == Fixture.busCut.hex }.map { $0[1] } == ["isolation", "transport"])
            let measures = try #require(tables["note_measures"]).dropFirst()
            #expect(measures.contains([Fixture.gpOnline.hex, "steps", "2.5"]))
            #expect(measures.contains([Fixture.busCut.hex, "ucla3", "7"]))
        }
    }

    @Test func themesInsightsAndDecisionsAreExportedWholeWithTheirLinks() throws {
        try Fixture.with { fixture throws in
            let tables = try Self.tables(fixture, filter: ExportFilter(area: "Scartho"))
            #expect(tables["notes"]?.count == 2)
            #expect(tables["themes"]?.count == 5)
            #expect(tables["themes"]?.contains([Fixture.transport.hex, "Transport", Fixture.isolation.hex, "", ""]) == true)
            #expect(tables["insights"]?.count == 4)
            #expect(tables["decisions"]?.count == 3)
            // Evidence outside the export (filtered out, or erased) is listed and marked.
            let evidence = try #require(tables["insight_evidence"]).dropFirst().filter { $0[0] == Fixture.busInsight.hex }
            #expect(evidence.map { [$0[1], $0[2]] } == [[Fixture.busCut.hex, "false"], [Fixture.declined.hex, "false"], [Fixture.erased.hex, "false"]])
            #expect(tables["insight_evidence"]?.contains([Fixture.digitalInsight.hex, Fixture.gpOnline.hex, "true"]) == true)
            #expect(tables["insight_themes"]?.contains([Fixture.busInsight.hex, Fixture.transport.hex]) == true)
            #expect(tables["decision_insights"]?.dropFirst().filter { $0[0] == Fixture.lunchClub.hex }.map { $0[1] }
                    == [Fixture.busInsight.hex, Fixture.bereavedInsight.hex])
        }
    }

    @Test func filtersThatMatchNothingStillWriteEveryTableWithItsHeader() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("empty")
            let summary = try fixture.exporter.write(format: .csv, to: out, filter: ExportFilter(area: "Nowhere"))
            #expect(summary.notes == 0)
            let tables = try Self.tables(fixture, filter: ExportFilter(area: "Nowhere"))
            for name in ["notes", "note_tags", "note_measures"] { #expect(tables[name] == [Self.columns[name]!]) }
            #expect(tables["themes"]?.count == 5)
        }
    }

    @Test func csvTablesMatchTheirGoldenFiles() throws {
        try Fixture.with { fixture throws in
            let files = try fixture.exporter.render(format: .csv)
            for file in files {
                try expectGolden(fixture.normalised(String(decoding: file.bytes, as: UTF8.self)), "csv/" + file.name)
            }
        }
    }

    @Test(arguments: [(1.0, "1"), (2.5, "2.5"), (-0.125, "-0.125"), (1e-7, "0.0000001"), (1.5e20, "150000000000000000000"), (123456.75, "123456.75")])
    func numbersAreWrittenWithoutExponents(_ pair: (Double, String)) {
        #expect(DecimalText.format(pair.0) == pair.1)
    }
}
