import Analysis
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
            // Headline counts (4 notes from 3 people: shown with suppression off).
            let counts = try fixture.render(.report, options: ExportOptions(minCount: 1))
            #expect(counts.contains("<span class=\"n\">4</span> <span class=\"label\">Notes</span>"), "the withdrawn note is left out")
            #expect(counts.contains("1 note whose participant withdrew consent is left out altogether"))
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
            // With suppression off, the counts themselves.
            let html = try fixture.render(.report, options: ExportOptions(minCount: 1))
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

    @Test func measuresAreSummarisedByAreaCountingPeople() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report, options: ExportOptions(minCount: 1))
            // East Marsh: UCLA-3 7 and 8; ONS 4 and 5, from two people.
            #expect(html.contains("<tr><th scope=\"row\">East Marsh</th><td class=\"num\">2</td><td class=\"num\">7.5</td><td class=\"num\">7.5</td>"
                                  + "<td class=\"num\">2</td><td class=\"num\">4.5</td><td class=\"num\">4.5</td></tr>"))
            // All areas: UCLA-3 7, 8, 5 (the declined note's measure counts: it is not text).
            #expect(html.contains("<tr class=\"total\"><th scope=\"row\">All areas</th><td class=\"num\">3</td><td class=\"num\">7.0</td><td class=\"num\">6.7</td>"))
            // ONS over all areas: P-017 scored 4 on 2 Nov and 3 on 25 Nov: one person, counted once with the later score.
            #expect(html.contains("<td class=\"num\">3</td><td class=\"num\">7.0</td><td class=\"num\">6.7</td><td class=\"num\">2</td><td class=\"num\">4.0</td><td class=\"num\">4.0</td></tr>"),
                    "ONS: 2 people (P-017 once, with 3, and P-018 with 5), not 3 notes")
            #expect(html.contains("Figures count <strong>people</strong>"))
        }
    }

    @Test func figuresFromFewerThanFivePeopleAreSuppressedAndMarked() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            #expect(!html.contains("<td class=\"num\">7.5</td>"), "a median of two people's scores is not shown")
            #expect(html.contains("<td class=\"num suppressed\" colspan=\"3\"><span class=\"flag\">fewer than 5</span> people: suppressed</td>"))
            let row = try #require(html.components(separatedBy: "<tr><th scope=\"row\">East Marsh</th>").dropFirst().first?.components(separatedBy: "</tr>").first)
            #expect(row.hasPrefix("<td class=\"num thin suppressed\"><span class=\"flag\" title=\"fewer than 5 people: suppressed\">&lt;5</span></td>"), "\(row)")
            #expect(row.contains("<td class=\"num gap\">0 <span class=\"flag\">gap</span></td>"), "a gap stays a gap: no one is counted")
            let three = try fixture.render(.report, options: ExportOptions(minCount: 3))
            #expect(three.contains("fewer than 3 people: suppressed") && !three.contains("fewer than 5"))
        }
    }

    @Test func theFirstThingThePageSaysIsWhereThereIsNoEvidence() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            let headline = try #require(html.components(separatedBy: "<p class=\"headline\">").dropFirst().first?.components(separatedBy: "</p>").first)
            // The 15 wards × 4 themes, wards with no notes included: East Marsh lacks only Money worries,
            // Heneage has Isolation and Transport, every other ward has nothing.
            #expect(headline.hasPrefix("<strong>55 of 60 area–theme pairs have no evidence</strong>: Croft Baker: Bereavement, Isolation, Transport, Money worries; East Marsh: Money worries;"), "\(headline)")
            #expect(html.contains("<tr><th scope=\"row\">Wolds</th>"), "a ward with no notes is a row of gaps")
            #expect(html.range(of: "<p class=\"headline\">")!.lowerBound < html.range(of: "<section id=\"summary\">")!.lowerBound)
        }
    }

    @Test func theMatrixPrintsWholeAndFitsAPhoneInParts() throws {
        try Fixture.with { fixture throws in
            for n in 0 ..< 9 {
                let theme = Fixture.id("7f0\(n)")
                try fixture.store.commit([.create(theme, type: Theme.type), .assign(theme, field: "name", value: .text("Extra \(n)"))])
            }
            let html = try fixture.render(.report)
            // 13 themes: the print copy in tables of 7 themes, the phone copy in tables of 3, each with the area column.
            let print = try #require(html.components(separatedBy: "<div class=\"chunked print\">").dropFirst().first?.components(separatedBy: "</div>").first)
            #expect(print.components(separatedBy: "<table class=\"matrix\">").count - 1 == 2)
            #expect(print.components(separatedBy: "<th scope=\"row\">East Marsh</th>").count - 1 == 2, "the area column repeats in every part")
            let phone = try #require(html.components(separatedBy: "<div class=\"chunked phone\">").dropFirst().first?.components(separatedBy: "</div>").first)
            #expect(phone.components(separatedBy: "<table class=\"matrix\">").count - 1 == 5)
            #expect(html.contains("@page { size: A4 landscape"))
            #expect(html.contains(".chunked.print { display: block; }") && html.contains(".chunked.phone { display: block; }"))
        }
    }

    @Test func missingEvidenceIsFlaggedInWords() throws {
        try Fixture.with { fixture throws in
            let empty = Fixture.id("1509"), orphan = Fixture.id("dec9"), onlyWithdrawn = Fixture.id("150a")
            try fixture.store.commit([
                .create(empty, type: Insight.type), .assign(empty, field: "statement", value: .text("Everyone wants a minibus")),
                .assign(empty, field: "status", value: .text("agreed")), .assign(empty, field: "confidence", value: .text("high")),
                .create(onlyWithdrawn, type: Insight.type), .assign(onlyWithdrawn, field: "statement", value: .text("Heneage feels forgotten")),
                .assign(onlyWithdrawn, field: "status", value: .text("agreed")), .assign(onlyWithdrawn, field: "confidence", value: .text("medium")),
                .add(onlyWithdrawn, set: Insight.evidenceSet, element: .text(Fixture.withdrawn.hex)),
                .add(onlyWithdrawn, set: Insight.evidenceSet, element: .text(Fixture.declined.hex)),
                .create(orphan, type: Decision.type), .assign(orphan, field: "title", value: .text("Extend library hours")),
                .assign(orphan, field: "follows_evidence", value: .text("yes")),
            ])
            let html = try fixture.render(.report)
            #expect(html.contains("Evidence agreed, but no evidence notes are linked."))
            #expect(html.contains("Evidence all 2 evidence notes are withdrawn, declined, deleted or erased: no usable evidence."))
            let first = try #require(html.components(separatedBy: "<article class=\"insight\">\n<h3>").dropFirst().first)
            #expect(first.hasPrefix("Losing a bus route"), "a high-confidence insight with no evidence is not listed first")
            #expect(html.contains("Yes, it followed the evidence<br><span class=\"flag\">check</span> Recorded as following the evidence, but no insights are linked</td>"))
            #expect(html.contains("Area: no area given"))
        }
    }

    @Test func aPartialLastWeekIsMarkedAndTheTitleCarriesTheScope() throws {
        try Fixture.with { fixture throws in
            // The export is made on Thursday 10 Dec 2026; a note on Wednesday 9 Dec falls in a week not yet over.
            var input = Note.Input()
            input.title = "This week"
            input.occurredAt = "2026-12-09"
            try fixture.store.commit(try Note.changes(input, for: Fixture.id("a0ff"), creating: true, nowSeconds: 0))
            let html = try fixture.render(.report, filter: ExportFilter(since: "2026-11-01"), options: ExportOptions(reportTitle: "Loneliness in Grimsby"))
            #expect(html.contains("<h1>Loneliness in Grimsby: notes matching since=2026-11-01</h1>"))
            #expect(html.contains("<title>Loneliness in Grimsby</title>"))
            #expect(html.contains("7 Dec 26 (partial)"))
            #expect(html.contains("<tr><td>2026-12-07 (partial week)</td>"))
            #expect(!html.contains("1 more are") && !html.contains(" 1 weeks"))
        }
    }

    @Test func insightsShowQuotesOnlyFromNotesWithConsent() throws {
        try Fixture.with { fixture throws in
            let html = try fixture.render(.report)
            #expect(html.contains("<h3>Losing a bus route stops people going to social activities</h3>"))
            #expect(html.contains("Evidence: <strong>3 notes</strong> (2 in this report's scope; 1 with consent and not deleted)"))
            // No coded passages: the sentences that best match each insight.
            #expect(html.contains("<blockquote><p>Since the number 9 bus was cut she only gets out when her son drives over.</p>"))
            #expect(html.contains("<blockquote><p>Can&#39;t book the GP online.</p><footer>phone-call, Scartho, 25 Nov 2026</footer></blockquote>"))
            #expect(!html.contains("She misses the lunch club."), "a sentence sharing no word with the insight is no quote")
            #expect(!html.contains("Bereaved men rarely ask for help</h3>"), "a draft insight is not an agreed one")
            for secret in Fixture.secrets { #expect(!html.contains(secret), "\(secret)") }
        }
    }

    @Test func quotesComeFromCodedPassagesAndAPinnedOneComesFirst() throws {
        try Fixture.with { fixture throws in
            let store = fixture.store
            let (coded, pinned) = (Fixture.id("9a01"), Fixture.id("9a02"))
            try store.commit(try Passages.code(.quote("she only gets out when her son drives over"), of: Fixture.busCut, theme: Fixture.transport,
                                               coder: "ana", now: "2026-12-01T10:00:00Z", in: store, id: coded))
            var html = try fixture.render(.report)
            let article = try #require(html.components(separatedBy: "<h3>Losing a bus route").dropFirst().first?.components(separatedBy: "</article>").first)
            #expect(article.contains("<blockquote><p>she only gets out when her son drives over</p>"), "\(article)")
            try store.commit(try Passages.code(.quote("She misses the lunch club."), of: Fixture.busCut, theme: Fixture.money,
                                               coder: "ana", now: "2026-12-01T10:05:00Z", in: store, id: pinned))
            try store.commit([.add(Fixture.busInsight, set: Insight.pinnedSet, element: .text(pinned.hex))])
            html = try fixture.render(.report)
            let quotes = try #require(html.components(separatedBy: "<h3>Losing a bus route").dropFirst().first?.components(separatedBy: "</article>").first)
                .components(separatedBy: "<blockquote><p>").dropFirst().map { $0.components(separatedBy: "</p>")[0] }
            #expect(quotes.prefix(2) == ["She misses the lunch club.", "she only gets out when her son drives over"])
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
