import Analysis
import CRDT
import Store

/// The report for decision-makers: one self-contained HTML page (inline CSS
/// with a print stylesheet, inline SVG drawn here, no scripts, no external
/// references). Every chart states its values in text and has a table behind
/// it; nothing relies on colour alone. All text is escaped.
///
/// Figures say whether they count people or notes. A figure drawn from fewer
/// than `minCount` distinct people is suppressed and marked, following NHS
/// practice on small numbers (`suppresses(people:)`, the one rule): matrix
/// cells and row totals, the counts of notes and participants, each period's
/// notes and the measures. A person is a participant pseudonym (a note with
/// none counts as one person of its own, `ExportDataset.person`), so repeat
/// visits are not extra people. Counts of areas, themes, insights, decisions
/// and an insight's evidence notes are the team's own work, not suppressed.
public struct HTMLReport {
    let data: ExportDataset
    let title: String
    let minCount: Int
    /// Each note's row in the area tables (`area(_:_:)`), in `data.notes` order:
    /// found once, for the sections that all group notes by area.
    let noteAreas: [String]
    /// Who each note is about (`ExportDataset.person`), in `data.notes` order: found once,
    /// for every figure that counts people.
    let notePeople: [String]
    /// The rows: every known area in scope (the wards and the team's areas,
    /// as the vocabulary orders them; with an area filter, the one it names),
    /// then the notes' other areas and the notes with none, if there are any.
    let areas: [String]
    /// The area × theme matrix of the headline and the coverage section.
    let matrix: Matrix

    /// The NHS's usual small-number threshold.
    public static let defaultMinCount = 5

    /// The title is the dataset's (`ExportDataset.prepare(for:title:)`), so the identifier guard has read it.
    init(data: ExportDataset, minCount: Int = HTMLReport.defaultMinCount) {
        self.data = data
        self.title = data.reportTitle ?? "Fieldnotes evidence report"
        self.minCount = max(1, minCount)
        let noteAreas = data.notes.map { HTMLReport.area($0, data.areas) }
        let notePeople = data.notes.map(ExportDataset.person)
        let present = Set(noteAreas)
        let areas = data.scopedAreas.map(\.name) + [HTMLReport.otherAreas, HTMLReport.noArea].filter(present.contains)
        self.noteAreas = noteAreas
        self.notePeople = notePeople
        self.areas = areas
        self.matrix = HTMLReport.matrix(data, noteAreas: noteAreas, notePeople: notePeople, areas: areas)
    }

    var bytes: [UInt8] { Array(render().utf8) }

    /// Section ids, in page order; tests look for each.
    static let sections = ["summary", "notes-per-week", "coverage", "measures", "insights", "decisions", "about"]

    func render() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(title))</title>
            <style>
            \(HTMLReport.css)
            </style>
            </head>
            <body>
            <header>
            <h1>\(e(title)): \(e(scope))</h1>
            <p class="lede">What residents told us, where the evidence is thin, and how it was used.
            Generated \(e(ReportFigures.humanTime(data.generatedAt))) from \(e(data.exportedBy)).</p>
            \(gapHeadline())
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

    /// Distinct people among the notes whose text is withheld for consent.
    var withheldPeople: Int {
        Set(zip(data.notes, notePeople).lazy.filter { data.withheld.contains($0.0.id) }.map(\.1)).count
    }

    var scope: String {
        data.reportScope == "none" ? "every note in the store" : "notes matching " + data.reportScope
    }

    // MARK: Small numbers

    /// The small-number rule, the one place it is decided: a figure drawn from at least one
    /// and fewer than `minCount` distinct people is suppressed (a figure drawn from no one, 0, is shown).
    func suppresses(people: Int) -> Bool { people > 0 && people < minCount }

    /// What a suppressed figure shows: `<5`, saying why to a pointer and a screen reader.
    var suppressedFlag: String { "<span class=\"flag\" title=\"fewer than \(minCount) people: suppressed\">&lt;\(minCount)</span>" }

    /// A count in a table cell: the number, or `<5` when it is drawn from too few people.
    func countCell(_ count: Int, people: Int, _ classes: String = "num") -> String {
        suppresses(people: people) ? "<td class=\"\(classes) suppressed\">\(suppressedFlag)</td>" : "<td class=\"\(classes)\">\(count)</td>"
    }

    func summary() -> String {
        let participants = Set(data.notes.compactMap { $0.value("participant")?.text.map(Codebook.key) }.filter { !$0.isEmpty }).count
        let people = Set(notePeople).count
        let agreed = data.insights.filter { $0.value("status")?.text == "agreed" }.count
        let follows = data.decisions.map { $0.value("follows_evidence")?.text ?? "" }
        let followed = "yes \(follows.filter { $0 == "yes" }.count), partly \(follows.filter { $0 == "partly" }.count), no \(follows.filter { $0 == "no" }.count)"
        let withheld = data.withheld.isEmpty ? "in scope"
            : suppresses(people: withheldPeople) ? "in scope; some, from fewer than \(ReportFigures.count(minCount, "person")), without text (consent)"
            : "in scope; \(data.withheld.count) without text (consent)"
        let scoped = data.scopedAreas.count
        // (label, count, the people it is drawn from when it counts people or their notes, note)
        let cards: [(String, Int, Int?, String)] = [
            ("Notes", data.notes.count, people, withheld),
            ("Participants", participants, participants, "distinct pseudonyms"),
            ("Areas", Set(noteAreas.filter(HTMLReport.isKnownArea)).count, nil,
             data.filter.area == nil ? "of the \(scoped) known areas have notes" : "of the \(ReportFigures.count(scoped, "known area")) in scope \(scoped == 1 ? "has" : "have") notes"),
            ("Themes", data.themes.count, nil, "in the codebook"),
            ("Agreed insights", agreed, nil, "of \(data.insights.count) insights"),
            ("Decisions", data.decisions.count, nil, "followed the evidence: \(followed)"),
        ]
        var out = "<section id=\"summary\">\n<h2>At a glance</h2>\n<ul class=\"counts\">\n"
        for (label, count, people, note) in cards {
            let shown = people.map(suppresses) == true
                ? "<span class=\"n suppressed\" title=\"fewer than \(minCount) people: suppressed\">&lt;\(minCount)</span>"
                : "<span class=\"n\">\(count)</span>"
            out += "<li>\(shown) <span class=\"label\">\(e(label))</span> <span class=\"note\">\(e(note))</span></li>\n"
        }
        out += "</ul>\n"
        if data.notes.isEmpty { out += "<p class=\"empty\">No notes match this report's scope.</p>\n" }
        return out + "</section>\n\n"
    }

    func notesOverTime() -> String {
        let dated = zip(data.notes, notePeople).compactMap { note, person in ReportFigures.day(note.value("occurred_at")?.text).map { ($0, person) } }
        let (unit, periods) = ReportFigures.periods(dated.map(\.0), people: dated.map(\.1))
        var out = "<section id=\"notes-per-week\">\n<h2>Notes per \(unit)</h2>\n"
        guard let busiest = periods.max(by: { $0.count < $1.count }) else {
            return out + "<p class=\"empty\">No notes to chart.</p>\n</section>\n\n"
        }
        let total = periods.reduce(0) { $0 + $1.count }
        // The period the report was made in is not over: its bar is not a whole one.
        let partialLast = ReportFigures.isUnfinished(periods.last?.start, unit: unit, today: data.generatedAt / 86_400)
        let fewPeople = "fewer than \(ReportFigures.count(minCount, "person"))"
        if suppresses(people: Set(dated.map(\.1)).count) {
            out += "<p>The notes over these \(ReportFigures.count(periods.count, unit)) are about \(fewPeople), so their number is suppressed."
        } else {
            out += "<p>\(ReportFigures.count(total, "note")) over \(ReportFigures.count(periods.count, unit))"
            // The busiest period's count is given only where it may be shown.
            out += suppresses(people: busiest.people) ? "." : "; the busiest \(unit) (starting \(e(ReportFigures.humanDate(busiest.start)))) had \(busiest.count)."
        }
        let hidden = periods.filter { suppresses(people: $0.people) }.count
        if hidden == periods.count {
            out += " Every \(unit)'s count is drawn from \(fewPeople) and is suppressed (marked &lt;\(minCount))."
        } else if hidden > 0 {
            out += " \(hidden) of the \(periods.count) \(unit)s' counts are drawn from \(fewPeople) and are suppressed (marked &lt;\(minCount))."
        }
        if partialLast { out += " The last \(unit) is not over yet, so its bar is marked as partial." }
        out += "</p>\n<figure class=\"chart\">\n"
        let labels = periods.enumerated().map { index, period in partialLast && index == periods.count - 1 ? period.label + " (partial)" : period.label }
        let chart = SVGBarChart(id: "notes-chart", title: "Notes per \(unit)", labels: labels,
                                descriptions: zip(periods, labels).map { period, label in
                                    "\(unit.capitalizedFirst) starting \(label == period.label ? ReportFigures.humanDate(period.start) : ReportFigures.humanDate(period.start) + ", not over yet"): "
                                        + (suppresses(people: period.people) ? "suppressed, \(fewPeople)" : ReportFigures.count(period.count, "note"))
                                },
                                values: periods.map { suppresses(people: $0.people) ? nil : $0.count }, suppressed: "<\(minCount)")
        out += chart.svg
        out += "<figcaption>Each bar is one \(unit)" + (chart.labelsEveryBar ? ", labelled with its number of notes." : "; the tallest is labelled, and the table below gives every value.")
            + (hidden > 0 ? " A \(unit) whose count is suppressed has no bar and is marked &lt;\(minCount)." : "")
            + (partialLast ? " The last bar is a partial \(unit)." : "") + "</figcaption>\n</figure>\n"
        out += "<details>\n<summary>Notes per \(unit) as a table</summary>\n<table>\n<thead><tr><th scope=\"col\">\(e(unit.capitalizedFirst)) starting</th><th scope=\"col\" class=\"num\">Notes</th></tr></thead>\n<tbody>\n"
        for (index, period) in periods.enumerated() {
            let partial = partialLast && index == periods.count - 1 ? " (partial \(unit))" : ""
            out += "<tr><td>\(e(period.start))\(partial)</td>\(countCell(period.count, people: period.people))</tr>\n"
        }
        return out + "</tbody>\n</table>\n</details>\n</section>\n\n"
    }

    static let noArea = Coverage.noAreaRow
    static let otherAreas = Coverage.otherAreasRow

    /// Whether a row is a known area (only those can be gaps: the other rows gather what the vocabulary does not know).
    static func isKnownArea(_ row: String) -> Bool { row != HTMLReport.otherAreas && row != HTMLReport.noArea }

    /// The row a note counts in: its known area, else the other areas, else no area.

    static func area(_ note: VisibleRecord, _ vocabulary: Areas) -> String {
        if let known = vocabulary.area(of: note) { return known.name }
        guard let area = note.value("area")?.text?.trimmingSpaces, !area.isEmpty else { return HTMLReport.noArea }
        return HTMLReport.otherAreas
    }

    /// Notes with no evidence in a cell are a gap; one or two are thin.
    static let thinBelow = 3

    /// The area × theme matrix: per area, per theme in scope (in codebook order), the
    /// notes in scope coded with the theme or one below it, and the distinct
    /// people behind them.
    struct Matrix {
        let themes: [(id: RecordID, depth: Int)]
        let areas: [String]
        let notes: [String: [Int]]
        let people: [String: [Int]]
        let totals: [String: Int]
        /// Per row, the distinct people behind its notes (behind its total).
        let rowPeople: [String: Int]

        /// Rows that can be gaps: the known areas.
        let knownAreas: [String]

        var gaps: [(area: String, themes: [Int])] {
            knownAreas.map { area in (area, themes.indices.filter { (notes[area] ?? [])[$0] == 0 }) }.filter { !$0.themes.isEmpty }
        }
        var gapCount: Int { gaps.reduce(0) { $0 + $1.themes.count } }
        var cells: Int { knownAreas.count * themes.count }
    }

    static func matrix(_ data: ExportDataset, noteAreas: [String], notePeople: [String], areas: [String]) -> Matrix {
        let themes = data.scopedThemes
        var notes: [String: [Int]] = [:]
        var people: [String: [Set<String>]] = [:]
        var totals: [String: Int] = [:]
        var rowPeople: [String: Set<String>] = [:]
        for area in areas {
            notes[area] = Array(repeating: 0, count: themes.count)
            people[area] = Array(repeating: [], count: themes.count)
        }
        for ((note, area), person) in zip(zip(data.notes, noteAreas), notePeople) {
            totals[area, default: 0] += 1
            rowPeople[area, default: []].insert(person)
            for (index, theme) in themes.enumerated() where data.codes(note.id, theme.id) {
                notes[area]?[index] += 1
                people[area]?[index].insert(person)
            }
        }
        return Matrix(themes: themes, areas: areas, notes: notes, people: people.mapValues { $0.map(\.count) }, totals: totals,
                      rowPeople: rowPeople.mapValues(\.count), knownAreas: areas.filter(isKnownArea))
    }

    /// The page's first words about gaps: how many area–theme pairs have no evidence, and which.
    func gapHeadline() -> String {
        // Gaps are counted among the known areas in scope only; with none (a free-text area filter) there are none to count.
        guard !matrix.themes.isEmpty, !matrix.knownAreas.isEmpty else { return "" }
        let gaps = matrix.gaps
        guard !gaps.isEmpty else {
            return "<p class=\"headline\">Every one of the \(matrix.cells) area–theme pairs has some evidence.</p>"
        }
        let listed = gaps.prefix(8).map { gap in
            "\(e(gap.area)): " + e(gap.themes.map { data.tree.name(matrix.themes[$0].id) }.joined(separator: ", "))
        }.joined(separator: "; ")
        let more = gaps.count > 8 ? "; and \(ReportFigures.count(gaps.count - 8, "more area")) (see <a href=\"#coverage\">where the evidence is thin</a>)" : ""
        return "<p class=\"headline\"><strong>\(matrix.gapCount) of \(matrix.cells) area–theme pairs have no evidence</strong>: \(listed)\(more).</p>"
    }

    func coverage() -> String {
        var out = "<section id=\"coverage\">\n<h2>Where the evidence is thin</h2>\n"
        let themes = matrix.themes
        guard !themes.isEmpty else { return out + "<p class=\"empty\">The codebook has no themes yet, so notes cannot be matched to themes.</p>\n</section>\n\n" }
        guard !data.notes.isEmpty else { return out + "<p class=\"empty\">No notes in scope, so every area and theme is a gap.</p>\n</section>\n\n" }
        let suppressed = matrix.areas.reduce(0) { sum, area in
            sum + zip(matrix.notes[area] ?? [], matrix.people[area] ?? []).filter { $0 > 0 && suppresses(people: $1) }.count
                + (suppresses(people: matrix.rowPeople[area] ?? 0) ? 1 : 0)
        }
        out += "<p>Each cell counts <strong>notes</strong> in an area coded with a theme (a theme counts the notes of the themes below it; "
        out += "a note is coded by a tag naming the theme or by a coded passage). "
        out += "<strong>\(matrix.gapCount) of \(matrix.cells)</strong> area–theme pairs have no evidence (marked <span class=\"flag\">gap</span>): these are the conversations to go and have. "
        out += "Cells and row totals drawn from fewer than \(ReportFigures.count(minCount, "person")) are suppressed (marked <span class=\"flag\">&lt;\(minCount)</span>)"
        out += suppressed > 0 ? "; \(suppressed) are.</p>\n" : "; none is.</p>\n"
        // The whole matrix on a wide screen; on a phone and in print, the same cells a few themes at a time, the area repeated.
        out += "<div class=\"scroll full\">\n" + matrixTable(matrix, Array(themes.indices), caption: "Notes by area and theme") + "</div>\n"
        for (variant, size) in [("phone", 3), ("print", 7)] {
            let chunks = stride(from: 0, to: themes.count, by: size).map { Array($0 ..< min(themes.count, $0 + size)) }
            out += "<div class=\"chunked \(variant)\">\n"
            for (index, chunk) in chunks.enumerated() {
                out += matrixTable(matrix, chunk, caption: "Notes by area and theme, part \(index + 1) of \(chunks.count)")
            }
            out += "</div>\n"
        }
        out += "<details>\n<summary>Gaps to fill, area by area</summary>\n<ul>\n"
        for area in matrix.knownAreas {
            let missing = themes.indices.filter { (matrix.notes[area] ?? [])[$0] == 0 }.map { data.tree.path(themes[$0].id) }
            out += "<li><strong>\(e(area))</strong>: " + (missing.isEmpty ? "every theme has at least one note" : "no notes on " + e(missing.joined(separator: "; "))) + "</li>\n"
        }
        return out + "</ul>\n</details>\n</section>\n\n"
    }

    func matrixTable(_ matrix: Matrix, _ columns: [Int], caption: String) -> String {
        var out = "<table class=\"matrix\">\n<caption>\(e(caption))</caption>\n<thead><tr><th scope=\"col\">Area</th>"
        for index in columns {
            let id = matrix.themes[index].id
            let parent = data.tree.parentPath(id).map { "<span class=\"sub\">\(e($0)) ›</span> " } ?? ""
            out += "<th scope=\"col\" class=\"num\">\(parent)\(e(data.tree.name(id)))</th>"
        }
        out += "<th scope=\"col\" class=\"num\">All notes</th></tr></thead>\n<tbody>\n"
        for area in matrix.areas {
            out += "<tr><th scope=\"row\">\(e(area))</th>"
            for index in columns {
                let notes = (matrix.notes[area] ?? [])[index], people = (matrix.people[area] ?? [])[index]
                if notes == 0 && HTMLReport.isKnownArea(area) {
                    out += "<td class=\"num gap\">0 <span class=\"flag\">gap</span></td>"
                } else if notes == 0 {
                    out += "<td class=\"num\">0</td>"
                } else if suppresses(people: people) {
                    out += "<td class=\"num thin suppressed\">\(suppressedFlag)</td>"
                } else if notes < HTMLReport.thinBelow {
                    out += "<td class=\"num thin\">\(notes) <span class=\"flag\">thin</span></td>"
                } else {
                    out += "<td class=\"num\">\(notes)</td>"
                }
            }
            out += countCell(matrix.totals[area] ?? 0, people: matrix.rowPeople[area] ?? 0, "num total") + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    func measures() -> String {
        var out = "<section id=\"measures\">\n<h2>Loneliness measures by area</h2>\n"
        out += "<p>UCLA-3 totals run from 3 to 9 and the ONS question from 1 (never lonely) to 5 (often or always); on both, higher is lonelier. "
        out += "Figures count <strong>people</strong>: each person's latest score, so a repeat visit is not an extra person. "
        out += "Where fewer than \(ReportFigures.count(minCount, "person")) gave a score, the figures are suppressed.</p>\n"
        let names = ["ucla3", "ons_lonely"]
        let fields = names.map { Note.measurePrefix + $0 }
        // Per area row (and one more for all areas), per measure, per person: the latest score.
        // Rows and people are numbered, so one flat table keyed by (person, measure, row) holds them all.
        let rows = Dictionary(areas.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let allRow = areas.count
        var people: [String: Int] = [:]
        var latest: [Int: (when: String, value: Double)] = [:]
        // At most a person per note, each with two measures in two rows: no table grown in steps.
        people.reserveCapacity(data.notes.count)
        latest.reserveCapacity(data.notes.count * 4)
        for ((note, noteArea), name) in zip(zip(data.notes, noteAreas), notePeople) {
            var person: Int?
            var when: String?
            // `Note.measures(of:)`'s rule, for the two measures the table shows: a field's winning number.
            for field in note.fields {
                guard let measure = fields.firstIndex(of: field.name), let value = field.heads.first?.value.number else { continue }
                let at = when ?? note.value("occurred_at")?.text ?? ""
                when = at
                let who: Int
                if let person {
                    who = person
                } else {
                    who = people[name] ?? people.count
                    if who == people.count { people[name] = who }
                }
                person = who
                // Every note's row is one of `areas`.
                for row in [rows[noteArea] ?? allRow, allRow] {
                    let key = (who * names.count + measure) * (allRow + 1) + row
                    if let held = latest[key], held.when > at { continue }
                    latest[key] = (at, value)
                }
            }
        }
        guard !latest.isEmpty else { return out + "<p class=\"empty\">No UCLA-3 or ONS loneliness measures were recorded on the notes in scope.</p>\n</section>\n\n" }
        out += "<div class=\"scroll\">\n<table>\n<caption>UCLA-3 and ONS loneliness by area (people)</caption>\n<thead>\n"
        out += "<tr><th scope=\"col\" rowspan=\"2\">Area</th><th scope=\"colgroup\" colspan=\"3\">UCLA-3 (3–9)</th><th scope=\"colgroup\" colspan=\"3\">ONS lonely (1–5)</th></tr>\n"
        out += "<tr>" + String(repeating: "<th scope=\"col\" class=\"num\">People</th><th scope=\"col\" class=\"num\">Median</th><th scope=\"col\" class=\"num\">Mean</th>", count: 2) + "</tr>\n</thead>\n<tbody>\n"
        // Per row, per measure: each person's latest score.
        var scores = [[[Double]]](repeating: [[Double]](repeating: [], count: names.count), count: allRow + 1)
        var scored = [Bool](repeating: false, count: allRow + 1)
        for (key, held) in latest {
            let row = key % (allRow + 1), measure = key / (allRow + 1) % names.count
            scores[row][measure].append(held.value)
            scored[row] = true
        }
        for area in areas + [""] {
            // A name twice among the rows shows the same figures twice.
            guard let row = area.isEmpty ? allRow : rows[area], scored[row] else { continue }
            out += area.isEmpty ? "<tr class=\"total\"><th scope=\"row\">All areas</th>" : "<tr><th scope=\"row\">\(e(area))</th>"
            for measure in names.indices {
                let values = scores[row][measure]
                if values.isEmpty {
                    out += "<td class=\"num\">0</td><td class=\"num\">–</td><td class=\"num\">–</td>"
                } else if suppresses(people: values.count) {
                    out += "<td class=\"num suppressed\" colspan=\"3\"><span class=\"flag\">fewer than \(minCount)</span> people: suppressed</td>"
                } else {
                    out += "<td class=\"num\">\(values.count)</td><td class=\"num\">\(ReportFigures.oneDecimal(ReportFigures.median(values)))</td><td class=\"num\">\(ReportFigures.oneDecimal(ReportFigures.mean(values)))</td>"
                }
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n</div>\n</section>\n\n"
    }

    func insights() -> String {
        var out = "<section id=\"insights\">\n<h2>Agreed insights</h2>\n"
        let confidence = ["high": 0, "medium": 1, "low": 2]
        let flags = Dictionary(uniqueKeysWithValues: data.insights.map { insight in
            (insight.id, Evidence.flags(insight: insight) { data.evidenceNotes[$0] })
        })
        // An insight whose evidence is missing goes last, whatever its confidence.
        let agreed = data.insights.filter { $0.value("status")?.text == "agreed" }.sorted { a, b in
            let (fa, fb) = ((flags[a.id] ?? []).isEmpty ? 0 : 1, (flags[b.id] ?? []).isEmpty ? 0 : 1)
            if fa != fb { return fa < fb }
            let (ca, cb) = (confidence[a.value("confidence")?.text ?? ""] ?? 3, confidence[b.value("confidence")?.text ?? ""] ?? 3)
            return ca != cb ? ca < cb : (a.value("statement")?.text ?? "") < (b.value("statement")?.text ?? "")
        }
        let others = data.insights.count - agreed.count
        guard !agreed.isEmpty else {
            return out + "<p class=\"empty\">No insight has been agreed yet\(others > 0 ? " (\(ReportFigures.count(others, "insight")) in draft or retired)" : "").</p>\n</section>\n\n"
        }
        out += "<p>\(ReportFigures.count(agreed.count, "insight")) agreed by the team, most confident first, those with missing evidence last"
        out += others > 0 ? "; \(others) more \(others == 1 ? "is" : "are") in draft or retired and not shown. " : ". "
        out += "Quotes are passages an analyst pinned, then passages coded with the insight's themes in its evidence notes, "
        out += "then the sentences of its evidence notes that best match it; notes without consent are never quoted.</p>\n"
        // The notes in scope that agreed insights name as evidence, by id (not every note: few are evidence).
        let evidenceIDs = Set(agreed.flatMap { Evidence.ids($0, Insight.evidenceSet) })
        let notes = Dictionary(uniqueKeysWithValues: data.notes.lazy.filter { evidenceIDs.contains($0.id) }.map { ($0.id, $0) })
        for insight in agreed {
            let evidence = Evidence.ids(insight, Insight.evidenceSet)
            let inScope = evidence.compactMap { notes[$0] }
            let usable = evidence.filter { Evidence.isUsable(data.evidenceNotes[$0]) }
            let themes = Evidence.ids(insight, Insight.themeSet).filter { data.tree.themes[$0] != nil }.map { data.tree.name($0) }
            let area = insight.value("area")?.text?.trimmingSpaces ?? ""
            out += "<article class=\"insight\">\n<h3>\(e(insight.value("statement")?.text ?? "(no statement)"))</h3>\n<p class=\"meta\">"
            out += ["Confidence: " + e(insight.value("confidence")?.text ?? "not given"),
                    "Area: " + e(area.isEmpty ? "no area given" : area),
                    "Themes: " + e(themes.isEmpty ? "none" : themes.joined(separator: ", "))].joined(separator: " · ")
            out += "</p>\n"
            for flag in flags[insight.id] ?? [] {
                out += "<p class=\"warning\"><span class=\"flag\">check</span> Evidence \(e(flag.text)).</p>\n"
            }
            out += "<p class=\"evidence\">Evidence: <strong>\(ReportFigures.count(evidence.count, "note"))</strong>"
            var parts: [String] = []
            if evidence.count != inScope.count { parts.append("\(inScope.count) in this report's scope") }
            if usable.count != evidence.count { parts.append("\(usable.count) with consent and not deleted") }
            out += parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")"
            out += "</p>\n"
            let quotes = self.quotes(insight, inScope.filter { !data.withheld.contains($0.id) && Evidence.isUsable($0) })
            for quote in quotes {
                let source = [quote.note.value("kind")?.text, quote.note.value("area")?.text, quote.note.value("occurred_at")?.text.map(ReportFigures.humanDate)].compactMap { $0 }
                out += "<blockquote><p>\(e(quote.text))</p><footer>\(e(source.joined(separator: ", ")))</footer></blockquote>\n"
            }
            if quotes.isEmpty { out += "<p class=\"empty\">No quotable evidence in scope.</p>\n" }
            out += "</article>\n"
        }
        return out + "</section>\n\n"
    }

    /// Up to three quotes for an insight from its quotable evidence notes:
    /// pinned passages, then passages coded with its themes (or themes below
    /// them), then the sentences that share the most words with it.
    func quotes(_ insight: VisibleRecord, _ notes: [VisibleRecord]) -> [(text: String, note: VisibleRecord)] {
        let byID = Dictionary(uniqueKeysWithValues: notes.map { ($0.id, $0) })
        var out: [(text: String, note: VisibleRecord)] = []
        var seen: Set<String> = []
        func add(_ text: String, _ note: VisibleRecord) {
            let clipped = ReportFigures.clipped(text.trimmingSpaces)
            guard out.count < 3, !clipped.isEmpty, seen.insert(clipped).inserted else { return }
            out.append((clipped, note))
        }
        let passages = data.passages.filter { byID[$0.note] != nil && !$0.allDeleted && $0.span != nil }
        let pinned = Set(Evidence.ids(insight, Insight.pinnedSet))
        for passage in passages where pinned.contains(passage.record.id) {
            if let note = byID[passage.note], let text = data.quotable(passage) { add(text, note) }
        }
        let themes = Set(Evidence.ids(insight, Insight.themeSet).flatMap { data.tree.themes[$0] == nil ? [] : data.tree.subtree($0) })
        let coded = passages.filter { themes.contains($0.theme) && !pinned.contains($0.record.id) }
            .compactMap { passage in data.quotable(passage).map { ($0, passage) } }
            .sorted { ($0.0.count, $0.1.record.id) < ($1.0.count, $1.1.record.id) }
        for (text, passage) in coded { if let note = byID[passage.note] { add(text, note) } }
        guard out.count < 3 else { return out }
        let wanted = ReportFigures.contentWords(insight.value("statement")?.text ?? "")
            .union(Evidence.ids(insight, Insight.themeSet).flatMap { ReportFigures.contentWords(data.tree.name($0)) })
        var scored: [(score: Int, text: String, note: VisibleRecord)] = []
        for note in notes {
            for sentence in ReportFigures.sentences(note.value("body")?.text ?? "") {
                let score = ReportFigures.contentWords(sentence).intersection(wanted).count
                if score > 0 { scored.append((score, sentence, note)) }
            }
        }
        scored.sort { ($0.score, -$0.text.count) > ($1.score, -$1.text.count) }
        for candidate in scored { add(candidate.text, candidate.note) }
        return out
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
        let flags = Dictionary(uniqueKeysWithValues: decisions.map { decision in (decision.id, Evidence.flags(decision: decision) { insights[$0] }) })
        out += "<div class=\"scroll\">\n<table>\n<caption>Each decision and whether it followed the evidence</caption>\n"
        out += "<thead><tr><th scope=\"col\">Decision</th><th scope=\"col\">Status</th><th scope=\"col\">Decided</th><th scope=\"col\">Followed the evidence</th><th scope=\"col\" class=\"num\">Insights behind it</th></tr></thead>\n<tbody>\n"
        for decision in decisions {
            let follows = HTMLReport.followsLabel(decision.value("follows_evidence")?.text)
            out += "<tr><td>\(e(decision.value("title")?.text ?? "(untitled)"))</td><td>\(e(decision.value("status")?.text ?? "–"))</td>"
            out += "<td>\(e(decision.value("decided_at")?.text.map(ReportFigures.humanDate) ?? "–"))</td>"
            let warning = (flags[decision.id] ?? []).map { "<br><span class=\"flag\">check</span> \(e($0.text.capitalizedFirst))" }.joined()
            out += "<td class=\"follows follows-\(follows.key)\"><span aria-hidden=\"true\">\(follows.symbol)</span> \(e(follows.text))\(warning)</td>"
            out += "<td class=\"num\">\(Evidence.ids(decision, Decision.insightSet).count)</td></tr>\n"
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
            for flag in flags[decision.id] ?? [] { out += "<dt>Check</dt><dd class=\"warning\"><span class=\"flag\">check</span> \(e(flag.text.capitalizedFirst))</dd>\n" }
            out += "</dl>\n"
            let behind = Evidence.ids(decision, Decision.insightSet)
            if behind.isEmpty {
                out += "<p class=\"empty\">No insights are linked to this decision.</p>\n"
            } else {
                out += "<p>Insights behind it:</p>\n<ul>\n"
                for id in behind {
                    guard let insight = insights[id] else { out += "<li>An insight no longer in the store</li>\n"; continue }
                    let evidence = Evidence.ids(insight, Insight.evidenceSet).count
                    out += "<li>\(e(insight.value("statement")?.text ?? "(no statement)")) <span class=\"meta\">(\(e(insight.value("status")?.text ?? "no status")); \(ReportFigures.count(evidence, "evidence note")))</span></li>\n"
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
            data.withdrawnLeftOut > 0 && !suppresses(people: data.withdrawnPeople)
                ? "\(ReportFigures.count(data.withdrawnLeftOut, "note")) whose participant withdrew consent \(data.withdrawnLeftOut == 1 ? "is" : "are") left out altogether: not counted, not shown."
                : "Notes whose participant withdrew consent are left out altogether: not counted, not shown.",
            "Notes whose consent was declined count in the figures, but their words are never shown"
                + (data.withheld.isEmpty || suppresses(people: withheldPeople) ? "." : "; \(data.withheld.count) such note\(data.withheld.count == 1 ? " is" : "s are") in scope."),
            "Coverage: a note touches a theme when one of its tags names the theme (or one of its old names), or a passage of it is coded with the theme, or with a theme below it. Fewer than \(HTMLReport.thinBelow) notes is thin.",
            "Small numbers: a figure drawn from fewer than \(ReportFigures.count(minCount, "person")) is suppressed (NHS practice): the matrix's cells and row totals, the counts of notes and participants, "
                + "the notes of each week or month, and the loneliness measures. People are counted by pseudonym, so repeat visits are one person; a note with no pseudonym counts as one person. "
                + "Counts of areas, themes, insights and decisions, and of an insight's evidence notes, are not counts of people and are shown whole.",
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
        .headline { font-size: 1.1rem; border: 2px solid #1b1b1b; padding: .5rem .75rem; }
        .warning { font-weight: 600; }
        td.suppressed { font-size: .85rem; }
        .chunked { display: none; }
        @media (max-width: 48rem) {
          body { padding: .75rem; }
          .full { display: none; }
          .chunked.phone { display: block; }
          .matrix th, .matrix td { padding: .25rem .35rem; }
        }
        @page { size: A4 landscape; margin: 12mm; }
        @media print {
          .full, .chunked.phone { display: none; }
          .chunked.print { display: block; }
          .chunked.print table { break-inside: avoid; }
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
