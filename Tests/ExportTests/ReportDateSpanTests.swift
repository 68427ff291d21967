import CRDT
@testable import Export
import Foundation
import Store
import Testing
import TestSupport

/// The report's notes chart over any dates a peer can send. A note dated
/// `0000-01-01T00:00+01:00` was stored as `00-1-12-31T23:00:00Z`, and a
/// report over notes spanning more than 78 weeks then crashed. Now the
/// store takes only moments in the years 0001 to 9999, the chart counts
/// only those, and whatever text a note holds, the report is written whole.
@Suite struct ReportDateSpanTests {
    static let peer = ReplicaID(high: 0x0DA7_E500_0000_0000, low: 0x0000_0000_0DA7_E500)

    /// Dates a store may hold: the ends of the range, ordinary ones, and
    /// texts an older version or a faulty peer could have left (none of
    /// which the chart can place).
    static let inRange = ["0001-01-01T00:00:00Z", "2025-01-06T09:00:00Z", "2026-11-20T14:30:00Z", "9999-12-31T23:59:59Z"]
    static let unplaceable = ["0000-01-01T00:00:00Z", "-0001-12-31T23:00:00Z", "00-1-12-31T23:00:00Z", "+10000-01-01T00:00:00Z",
                              "0000-01-01T00:00+01:00", "2016-12-31T23:59:60Z", "2026-02-30T00:00:00Z", "not a date", ""]

    @Test func monthsRunFromTheYearOneTo9999AndOtherTextsAreLeftOut() {
        #expect(Self.unplaceable.allSatisfy { ReportFigures.day($0) == nil })
        let days = (Self.inRange + Self.unplaceable).compactMap { ReportFigures.day($0) }
        #expect(days.count == Self.inRange.count)
        let (unit, periods) = ReportFigures.periods(days)
        #expect(unit == "month")
        #expect(periods.count == 9999 * 12)
        #expect(periods.first?.start == "0001-01" && periods.first?.label == "Jan 1")
        #expect(periods.last?.start == "9999-12" && periods.last?.label == "Dec 9999")
        #expect(periods.map(\.count).reduce(0, +) == Self.inRange.count)
        #expect(periods.filter { $0.count > 0 }.map(\.start) == ["0001-01", "2025-01", "2026-11", "9999-12"])
        // Days no text gives make no period rather than a crash.
        #expect(ReportFigures.periods([Int64.min, Int64.max, -1 << 40]).periods.isEmpty)
    }

    @Test func weeksUpTo78ThenMonths() throws {
        let monday = try #require(ReportFigures.day("2025-01-06"))
        let weekly = ReportFigures.periods([monday, monday + 78 * 7 + 6])
        #expect(weekly.unit == "week" && weekly.periods.count == 79)
        #expect(weekly.periods.first?.start == "2025-01-06" && weekly.periods.last?.start == ReportFigures.isoDate(monday + 78 * 7))
        let monthly = ReportFigures.periods([monday, monday + 79 * 7])
        #expect(monthly.unit == "month" && monthly.periods.map(\.start).first == "2025-01" && monthly.periods.map(\.start).last == "2026-07")
        // The first week of the range starts on 0001-01-01, a Monday.
        let first = ReportFigures.periods([try #require(ReportFigures.day("0001-01-03"))])
        #expect(first.periods.map(\.start) == ["0001-01-01"] && first.periods.map(\.label) == ["1 Jan 01"])
        let last = ReportFigures.periods([try #require(ReportFigures.day("9999-12-31"))])
        #expect(last.periods.map(\.start) == ["9999-12-27"])
    }

    @Test func theReportOfAPeersNotesSpanningEveryYearIsWrittenWhole() throws {
        let temporary = try TemporaryDirectory.make(prefix: "fieldnotes-span")
        defer { temporary.remove() }
        let directory = temporary.url
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try Store.create(at: path, name: "laptop")
        var operations: [CRDT.Operation] = []
        func add(_ record: RecordID, _ action: Action) {
            let seq = UInt64(operations.count + 1)
            operations.append(CRDT.Operation(id: OperationID(origin: Self.peer, seq: seq),
                                             timestamp: Timestamp(physical: 1_796_000_000_000 + seq * 1000, logical: 0), record: record, action: action))
        }
        for (index, date) in (Self.inRange + Self.unplaceable).enumerated() {
            let note = try Store.newRecordID()
            add(note, .create(type: Note.type))
            add(note, .assign(field: "title", value: .text("Visit \(index)"), replaces: []))
            add(note, .assign(field: "consent", value: .text("given"), replaces: []))
            add(note, .assign(field: "occurred_at", value: .text(date), replaces: []))
        }
        try store.apply(operations)

        let out = directory.appendingPathComponent("report.html").path
        // Suppression off: the counts per month are what this test reads.
        let run = try FieldnotesBinary.run(store: path, ["export", "report", "--out", out, "--min-count", "1"], home: directory.path)
        #expect(run.status == 0, "\(run)")
        let html = try readText(out)
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.contains("<h2>Notes per month</h2>"))
        #expect(html.contains("<p>4 notes over 119988 months;"), "the 9 notes with no placeable date are not charted")
        #expect(html.contains("<tr><td>0001-01</td><td class=\"num\">1</td></tr>") && html.contains("<tr><td>9999-12</td><td class=\"num\">1</td></tr>"))
        #expect(html.contains("<tr><td>2026-11</td><td class=\"num\">1</td></tr>"))
    }
}
