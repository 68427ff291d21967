import Analysis
import CRDT
import Formats
import Store

/// The JSON shape of every exported record, `RecordJSON`'s: id, type, each
/// field in `RecordTypes` order (unset as null), each set of record ids as an
/// array, deleted, erased, and conflicts. Notes, insights, decisions and
/// records of other types are `RecordJSON`'s own, so an exported record is
/// exactly what `show --format json` prints.
///
/// Names agree with the CSV tables: a key holding another record's id ends in
/// `_id` (a theme's `parent_id`, a passage's `note_id` and `theme_id`, a
/// memo's `target_id`), and passages, memos and note themes have exactly the
/// columns of `passages.csv`, `memos.csv` and `note_themes.csv`. A set of
/// ids (an insight's `themes` and `evidence`, a decision's `insights`) is an
/// array here and a link table in CSV (`insight_themes.csv`, …).
public enum ExportJSON {
    /// Any exported record in its type's shape; a theme's parent as the record holds it.
    public static func record(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        switch record.type {
        case Note.type: return RecordJSON.note(record, names: names)
        case Theme.type: return theme(record, parent: record.value("parent")?.text.flatMap(RecordID.init(hex:)), names: names)
        case Insight.type: return insight(record, names: names)
        case Decision.type: return decision(record, names: names)
        default: return RecordJSON.record(record, fields: record.fields.map(\.name), sets: record.sets.map(\.name), names: names)
        }
    }

    /// id, type, name, description, parent_id, color, deleted, erased,
    /// conflicts. `parent` is the parent the codebook shows (never a loop, never a missing theme).
    public static func theme(_ record: VisibleRecord, parent: RecordID?, names: [ReplicaID: String]) -> JSON {
        var members = RecordJSON.identity(record)
        for field in Theme.fields {
            members.append(field == "parent" ? ("parent_id", parent.map { .string($0.hex) } ?? .null) : (field, RecordJSON.value(record.value(field))))
        }
        return .object(members + RecordJSON.state(record, names: names))
    }

    /// id, type, statement, area, status, confidence, themes, evidence, deleted, erased, conflicts.
    public static func insight(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        RecordJSON.record(record, fields: Insight.fields, sets: [Insight.themeSet, Insight.evidenceSet], names: names)
    }

    /// id, type, title, description, status, decided_at, suggested, made,
    /// follows_evidence, insights, deleted, erased, conflicts.
    public static func decision(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        RecordJSON.record(record, fields: Decision.fields, sets: [Decision.insightSet], names: names)
    }

    // MARK: Passages, memos and note themes: the CSV tables' columns, with `type` after `id`

    /// The columns of `memos.csv`; a memo's JSON has `type` after `id`.
    static let memoColumns = ["id", "target_id", "target_type", "author", "written_at", "text_withheld", "body"]

    /// A memo as `memo list --format json` prints it and the NDJSON export
    /// writes it: id, type, target_id, target_type, author, written_at,
    /// text_withheld, body (null when withheld).
    public static func memo(_ memo: Memos.Resolved) -> JSON {
        ExportJSON.memo(id: memo.id, target: memo.target, author: memo.author, writtenAt: memo.writtenAt, body: memo.withheld ? nil : memo.body)
    }

    static func memo(id: RecordID, target: Memos.Target?, author: String, writtenAt: String, body: String?) -> JSON {
        .object([
            ("id", .string(id.hex)), ("type", .string(Memo.type)),
            ("target_id", target.map { .string($0.id.hex) } ?? .null), ("target_type", target.map { .string($0.type) } ?? .null),
            ("author", .string(author)), ("written_at", .string(writtenAt)),
            ("text_withheld", .bool(body == nil)), ("body", body.map(JSON.string) ?? .null),
        ])
    }

    /// The columns of `passages.csv`; a passage's JSON has `type` after `id`.
    static let passageColumns = ["id", "note_id", "theme_id", "coder", "coded_at", "start", "end", "text"]

    /// id, type, note_id, theme_id, coder, coded_at, start, end, text; the
    /// last three null when the passage stands nowhere in the exported body.
    static func passage(_ passage: Passages.Resolved, placed: (start: Int, end: Int, text: String)?) -> JSON {
        .object([
            ("id", .string(passage.record.id.hex)), ("type", .string(Passage.type)),
            ("note_id", .string(passage.note.hex)), ("theme_id", .string(passage.theme.hex)),
            ("coder", .string(passage.coder)), ("coded_at", .string(passage.codedAt)),
            ("start", placed.map { .number(Double($0.start)) } ?? .null), ("end", placed.map { .number(Double($0.end)) } ?? .null),
            ("text", placed.map { .string($0.text) } ?? .null),
        ])
    }

    /// id, type, pseudonym, attributes (an object of the attributes set, by
    /// name: `case_attributes.csv`'s rows), deleted, erased, conflicts.
    static func caseRecord(_ record: VisibleRecord, attributes: [(name: String, value: Value)], names: [ReplicaID: String]) -> JSON {
        .object([("id", .string(record.id.hex)), ("type", .string(Case.type)), ("pseudonym", RecordJSON.value(record.value("pseudonym"))),
                 ("attributes", .object(attributes.map { ($0.name, RecordJSON.value($0.value)) }))] + RecordJSON.state(record, names: names))
    }

    /// The columns of `note_themes.csv`; its NDJSON lines start with `type`: `note_theme`.
    static let noteThemeColumns = ["note_id", "theme_id", "how"]

    static func noteTheme(_ row: NoteThemes.Row) -> JSON {
        .object([("type", .string("note_theme")), ("note_id", .string(row.note.hex)), ("theme_id", .string(row.theme.hex)),
                 ("how", .string(row.how.rawValue))])
    }
}

/// The NDJSON export, one compact JSON object per line, LF line ends: notes
/// (oldest first), themes (parents first), insights and decisions, then
/// coded passages, memos, each note's themes (`note_theme` lines), and the
/// cases of the notes.
enum NDJSONExport {
    /// The records' lines.
    static func lines(_ records: ArraySlice<VisibleRecord>, names: [ReplicaID: String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 512)
        // Each record borrowed where it stands (a loop over the slice copied, and retained, each one).
        let records = records.span
        for index in records.indices {
            ExportJSON.record(records[index], names: names).serialize(into: &out)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    static func bytes(_ data: ExportDataset) -> [UInt8] {
        let names = data.names
        var out: [UInt8] = []
        // Room for the notes' text and their JSON around it, so the text is not copied as it grows.
        out.reserveCapacity(data.notes.count * 512)
        func line(_ json: JSON) {
            json.serialize(into: &out)
            out.append(UInt8(ascii: "\n"))
        }
        let themes = data.tree.ordered.compactMap { data.tree.themes[$0.id] }
        out += Exporter.splitNotes(data.notes, tail: { NDJSONExport.lines($0, names: names) }) { head in
            let head = head.span
            for index in head.indices { line(ExportJSON.record(head[index], names: names)) }
        }
        for theme in themes { line(ExportJSON.theme(theme, parent: data.tree.parent(theme.id), names: names)) }
        for insight in data.insights {
            // Which of its evidence this export holds (`note_in_export` in insight_evidence.csv).
            guard case .object(let members) = ExportJSON.insight(insight, names: names) else { continue }
            let held = Evidence.ids(insight, Insight.evidenceSet).filter(data.noteIDs.contains).map { JSON.string($0.hex) }
            line(.object(members + [("evidence_in_export", .array(held))]))
        }
        for decision in data.decisions { line(ExportJSON.decision(decision, names: names)) }
        let notes = data.notesWithPassages
        for passage in data.passagesInNoteOrder { line(ExportJSON.passage(passage, placed: data.placed(passage, notes: notes))) }
        for memo in data.memos {
            line(ExportJSON.memo(id: memo.id, target: data.memoTargets[memo.id], author: memo.value("author")?.text ?? "",
                                 writtenAt: memo.value("written_at")?.text ?? "",
                                 body: data.withheldMemos.contains(memo.id) ? nil : memo.value("body")?.text ?? ""))
        }
        for row in data.noteThemes { line(ExportJSON.noteTheme(row)) }
        for record in data.cases { line(ExportJSON.caseRecord(record, attributes: data.attributeValues(record), names: names)) }
        return out
    }
}
