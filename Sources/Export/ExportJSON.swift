import CRDT
import Store

/// The JSON shape of themes, insights and decisions, built like
/// `RecordJSON.note`: id, type, each field in `RecordTypes` order (unset as
/// null), each set of record ids as an array, deleted, erased, and conflicts.
/// Notes use `RecordJSON.note` itself, so an exported note is exactly what
/// `show --format json` prints.
public enum ExportJSON {
    /// Any exported record in its type's shape.
    public static func record(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        switch record.type {
        case Note.type: return RecordJSON.note(record, names: names)
        case Theme.type: return theme(record, names: names)
        case Insight.type: return insight(record, names: names)
        case Decision.type: return decision(record, names: names)
        default: return shape(record, fields: record.fields.map(\.name), sets: record.sets.map(\.name), names: names)
        }
    }

    /// id, type, name, description, parent, color, deleted, erased, conflicts.
    public static func theme(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        shape(record, fields: Theme.fields, sets: [], names: names)
    }

    /// id, type, statement, area, status, confidence, themes, evidence, deleted, erased, conflicts.
    public static func insight(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        shape(record, fields: Insight.fields, sets: [Insight.themeSet, Insight.evidenceSet], names: names)
    }

    /// id, type, title, description, status, decided_at, suggested, made,
    /// follows_evidence, insights, deleted, erased, conflicts.
    public static func decision(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        shape(record, fields: Decision.fields, sets: [Decision.insightSet], names: names)
    }

    static func shape(_ record: VisibleRecord, fields: [String], sets: [String], names: [ReplicaID: String]) -> JSON {
        var members: [(String, JSON)] = [("id", .string(record.id.hex)), ("type", .string(record.type))]
        for field in fields { members.append((field, RecordJSON.value(record.value(field)))) }
        for set in sets { members.append((set, .array(record.elements(set).map(RecordJSON.value)))) }
        members.append(("deleted", .bool(record.isDeleted)))
        members.append(("erased", .bool(record.erased)))
        members.append(("conflicts", RecordJSON.conflicts(record, names: names)))
        return .object(members)
    }
}

/// The NDJSON export: notes (oldest first), then themes (parents first),
/// insights and decisions; one compact JSON object per line, LF line ends.
enum NDJSONExport {
    static func bytes(_ data: ExportDataset) -> [UInt8] {
        let names = data.names
        var out = ""
        let themes = data.tree.ordered.compactMap { data.tree.themes[$0.id] }
        for record in data.notes + themes + data.insights + data.decisions {
            out += ExportJSON.record(record, names: names).serialized()
            out += "\n"
        }
        return Array(out.utf8)
    }
}
