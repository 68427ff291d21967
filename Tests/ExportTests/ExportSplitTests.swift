import CRDT
@testable import Export
import Formats
import Store
import Testing

/// From `Exporter.notesSplitFrom` notes, CSV and NDJSON make the last
/// quarter of the notes' rows on another thread and append them: every note
/// still comes once, in order, with its tags and measures after those of the
/// notes before it.
@Suite struct ExportSplitTests {
    static let bulk = Exporter.notesSplitFrom + 100

    /// `bulk` notes dated October 2026 (before the fixture's November
    /// notes), titled `bulk 0000`… in date order, each with one tag and one measure.
    static func addBulk(_ fixture: Fixture) throws {
        var changes: [Change] = []
        for index in 0 ..< bulk {
            var input = Note.Input()
            input.title = "bulk " + String(repeating: "0", count: 4 - String(index).count) + String(index)
            input.kind = "observation"
            input.consent = "given"
            input.occurredAt = "2026-10-" + Self.two(1 + index / 1440) + "T" + Self.two(index % 1440 / 60) + ":" + Self.two(index % 60)
            input.tags = ["tag-\(index % 3)"]
            input.measures = [(name: "ucla3", value: String(3 + index % 7))]
            changes += try Note.changes(input, for: try Store.newRecordID(), creating: true, nowSeconds: 0)
            if changes.count > 4_000 {
                try fixture.store.commit(changes)
                changes = []
            }
        }
        try fixture.store.commit(changes)
    }

    static func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }

    static var expectedTitles: [String] { (0 ..< bulk).map { "bulk " + String(repeating: "0", count: 4 - String($0).count) + String($0) } }

    @Test func csvRowsOfEveryNoteComeOnceInOrder() throws {
        try Fixture.with { fixture throws in
            try Self.addBulk(fixture)
            let tables = try CSVExportTests.tables(fixture)
            let notes = try #require(tables["notes"]).dropFirst()
            let bulkRows = notes.filter { $0[7].hasPrefix("bulk ") }
            #expect(bulkRows.map { $0[7] } == Self.expectedTitles)
            #expect(notes.count == Self.bulk + 4, "the bulk notes and the fixture's four exported notes")
            #expect(Array(notes.prefix(Self.bulk)) == Array(bulkRows), "October's notes first")
            // One tag and one measure per bulk note, in the notes' order.
            let ids = bulkRows.map { $0[0] }
            let bulkIDs = Set(ids)
            #expect(try #require(tables["note_tags"]).dropFirst().map { $0[0] }.filter(bulkIDs.contains) == ids)
            #expect(try #require(tables["note_measures"]).dropFirst().map { $0[0] }.filter(bulkIDs.contains) == ids)
        }
    }

    @Test func ndjsonLinesOfEveryNoteComeOnceInOrder() throws {
        try Fixture.with { fixture throws in
            try Self.addBulk(fixture)
            let records = try NDJSONExportTests.lines(try fixture.render(.json)).dropLast().map { try JSONParser.parse($0) }
            let notes = records.filter { NDJSONExportTests.string($0, "type") == "note" }
            #expect(notes.count == Self.bulk + 4)
            #expect(notes.prefix(Self.bulk).map { NDJSONExportTests.string($0, "title") ?? "" } == Self.expectedTitles)
            // The notes' lines come first, all together, then the other records.
            #expect(records.prefix(notes.count).allSatisfy { NDJSONExportTests.string($0, "type") == "note" })
        }
    }
}
