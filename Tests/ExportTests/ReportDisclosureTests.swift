import CRDT
import Export
import Foundation
import Store
import Testing
import TestSupport

/// The report's disclosure control and identifier guard, end to end: the real
/// binary writes the report from the fixture's store, and the page is read back.
///
/// The fixture's notes in scope: East Marsh 2 (P-017, P-018), Heneage 1 (P-019,
/// declined), Scartho 1 (P-017): 4 notes from 3 people.
@Suite struct ReportDisclosureTests {
    static func run(_ fixture: Fixture, _ arguments: String...) throws -> Execution {
        try FieldnotesBinary.run(store: fixture.store.path, arguments, home: fixture.directory.path)
    }

    /// The report `arguments` write, read back (the run must succeed).
    static func report(_ fixture: Fixture, _ name: String, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let out = fixture.path(name)
        let run = try FieldnotesBinary.run(store: fixture.store.path, ["export", "report", "--out", out] + arguments, home: fixture.directory.path)
        try #require(run.status == 0, "\(run)", sourceLocation: sourceLocation)
        return try readText(out)
    }

    /// The cells of the full matrix's row for `area` (the first table that has it).
    static func row(_ html: String, _ area: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(html.components(separatedBy: "<tr><th scope=\"row\">\(area)</th>").dropFirst().first?.components(separatedBy: "</tr>").first,
                     "no row for \(area)", sourceLocation: sourceLocation)
    }

    static let flag = "<span class=\"flag\" title=\"fewer than 5 people: suppressed\">&lt;5</span>"

    @Test func totalsAndHeadlineCountsFromFewerThanFivePeopleAreSuppressedAndTheRestAreExact() throws {
        try Fixture.with { fixture throws in
            var html = try Self.report(fixture, "small.html")
            // East Marsh: 2 notes from 2 people. Its cells were suppressed; its total gave them away.
            let eastMarsh = try Self.row(html, "East Marsh")
            #expect(eastMarsh.hasSuffix("<td class=\"num total suppressed\">\(Self.flag)</td>"), "\(eastMarsh)")
            #expect(!eastMarsh.contains("<td class=\"num total\">2</td>"))
            #expect(try Self.row(html, "Wolds").hasSuffix("<td class=\"num total\">0</td>"), "no one is counted in an empty row: 0 is shown")
            // The headline counts: 4 notes and 3 participants, both from 3 people.
            #expect(html.contains("<li><span class=\"n suppressed\" title=\"fewer than 5 people: suppressed\">&lt;5</span> <span class=\"label\">Notes</span>"))
            #expect(html.contains("<li><span class=\"n suppressed\" title=\"fewer than 5 people: suppressed\">&lt;5</span> <span class=\"label\">Participants</span>"))
            #expect(!html.contains("<span class=\"n\">4</span> <span class=\"label\">Notes</span>"))
            #expect(!html.contains("<span class=\"n\">3</span> <span class=\"label\">Participants</span>"))
            #expect(!html.contains("1 without text (consent)") && !html.contains("1 such note is in scope"), "one declined person's note")
            #expect(!html.contains("1 note whose participant withdrew consent"), "one withdrawn person's note")
            // Counts that are not of people stay: themes and areas.
            #expect(html.contains("<li><span class=\"n\">4</span> <span class=\"label\">Themes</span>"))
            #expect(html.contains("<li><span class=\"n\">3</span> <span class=\"label\">Areas</span>"))
            // Notes per week: the week of 2 Nov has 2 notes from 2 people; the week of 16 Nov none (its one note is withdrawn): 0.
            #expect(html.contains("<tr><td>2026-11-02</td><td class=\"num suppressed\">\(Self.flag)</td></tr>"))
            #expect(html.contains("<tr><td>2026-11-16</td><td class=\"num\">0</td></tr>"))
            #expect(!html.contains("4 notes over") && !html.contains("had 2."))
            #expect(html.contains("Week starting 2 Nov 2026: suppressed, fewer than 5 people"))

            // Five more people in Scartho, in the week of 23 Nov, on Isolation.
            for person in 1 ... 5 {
                let add = try Self.run(fixture, "add", "--title", "Visit \(person)", "--area", "Scartho", "--participant", "R-\(person)",
                                       "--tag", "isolation", "--at", "2026-11-23", "--consent", "given", "--quiet")
                try #require(add.status == 0, "\(add)")
            }
            html = try Self.report(fixture, "large.html")
            let scartho = try Self.row(html, "Scartho")
            // Bereavement, Isolation, › Transport, Money worries, All notes: Isolation and the total from 5 and 6 people.
            #expect(scartho == "<td class=\"num gap\">0 <span class=\"flag\">gap</span></td><td class=\"num\">5</td>"
                    + "<td class=\"num gap\">0 <span class=\"flag\">gap</span></td><td class=\"num gap\">0 <span class=\"flag\">gap</span></td>"
                    + "<td class=\"num total\">6</td>", "\(scartho)")
            #expect(try Self.row(html, "East Marsh").hasSuffix("<td class=\"num total suppressed\">\(Self.flag)</td>"))
            // 9 notes from 8 people, 8 participants: shown exactly.
            #expect(html.contains("<li><span class=\"n\">9</span> <span class=\"label\">Notes</span>"))
            #expect(html.contains("<li><span class=\"n\">8</span> <span class=\"label\">Participants</span>"))
            #expect(html.contains("<tr><td>2026-11-23</td><td class=\"num\">6</td></tr>"))
            #expect(html.contains("<p>9 notes over 4 weeks; the busiest week (starting 23 Nov 2026) had 6."))
            #expect(html.contains("<tr><td>2026-11-02</td><td class=\"num suppressed\">\(Self.flag)</td></tr>"))

            // --min-count 1 turns suppression off: every figure as counted.
            let all = try Self.report(fixture, "all.html", "--min-count", "1")
            #expect(try Self.row(all, "East Marsh").hasSuffix("<td class=\"num total\">2</td>"))
            #expect(all.contains("<tr><td>2026-11-02</td><td class=\"num\">2</td></tr>"))
            #expect(!all.contains("suppressed\">"))
        }
    }

    @Test func theTitleIsGuardedLikeTheRestOfTheReport() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("titled.html")
            let refused = try Self.run(fixture, "export", "report", "--out", out, "--title", "Visits to Flat 2, 7 Victor Street, DN32 7QE")
            #expect(refused.status == 1 && refused.stdout.isEmpty, "\(refused)")
            #expect(refused.stderrLines == [
                "fieldnotes: report title: street address",
                "fieldnotes: report title: postcode",
                "fieldnotes: error: found 2 direct identifiers in the report title; nothing was written; edit them out, or export again with --redact "
                    + "to replace them, or with --allow-identifiers (recorded in the audit trail)",
            ], "\(refused)")
            #expect(!exists(out))

            let redacted = try Self.report(fixture, "redacted.html", "--title", "Visits to Flat 2, 7 Victor Street, DN32 7QE", "--redact")
            #expect(redacted.contains("<title>Visits to [address], [postcode]</title>"))
            #expect(redacted.contains("<h1>Visits to [address], [postcode]: every note in the store</h1>"))
            #expect(!redacted.contains("Victor") && !redacted.contains("DN32"))
            #expect(redacted.contains("2 direct identifiers were replaced by placeholders"))

            let allowed = try Self.run(fixture, "export", "report", "--out", out, "--title", "Visits to DN32 7QE", "--allow-identifiers")
            #expect(allowed.status == 0 && allowed.stderr.contains("1 direct identifier was exported as written"), "\(allowed)")
            #expect(try readText(out).contains("<title>Visits to DN32 7QE</title>"))
            // A plain title is no identifier.
            #expect(try Self.report(fixture, "plain.html", "--title", "Loneliness in Grimsby").contains("<h1>Loneliness in Grimsby: every note in the store</h1>"))
        }
    }

    @Test func anAreaOrThemeFilterCountsGapsWithinItsScopeOnly() throws {
        try Fixture.with { fixture throws in
            let html = try Self.report(fixture, "east.html", "--area", "east marsh")
            let headline = try #require(html.components(separatedBy: "<p class=\"headline\">").dropFirst().first?.components(separatedBy: "</p>").first)
            #expect(headline == "<strong>1 of 4 area–theme pairs have no evidence</strong>: East Marsh: Money worries.", "\(headline)")
            for ward in ["Croft Baker", "Heneage", "Scartho", "Wolds"] {
                #expect(!html.contains("<th scope=\"row\">\(ward)</th>"), "\(ward) is outside the scope")
                #expect(!html.contains("<strong>\(ward)</strong>"), "\(ward) is no gap of this report")
            }
            #expect(html.contains("<strong>1 of 4</strong> area–theme pairs have no evidence"))
            #expect(html.contains("<span class=\"label\">Areas</span> <span class=\"note\">of the 1 known area in scope has notes</span>"))
            // The fixture's withdrawn note is in Heneage: not one East Marsh left out.
            let exact = try Self.report(fixture, "east-exact.html", "--area", "East Marsh", "--min-count", "1")
            #expect(exact.contains("<li>Notes whose participant withdrew consent are left out altogether: not counted, not shown.</li>"))
            #expect(try Self.report(fixture, "heneage-exact.html", "--area", "Heneage", "--min-count", "1")
                .contains("<li>1 note whose participant withdrew consent is left out altogether: not counted, not shown.</li>"))
            // A free-text area outside the vocabulary: no known area in scope, so no gaps to count.
            let elsewhere = try Self.report(fixture, "elsewhere.html", "--area", "Nunsthorpe")
            #expect(!elsewhere.contains("<p class=\"headline\">") && !elsewhere.contains("<th scope=\"row\">Croft Baker</th>"))
            // A theme filter: the theme and those below it are the columns; the other themes are no one's gap.
            let transport = try Self.report(fixture, "transport.html", "--theme", "transport")
            #expect(transport.contains("<p class=\"headline\"><strong>13 of 15 area–theme pairs have no evidence</strong>: Croft Baker: Transport; Freshney: Transport;"))
            #expect(!transport.contains("Bereavement</th>") && !transport.contains("Money worries</th>"))
        }
    }

    @Test func teamAreaNamesAreGuardedWhereTheReportWritesThem() throws {
        try Fixture.with { fixture throws in
            let place = "Flat 2, 7 Victor Street DN32 7QE"
            let added = try Self.run(fixture, "area", "add", place)
            try #require(added.status == 0, "\(added)")
            let area = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            // No note is in it: the name reaches the page as a row and a gap only.
            let out = fixture.path("areas.html")
            let refused = try Self.run(fixture, "export", "report", "--out", out)
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderrLines.prefix(2) == ["fieldnotes: area \(area) name: street address", "fieldnotes: area \(area) name: postcode"], "\(refused)")
            #expect(refused.stderr.contains("found 2 direct identifiers in 1 record; nothing was written"))
            #expect(!exists(out))
            let scan = try Self.run(fixture, "scan")
            #expect(scan.status == 1 && scan.stdout.contains("\(area)  area  name   street address"), "\(scan)")
            // CSV writes no area vocabulary: nothing of it to refuse.
            #expect(try Self.run(fixture, "export", "csv", "--out", fixture.path("csv")).status == 0)

            let redacted = try Self.report(fixture, "redacted.html", "--redact")
            #expect(!redacted.contains("Victor") && !redacted.contains("DN32"))
            #expect(redacted.contains("<tr><th scope=\"row\">[address] [postcode]</th>"))
            #expect(redacted.contains("<li><strong>[address] [postcode]</strong>: no notes on"))

            // A note in the area: redacted alike, it still counts in the area's row.
            let note = try Self.run(fixture, "add", "--title", "Doorstep chat", "--area", place, "--participant", "P-030", "--tag", "isolation",
                                    "--at", "2026-11-05", "--consent", "given", "--quiet")
            try #require(note.status == 0, "\(note)")
            let counted = try Self.report(fixture, "counted.html", "--redact", "--min-count", "1")
            #expect(try Self.row(counted, "[address] [postcode]").hasSuffix("<td class=\"num total\">1</td>"))
            #expect(!counted.contains("(other areas)") && !counted.contains("Victor") && !counted.contains("DN32"))
            let filtered = try Self.report(fixture, "filtered.html", "--redact", "--area", place)
            #expect(filtered.contains("<h1>Fieldnotes evidence report: notes matching area=[address] [postcode]</h1>"))
            #expect(!filtered.contains("Victor") && !filtered.contains("DN32"))
            #expect(try Self.row(filtered, "[address] [postcode]").hasSuffix("<td class=\"num total suppressed\">\(Self.flag)</td>"))
        }
    }
}
