import CRDT
@testable import Export
import Foundation
import Store
import Testing

@Suite struct HTMLReportTests {
    @Test func theReportHasEverySectionAndATableBehindTheChart() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            for section in HTMLReport.sections { #expect(html.contains("<section id=\"\(section)\">"), "\(section)") }
            #expect(html.contains("<svg id=\"notes-chart\"") && html.contains("role=\"img\""))
            #expect(html.contains("<details>\n<summary>Notes per week as a table</summary>"))
            #expect(html.contains("@media print"))
            // Headline counts.
            #expect(html.contains("<span class=\"n\">5</span> <span class=\"label\">Notes</span>"))
            #expect(html.contains("<span class=\"n\">2</span> <span class=\"label\">Agreed insights</span>"))
        }
    }

    @Test func theReportReferencesNothingOutsideItself() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report).lowercased()
            for forbidden in ["http:", "https:", "<link", "<script", "src=", "url(", "@import", "<iframe", "<object", "<embed", "<img"] {
                #expect(!html.contains(forbidden), "\(forbidden)")
            }
            let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
            #expect(!hrefs.isEmpty)
            for href in hrefs { #expect(href.hasPrefix("#"), "\(href)") }
        }
    }

    @Test func coverageMarksGapsAndThinEvidenceInWords() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            // East Marsh: bus note (Transport, so also Isolation) and evenings note (Bereavement); nothing on money.
            let row = try #require(html.components(separatedBy: "<tr><th scope=\"row\">East Marsh</th>").dropFirst().first?.components(separatedBy: "</tr>").first)
            #expect(row == "<td class=\"num thin\">1 <span class=\"flag\">thin</span></td>"       // Bereavement
                    + "<td class=\"num thin\">1 <span class=\"flag\">thin</span></td>"            // Isolation
                    + "<td class=\"num thin\">1 <span class=\"flag\">thin</span></td>"            // › Transport
                    + "<td class=\"num gap\">0 <span class=\"flag\">gap</span></td>"              // Money worries
                    + "<td class=\"num total\">2</td>")
            #expect(html.contains("<span class=\"sub\">Isolation ›</span> Transport"))
            #expect(html.contains("no notes on Bereavement; Isolation; Isolation › Transport; Money worries"))
        }
    }

    @Test func measuresAreSummarisedByArea() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            // East Marsh: UCLA-3 7 and 8; ONS 4 and 5.
            #expect(html.contains("<tr><th scope=\"row\">East Marsh</th><td class=\"num\">2</td><td class=\"num\">7.5</td><td class=\"num\">7.5</td>"
                                  + "<td class=\"num\">2</td><td class=\"num\">4.5</td><td class=\"num\">4.5</td></tr>"))
            // All areas: UCLA-3 7, 8, 5 (the declined note's measure counts: it is not text).
            #expect(html.contains("<tr class=\"total\"><th scope=\"row\">All areas</th><td class=\"num\">3</td><td class=\"num\">7.0</td><td class=\"num\">6.7</td>"))
        }
    }

    @Test func insightsShowQuotesOnlyFromNotesWithConsent() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            #expect(html.contains("<h3>Losing a bus route stops people going to social activities</h3>"))
            #expect(html.contains("Evidence: <strong>3 notes</strong> (2 in this report's scope)"))
            #expect(html.contains("<blockquote><p>Since the number 9 bus was cut she only gets out when her son drives over.</p>"))
            #expect(html.contains("<blockquote><p>Can&#39;t book the GP online.</p><footer>phone-call, Scartho, 25 Nov 2026</footer></blockquote>"))
            #expect(!html.contains("Bereaved men rarely ask for help</h3>"), "a draft insight is not an agreed one")
            for secret in Fixture.secrets { #expect(!html.contains(secret), "\(secret)") }
        }
    }

    @Test func decisionsSayWhetherTheyFollowedTheEvidenceInWords() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            #expect(html.contains("<td class=\"follows follows-yes\"><span aria-hidden=\"true\">✓</span> Yes, it followed the evidence</td>"))
            #expect(html.contains("<td class=\"follows follows-no\"><span aria-hidden=\"true\">✗</span> No, it went against the evidence</td>"))
            #expect(html.contains("<li>Bereaved men rarely ask for help <span class=\"meta\">(draft; 1 evidence note)</span></li>"))
        }
    }

    @Test func textIsEscaped() throws {
        try Fixture.with { fixture throws in
            let theme = Fixture.id("7e99")
            try fixture.store.commit([.create(theme, type: Theme.type), .assign(theme, field: "name", value: .text("<script>alert(\"x\")</script> & co"))])
            let html = try fixture.render(.report)
            #expect(!html.contains("<script>"))
            #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"))
        }
    }

    @Test func anEmptyScopeStillMakesAReport() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report, filter: ExportFilter(area: "Nowhere"))
            for section in HTMLReport.sections { #expect(html.contains("<section id=\"\(section)\">"), "\(section)") }
            #expect(html.contains("No notes match this report's scope."))
        }
    }

    @Test func weeksStartOnMondayAndEmptyWeeksAreShown() {
        // 2026-11-02 is a Monday; 2026-11-25 a Wednesday three weeks later.
        let days = ["2026-11-02", "2026-11-04", "2026-11-25"].compactMap { ReportFigures.day($0) }
        let (unit, periods) = ReportFigures.periods(days)
        #expect(unit == "week")
        #expect(periods.map(\.start) == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"])
        #expect(periods.map(\.count) == [2, 0, 0, 1])
        #expect(ReportFigures.median([5, 7, 8]) == 7 && ReportFigures.median([4, 5]) == 4.5 && ReportFigures.median([]) == nil)
    }

    @Test func reportMatchesItsGoldenFile() throws {
        try Fixture.with { fixture throws in
            try expectGolden(fixture.normalised(try fixture.render(.report)), "report.html")
        }
    }
}
