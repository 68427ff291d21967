import Analysis
import CRDT
import Store

/// The CSV export: a directory of tidy tables, one observation per row, joined
/// by record ids. Column order is part of the format (README, "CSV tables").
enum CSVExport {
    /// Every table's name and columns, in the order they are written.
    static let schema: [(name: String, columns: [String])] = [
        ("notes", ["id", "occurred_at", "kind", "area", "participant", "consent", "text_withheld", "title", "body"]),
        ("note_tags", ["note_id", "tag"]),
        ("note_measures", ["note_id", "measure", "value"]),
        ("themes", ["id", "name", "parent_id", "color", "description"]),
        ("insights", ["id", "statement", "area", "status", "confidence"]),
        ("insight_evidence", ["insight_id", "note_id", "note_in_export"]),
        ("insight_themes", ["insight_id", "theme_id"]),
        ("decisions", ["id", "title", "status", "decided_at", "follows_evidence", "suggested", "made", "description"]),
        ("decision_insights", ["decision_id", "insight_id"]),
        ("note_themes", ExportJSON.noteThemeColumns),
        ("passages", ExportJSON.passageColumns),
        ("memos", ExportJSON.memoColumns),
        ("cases", ["id", "pseudonym"]),
        ("case_attributes", ["case_id", "attribute", "value"]),
    ]

    /// The tables of `data`; with `rawCells`, cells that look like formulas are written as stored (see `CSVTable.inert`).
    static func tables(_ data: ExportDataset, rawCells: Bool = false) -> [CSVTable] {
        var tables = Dictionary(uniqueKeysWithValues: schema.map { ($0.name, CSVTable($0.name, $0.columns, rawCells: rawCells)) })
        // Every name passed below is one of `schema`'s, so the table exists.
        func add(_ table: String, _ row: [String]) { tables[table]?.add(row) }

        let withheld = data.withheld
        let rest = Exporter.splitNotes(data.notes, tail: {
            CSVExport.noteRows($0, withheld: withheld, into: CSVExport.noteTables(rawCells: rawCells, header: false))
        }) { head in
            let rows = CSVExport.noteRows(head, withheld: withheld, into: CSVExport.noteTables(rawCells: rawCells, header: true))
            tables["notes"] = rows.notes
            tables["note_tags"] = rows.tags
            tables["note_measures"] = rows.measures
        }
        tables["notes"]?.append(rest.notes)
        tables["note_tags"]?.append(rest.tags)
        tables["note_measures"]?.append(rest.measures)
        for theme in data.tree.ordered.compactMap({ data.tree.themes[$0.id] }) {
            // The parent the codebook shows: never a cycle, never a missing theme.
            let parent = data.tree.parent(theme.id)?.hex ?? ""
            add("themes", [theme.id.hex, text(theme, "name"), parent, text(theme, "color"), text(theme, "description")])
        }
        for insight in data.insights {
            add("insights", [insight.id.hex, text(insight, "statement"), text(insight, "area"), text(insight, "status"), text(insight, "confidence")])
            for note in Evidence.ids(insight, Insight.evidenceSet) {
                add("insight_evidence", [insight.id.hex, note.hex, data.noteIDs.contains(note) ? "true" : "false"])
            }
            for theme in Evidence.ids(insight, Insight.themeSet) { add("insight_themes", [insight.id.hex, theme.hex]) }
        }
        for decision in data.decisions {
            add("decisions", [decision.id.hex, text(decision, "title"), text(decision, "status"), text(decision, "decided_at"),
                              text(decision, "follows_evidence"), text(decision, "suggested"), text(decision, "made"), text(decision, "description")])
            for insight in Evidence.ids(decision, Decision.insightSet) { add("decision_insights", [decision.id.hex, insight.hex]) }
        }
        for row in data.noteThemes { add("note_themes", [row.note.hex, row.theme.hex, row.how.rawValue]) }
        let notes = data.notesWithPassages
        for passage in data.passagesInNoteOrder {
            let placed = data.placed(passage, notes: notes)
            add("passages", [passage.record.id.hex, passage.note.hex, passage.theme.hex, passage.coder, passage.codedAt,
                             placed.map { "\($0.start)" } ?? "", placed.map { "\($0.end)" } ?? "", placed?.text ?? ""])
        }
        for memo in data.memos {
            let target = data.memoTargets[memo.id]
            let withheld = data.withheldMemos.contains(memo.id)
            add("memos", [memo.id.hex, target?.id.hex ?? "", target?.type ?? "", text(memo, "author"), text(memo, "written_at"),
                          withheld ? "true" : "false", withheld ? "" : text(memo, "body")])
        }
        for record in data.cases {
            add("cases", [record.id.hex, text(record, "pseudonym")])
            for (name, value) in data.attributeValues(record) { add("case_attributes", [record.id.hex, name, cell(value)]) }
        }
        return schema.compactMap { tables[$0.name] }
    }

    /// The three tables of notes, empty: with their headers, or without to be appended to others.
    static func noteTables(rawCells: Bool, header: Bool) -> (notes: CSVTable, tags: CSVTable, measures: CSVTable) {
        func table(_ name: String) -> CSVTable {
            let columns = schema.first { $0.name == name }?.columns ?? []
            return CSVTable(name, columns, rawCells: rawCells, header: header)
        }
        return (table("notes"), table("note_tags"), table("note_measures"))
    }

    /// The rows of `notes.csv`, `note_tags.csv` and `note_measures.csv` for these notes, added to `tables`.
    static func noteRows(_ notes: ArraySlice<VisibleRecord>, withheld: Set<RecordID>,
                         into tables: (notes: CSVTable, tags: CSVTable, measures: CSVTable)) -> (notes: CSVTable, tags: CSVTable, measures: CSVTable) {
        var tables = tables
        // About what each note's rows take (the 100k-note store's are 250, 60 and 55 bytes), so the tables are seldom copied as they grow.
        tables.notes.reserve(notes.count * 320)
        tables.tags.reserve(notes.count * 64)
        tables.measures.reserve(notes.count * 64)
        // Each note borrowed where it stands (a loop over the slice copied, and retained, each one).
        let notes = notes.span
        for index in notes.indices { addRows(of: notes[index], withheld: withheld.contains(notes[index].id), to: &tables) }
        return tables
    }

    /// One note's rows in `notes.csv`, `note_tags.csv` and `note_measures.csv`.
    private static func addRows(of note: VisibleRecord, withheld: Bool, to tables: inout (notes: CSVTable, tags: CSVTable, measures: CSVTable)) {
        let id = note.id.hex
        tables.notes.addRow { row in
            row.cell(id)
            for field in noteFields { row.cell(text(note, field)) }
            row.cell(withheld ? "true" : "false")
            row.cell(text(note, "title"))
            row.cell(text(note, "body"))
        }
        for tag in ExportDataset.tags(note) {
            tables.tags.addRow { row in
                row.cell(id)
                row.cell(tag)
            }
        }
        for measure in Note.measures(of: note) {
            tables.measures.addRow { row in
                row.cell(id)
                row.cell(measure.name)
                row.cell(DecimalText.format(measure.value))
            }
        }
    }

    /// The fields of `notes.csv` between its `id` and `text_withheld` columns.
    private static let noteFields = ["occurred_at", "kind", "area", "participant", "consent"]

    /// A record's field as a cell; empty when it has none.
    static func text(_ record: VisibleRecord, _ field: String) -> String { record.value(field).map(cell) ?? "" }

    static func cell(_ value: Value) -> String {
        switch value {
        case .null: return ""
        case .bool(let bool): return bool ? "true" : "false"
        case .number(let number): return DecimalText.format(number)
        case .text(let text): return text
        }
    }
}

/// Numbers as plain decimal text, never in exponent form, so every consumer
/// (Excel, R, pandas, xsd:decimal) reads the same value.
enum DecimalText {
    static func format(_ number: Double) -> String {
        guard number.isFinite else { return "" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        let plain = "\(number)"
        guard let e = plain.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(plain[plain.index(after: e)...]) else { return plain }
        var mantissa = String(plain[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var result = String(digits.prefix(point))
        var rest = String(digits.dropFirst(point))
        while rest.hasSuffix("0") { rest.removeLast() }
        if !rest.isEmpty { result += "." + rest }
        return (negative ? "-" : "") + result
    }
}
