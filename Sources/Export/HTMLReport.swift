import CRDT
import Store

/// The report for decision-makers: one self-contained HTML page (inline CSS
/// with a print stylesheet, inline SVG drawn here, no scripts, no external
/// references). Every chart states its values in text and has a table behind
/// it; nothing relies on colour alone. All text is escaped.
struct HTMLReport {
    let data: ExportDataset

    static func bytes(_ data: ExportDataset) -> [UInt8] { Array(HTMLReport(data: data).render().utf8) }

    /// Section ids, in page order; tests look for each.
    static let sections = ["summary", "notes-per-week", "coverage", "measures", "insights", "decisions", "about"]

    func render() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Fieldnotes evidence report</title>
            <style>
            \(HTMLReport.css)
            </style>
            </head>
            <body>
            <header>
            <h1>Fieldnotes evidence report</h1>
            <p class="lede">What residents told us, where the evidence is thin, and how it was used.
            Generated \(e(ReportFigures.humanTime(data.generatedAt))) from \(e(data.exportedBy)). Scope: \(e(scope)).</p>
            <nav aria-label="Sections"><ul>
            <li><a href="#summary">At a glance</a></li>
            <li><a href="#notes-per-week">Notes over time</a></li>
            <li><a href="#coverage">Where evidence is thin</a></li>
            <li><a href="#measures">Loneliness measures</a></li>
            <li><a href="#insights">Agreed insights</a></li>
            <li><a href="#decisions">Decisions</a></li>
            <li><a href="#about">About this report</a></li>
            </ul></nav>
            </header>
            <main>

            """
        out += summary() + notesOverTime() + coverage() + measures() + insights() + decisions() + about()
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    // MARK: Sections

    var scope: String {
        data.filter.summary == "none" ? "every note in the store" : "notes matching " + data.filter.summary
    }

    func summary() -> String {
        let participants = Set(data.notes.compactMap { $0.value("participant")?.text?.trimmingSpaces }.filter { !$0.isEmpty }).count
        let agreed = data.insights.filter { $0.value("status")?.text == "agreed" }.count
        let follows = data.decisions.map { $0.value("follows_evidence")?.text ?? "" }
        let followed = "yes \(follows.filter { $0 == "yes" }.count), partly \(follows.filter { $0 == "partly" }.count), no \(follows.filter { $0 == "no" }.count)"
        let cards: [(String, Int, String)] = [
            ("Notes", data.notes.count, data.withheld.isEmpty ? "in scope" : "in scope; \(data.withheld.count) without text (consent)"),
            ("Participants", participants, "distinct pseudonyms"),
            ("Areas", areas.filter { $0 != HTMLReport.noArea }.count, "with at least one note"),
            ("Themes", data.themes.count, "in the codebook"),
            ("Agreed insights", agreed, "of \(data.insights.count) insights"),
            ("Decisions", data.decisions.count, "followed the evidence: \(followed)"),
        ]
        var out = "<section id=\"summary\">\n<h2>At a glance</h2>\n<ul class=\"counts\">\n"
        for (label, count, note) in cards {
            out += "<li><span class=\"n\">\(count)</span> <span class=\"label\">\(e(label))</span> <span class=\"note\">\(e(note))</span></li>\n"
        }
        out += "</ul>\n"
        if data.notes.isEmpty { out += "<p class=\"empty\">No notes match this report's scope.</p>\n" }
        return out + "</section>\n\n"
    }

    func notesOverTime() -> String {
        let days = data.notes.compactMap { ReportFigures.day($0.value("occurred_at")?.text) }
        let (unit, periods) = ReportFigures.periods(days)
        var out = "<section id=\"notes-per-week\">\n<h2>Notes per \(unit)</h2>\n"
        guard let busiest = periods.max(by: { $0.count < $1.count }) else {
            return out + "<p class=\"empty\">No notes to chart.</p>\n</section>\n\n"
        }
        let total = periods.reduce(0) { $0 + $1.count }
        out += "<p>\(total) notes over \(periods.count) \(unit)s; the busiest \(unit) (starting \(e(ReportFigures.humanDate(busiest.start)))) had \(busiest.count).</p>\n"
        out += "<figure class=\"chart\">\n"
        let chart = SVGBarChart(id: "notes-chart", title: "Notes per \(unit)", labels: periods.map(\.label),
                                descriptions: periods.map { "\(unit.capitalizedFirst) starting \(ReportFigures.humanDate($0.start)): \($0.count) notes" },
                                values: periods.map(\.count))
        out += chart.svg
        out += "<figcaption>Each bar is one \(unit)" + (chart.labelsEveryBar ? ", labelled with its number of notes." : "; the tallest is labelled, and the table below gives every value.")
            + "</figcaption>\n</figure>\n"
        out += "<details>\n<summary>Notes per \(unit) as a table</summary>\n<table>\n<thead><tr><th scope=\"col\">\(e(unit.capitalizedFirst)) starting</th><th scope=\"col\" class=\"num\">Notes</th></tr></thead>\n<tbody>\n"
        for period in periods {
            out += "<tr><td>\(e(period.start))</td><td class=\"num\">\(period.count)</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</details>\n</section>\n\n"
    }

    static let noArea = "(no area)"

    var areas: [String] {
        Set(data.notes.map { area($0) }).sorted { a, b in
            a == HTMLReport.noArea ? false : b == HTMLReport.noArea ? true : a.lowercased() < b.lowercased()
        }
    }

    func area(_ note: VisibleRecord) -> String {
        guard let area = note.value("area")?.text?.trimmingSpaces, !area.isEmpty else { return HTMLReport.noArea }
        return area
    }

    /// Notes with no evidence in a cell are a gap; one or two are thin.
    static let thinBelow = 3

    func coverage() -> String {
        var out = "<section id=\"coverage\">\n<h2>Where the evidence is thin</h2>\n"
        let themes = data.tree.ordered
        guard !themes.isEmpty else { return out + "<p class=\"empty\">The codebook has no themes yet, so notes cannot be matched to themes.</p>\n</section>\n\n" }
        guard !data.notes.isEmpty else { return out + "<p class=\"empty\">No notes in scope, so every area and theme is a gap.</p>\n</section>\n\n" }
        var counts: [String: [Int]] = [:]
        var totals: [String: Int] = [:]
        for note in data.notes {
            let area = area(note)
            totals[area, default: 0] += 1
            var row = counts[area] ?? Array(repeating: 0, count: themes.count)
            for (index, theme) in themes.enumerated() where data.codes(note.id, theme.id) { row[index] += 1 }
            counts[area] = row
        }
        let cells = areas.count * themes.count
        let gaps = counts.values.reduce(0) { $0 + $1.filter { $0 == 0 }.count }
        let thin = counts.values.reduce(0) { $0 + $1.filter { $0 > 0 && $0 < HTMLReport.thinBelow }.count }
        out += "<p>Notes in each area that touch each theme (a theme counts the notes of the themes below it). "
        out += "<strong>\(gaps) of \(cells)</strong> area–theme pairs have no evidence (marked <span class=\"flag\">gap</span>) "
        out += "and <strong>\(thin)</strong> have only one or two notes (marked <span class=\"flag\">thin</span>): these are the conversations to go and have.</p>\n"
        out += "<div class=\"scroll\">\n<table class=\"matrix\">\n<caption>Notes by area and theme</caption>\n<thead><tr><th scope=\"col\">Area</th>"
        for theme in themes {
            let name = data.tree.name(theme.id)
            let parent = data.tree.parentPath(theme.id).map { "<span class=\"sub\">\(e($0)) ›</span> " } ?? ""
            out += "<th scope=\"col\" class=\"num\">\(parent)\(e(name))</th>"
        }
        out += "<th scope=\"col\" class=\"num\">All notes</th></tr></thead>\n<tbody>\n"
        for area in areas {
            out += "<tr><th scope=\"row\">\(e(area))</th>"
            for count in counts[area] ?? [] {
                if count == 0 {
                    out += "<td class=\"num gap\">0 <span class=\"flag\">gap</span></td>"
                } else if count < HTMLReport.thinBelow {
                    out += "<td class=\"num thin\">\(count) <span class=\"flag\">thin</span></td>"
                } else {
                    out += "<td class=\"num\">\(count)</td>"
                }
            }
            out += "<td class=\"num total\">\(totals[area] ?? 0)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</div>\n"
        out += "<details>\n<summary>Gaps to fill, area by area</summary>\n<ul>\n"
        for area in areas {
            let missing = themes.enumerated().filter { (counts[area] ?? [])[$0.offset] == 0 }.map { data.tree.path($0.element.id) }
            out += "<li><strong>\(e(area))</strong>: " + (missing.isEmpty ? "every theme has at least one note" : "no notes on " + e(missing.joined(separator: "; "))) + "</li>\n"
        }
        return out + "</ul>\n</details>\n</section>\n\n"
    }

    func measures() -> String {
        var out = "<section id=\"measures\">\n<h2>Loneliness measures by area</h2>\n"
        out += "<p>UCLA-3 totals run from 3 to 9 and the ONS question from 1 (never lonely) to 5 (often or always); on both, higher is lonelier. "
        out += "Only notes where the measure was taken count; n is how many.</p>\n"
        let names = ["ucla3", "ons_lonely"]
        var values: [String: [String: [Double]]] = [:]
        for note in data.notes {
            for measure in Note.measures(of: note) where names.contains(measure.name) {
                values[area(note), default: [:]][measure.name, default: []].append(measure.value)
                values["", default: [:]][measure.name, default: []].append(measure.value)
            }
        }
        guard !values.isEmpty else { return out + "<p class=\"empty\">No UCLA-3 or ONS loneliness measures were recorded on the notes in scope.</p>\n</section>\n\n" }
        out += "<div class=\"scroll\">\n<table>\n<caption>UCLA-3 and ONS loneliness by area</caption>\n<thead>\n"
        out += "<tr><th scope=\"col\" rowspan=\"2\">Area</th><th scope=\"colgroup\" colspan=\"3\">UCLA-3 (3–9)</th><th scope=\"colgroup\" colspan=\"3\">ONS lonely (1–5)</th></tr>\n"
        out += "<tr>" + String(repeating: "<th scope=\"col\" class=\"num\">n</th><th scope=\"col\" class=\"num\">Median</th><th scope=\"col\" class=\"num\">Mean</th>", count: 2) + "</tr>\n</thead>\n<tbody>\n"
        for area in areas + [""] where values[area] != nil {
            out += area.isEmpty ? "<tr class=\"total\"><th scope=\"row\">All areas</th>" : "<tr><th scope=\"row\">\(e(area))</th>"
            for name in names {
                let list = values[area]?[name] ?? []
                out += "<td class=\"num\">\(list.count)</td><td class=\"num\">\(ReportFigures.oneDecimal(ReportFigures.median(list)))</td><td class=\"num\">\(ReportFigures.oneDecimal(ReportFigures.mean(list)))</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n</div>\n</section>\n\n"
    }

    func insights() -> String {
        var out = "<section id=\"insights\">\n<h2>Agreed insights</h2>\n"
        let confidence = ["high": 0, "medium": 1, "low": 2]
        let agreed = data.insights.filter { $0.value("status")?.text == "agreed" }.sorted { a, b in
            let (ca, cb) = (confidence[a.value("confidence")?.text ?? ""] ?? 3, confidence[b.value("confidence")?.text ?? ""] ?? 3)
            return ca != cb ? ca < cb : (a.value("statement")?.text ?? "") < (b.value("statement")?.text ?? "")
        }
        let others = data.insights.count - agreed.count
        guard !agreed.isEmpty else {
            return out + "<p class=\"empty\">No insight has been agreed yet\(others > 0 ? " (\(others) in draft or retired)" : "").</p>\n</section>\n\n"
        }
        out += "<p>\(agreed.count) insight\(agreed.count == 1 ? "" : "s") agreed by the team, most confident first\(others > 0 ? "; \(others) more are in draft or retired and not shown" : ""). "
        out += "Quotes are the first sentence of evidence notes in scope, shortest first; notes without consent are never quoted.</p>\n"
        let notes = Dictionary(uniqueKeysWithValues: data.notes.map { ($0.id, $0) })
        for insight in agreed {
            let evidence = ExportDataset.ids(insight, Insight.evidenceSet)
            let inScope = evidence.compactMap { notes[$0] }
            let themes = ExportDataset.ids(insight, Insight.themeSet).filter { data.tree.themes[$0] != nil }.map { data.tree.name($0) }
            out += "<article class=\"insight\">\n<h3>\(e(insight.value("statement")?.text ?? "(no statement)"))</h3>\n<p class=\"meta\">"
            out += ["Confidence: " + e(insight.value("confidence")?.text ?? "not given"),
                    "Area: " + e(insight.value("area")?.text ?? "all"),
                    "Themes: " + e(themes.isEmpty ? "none" : themes.joined(separator: ", "))].joined(separator: " · ")
            out += "</p>\n<p class=\"evidence\">Evidence: <strong>\(evidence.count) note\(evidence.count == 1 ? "" : "s")</strong>"
            out += evidence.count == inScope.count ? "" : " (\(inScope.count) in this report's scope)"
            out += "</p>\n"
            let quotes = inScope.filter { !data.withheld.contains($0.id) }.compactMap { note -> (String, VisibleRecord)? in
                let text = ReportFigures.firstSentence(note.value("body")?.text ?? note.value("title")?.text ?? "")
                return text.isEmpty ? nil : (text, note)
            }.sorted { $0.0.count != $1.0.count ? $0.0.count < $1.0.count : $0.1.id < $1.1.id }.prefix(3)
            for (quote, note) in quotes {
                let source = [note.value("kind")?.text, note.value("area")?.text, note.value("occurred_at")?.text.map(ReportFigures.humanDate)].compactMap { $0 }
                out += "<blockquote><p>\(e(quote))</p><footer>\(e(source.joined(separator: ", ")))</footer></blockquote>\n"
            }
            if quotes.isEmpty { out += "<p class=\"empty\">No quotable evidence in scope.</p>\n" }
            out += "</article>\n"
        }
        return out + "</section>\n\n"
    }

    static func followsLabel(_ value: String?) -> (symbol: String, text: String, key: String) {
        switch value {
        case "yes": return ("✓", "Yes, it followed the evidence", "yes")
        case "partly": return ("◐", "Partly followed the evidence", "partly")
        case "no": return ("✗", "No, it went against the evidence", "no")
        default: return ("?", "Not recorded", "unknown")
        }
    }

    func decisions() -> String {
        var out = "<section id=\"decisions\">\n<h2>Decisions and the evidence</h2>\n"
        guard !data.decisions.isEmpty else { return out + "<p class=\"empty\">No decisions have been recorded.</p>\n</section>\n\n" }
        let decisions = data.decisions.sorted { a, b in
            let (da, db) = (a.value("decided_at")?.text ?? "", b.value("decided_at")?.text ?? "")
            return da != db ? da > db : (a.value("title")?.text ?? "") < (b.value("title")?.text ?? "")
        }
        let insights = Dictionary(uniqueKeysWithValues: data.insights.map { ($0.id, $0) })
        out += "<div class=\"scroll\">\n<table>\n<caption>Each decision and whether it followed the evidence</caption>\n"
        out += "<thead><tr><th scope=\"col\">Decision</th><th scope=\"col\">Status</th><th scope=\"col\">Decided</th><th scope=\"col\">Followed the evidence</th><th scope=\"col\" class=\"num\">Insights behind it</th></tr></thead>\n<tbody>\n"
        for decision in decisions {
            let follows = HTMLReport.followsLabel(decision.value("follows_evidence")?.text)
            out += "<tr><td>\(e(decision.value("title")?.text ?? "(untitled)"))</td><td>\(e(decision.value("status")?.text ?? "–"))</td>"
            out += "<td>\(e(decision.value("decided_at")?.text.map(ReportFigures.humanDate) ?? "–"))</td>"
            out += "<td class=\"follows follows-\(follows.key)\"><span aria-hidden=\"true\">\(follows.symbol)</span> \(e(follows.text))</td>"
            out += "<td class=\"num\">\(ExportDataset.ids(decision, Decision.insightSet).count)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</div>\n"
        for decision in decisions {
            let follows = HTMLReport.followsLabel(decision.value("follows_evidence")?.text)
            out += "<article class=\"decision\">\n<h3>\(e(decision.value("title")?.text ?? "(untitled)"))</h3>\n"
            if let description = decision.value("description")?.text, !description.isEmpty { out += "<p>\(e(description))</p>\n" }
            out += "<dl>\n"
            out += "<dt>Status</dt><dd>\(e(decision.value("status")?.text ?? "–"))\(decision.value("decided_at")?.text.map { ", decided " + e(ReportFigures.humanDate($0)) } ?? "")</dd>\n"
            out += "<dt>What the evidence suggested</dt><dd>\(e(decision.value("suggested")?.text ?? "Not recorded"))</dd>\n"
            out += "<dt>What was decided</dt><dd>\(e(decision.value("made")?.text ?? "Not recorded"))</dd>\n"
            out += "<dt>Followed the evidence?</dt><dd class=\"follows follows-\(follows.key)\"><span aria-hidden=\"true\">\(follows.symbol)</span> \(e(follows.text))</dd>\n"
            out += "</dl>\n"
            let behind = ExportDataset.ids(decision, Decision.insightSet)
            if behind.isEmpty {
                out += "<p class=\"empty\">No insights are linked to this decision.</p>\n"
            } else {
                out += "<p>Insights behind it:</p>\n<ul>\n"
                for id in behind {
                    guard let insight = insights[id] else { out += "<li>An insight no longer in the store</li>\n"; continue }
                    let evidence = ExportDataset.ids(insight, Insight.evidenceSet).count
                    out += "<li>\(e(insight.value("statement")?.text ?? "(no statement)")) <span class=\"meta\">(\(e(insight.value("status")?.text ?? "no status")); \(evidence) evidence note\(evidence == 1 ? "" : "s"))</span></li>\n"
                }
                out += "</ul>\n"
            }
            out += "</article>\n"
        }
        return out + "</section>\n\n"
    }

    func about() -> String {
        var items = [
            "Scope: \(e(scope)). Themes, insights and decisions are always reported whole.",
            "Notes whose consent was declined or withdrawn count in the figures, but their words are never shown"
                + (data.withheld.isEmpty ? "." : "; \(data.withheld.count) such note\(data.withheld.count == 1 ? " is" : "s are") in scope."),
            "Coverage: a note touches a theme when one of its tags names the theme or a theme below it. Fewer than \(HTMLReport.thinBelow) notes is thin.",
            "Weeks start on Monday; times are UTC.",
        ]
        if data.redactions > 0 {
            items.append("\(data.redactions) direct identifier\(data.redactions == 1 ? " was" : "s were") replaced by placeholders such as [postcode].")
        }
        items.append("Generated by fieldnotes on \(e(data.exportedBy)) at \(e(ReportFigures.humanTime(data.generatedAt))).")
        return "<section id=\"about\">\n<h2>About this report</h2>\n<ul>\n" + items.map { "<li>\($0)</li>\n" }.joined() + "</ul>\n</section>\n"
    }

    /// Escapes text for HTML content and attributes alike.
    func e(_ text: String) -> String { XMLText.attribute(text) }

    static let css = """
        :root { color-scheme: light; }
        body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1b1b1b; background: #fff; max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
        h1 { font-size: 1.9rem; margin: 0 0 .25rem; }
        h2 { font-size: 1.4rem; border-bottom: 2px solid #1b1b1b; padding-bottom: .2rem; margin-top: 2.5rem; }
        h3 { font-size: 1.1rem; margin: 1.25rem 0 .25rem; }
        .lede { color: #333; }
        nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
        nav a { color: #0b3d91; }
        .counts { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; }
        .counts li { border: 1px solid #777; border-radius: 4px; padding: .6rem .8rem; }
        .counts .n { display: block; font-size: 2rem; font-weight: 700; line-height: 1.1; }
        .counts .label { display: block; font-weight: 600; }
        .counts .note, .meta { color: #444; font-size: .9rem; }
        .empty { font-style: italic; color: #444; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; margin: .75rem 0; font-size: .95rem; }
        caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
        th, td { border: 1px solid #888; padding: .3rem .5rem; text-align: left; vertical-align: top; }
        thead th { background: #eee; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .matrix thead th { vertical-align: bottom; max-width: 9rem; }
        .sub { display: block; font-weight: 400; font-size: .8rem; color: #444; }
        td.gap { background: repeating-linear-gradient(135deg, #fff 0 4px, #d9d9d9 4px 8px); font-weight: 700; }
        td.thin { background: #f0f0f0; }
        .flag { font-size: .7rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; border: 1px solid #555; border-radius: 3px; padding: 0 .2rem; }
        td.total, tr.total th, tr.total td { font-weight: 700; }
        figure.chart { margin: 1rem 0; }
        figure.chart svg { max-width: 100%; height: auto; }
        figcaption { font-size: .9rem; color: #444; }
        svg .bar { fill: #1f4e8c; stroke: #000; stroke-width: .5; }
        svg .grid { stroke: #ccc; stroke-width: 1; }
        svg .axis { stroke: #1b1b1b; stroke-width: 1; }
        svg text { font: 11px system-ui, sans-serif; fill: #1b1b1b; }
        svg .value { font-weight: 700; }
        details { margin: .5rem 0 1rem; }
        summary { cursor: pointer; color: #0b3d91; }
        blockquote { margin: .5rem 0; padding: .3rem .9rem; border-left: 4px solid #555; background: #f7f7f7; }
        blockquote p { margin: 0; }
        blockquote footer { font-size: .85rem; color: #444; }
        article { border-top: 1px solid #ccc; padding-top: .25rem; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dt { font-weight: 600; }
        dd { margin: 0; }
        .follows span { font-weight: 700; }
        @media print {
          body { max-width: none; padding: 0; font-size: 10.5pt; }
          nav { display: none; }
          h2 { break-after: avoid; }
          section { break-before: auto; }
          article, figure, table, blockquote { break-inside: avoid; }
          details > summary { display: none; }
          details::details-content { content-visibility: visible; display: contents; }
          a { color: inherit; text-decoration: none; }
          svg .bar { fill: #555; }
          thead th, blockquote { background: none; }
        }
        """
}

extension String {
    /// "week" → "Week".
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
