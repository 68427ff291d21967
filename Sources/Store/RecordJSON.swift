import CRDT
import Formats

/// The JSON shape of records, shared by `show --format json`, `list`, the
/// NDJSON export and `import`: stable keys, unset fields as null.
public enum RecordJSON {
    /// A note as JSON: id, type, the note fields, tags, measures, deleted,
    /// erased, and any conflicts with their authors.
    public static func note(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        var members = identity(record)
        for field in Note.fields { members.append((field, value(record.value(field)))) }
        members.append(("tags", .array(record.elements(Note.tagSet).map(value))))
        members.append(("measures", .object(Note.measures(of: record).map { ($0.name, .number($0.value)) })))
        return .object(members + state(record, names: names))
    }

    /// Any record as JSON: id, type, each of `fields` (null when unset), each
    /// of `sets` as an array, deleted, erased and conflicts. Themes, insights
    /// and decisions use this shape everywhere (show, list, NDJSON export).
    public static func record(_ record: VisibleRecord, fields: [String], sets: [String], names: [ReplicaID: String]) -> JSON {
        var members = identity(record)
        for field in fields { members.append((field, value(record.value(field)))) }
        for set in sets { members.append((set, .array(record.elements(set).map(value)))) }
        return .object(members + state(record, names: names))
    }

    /// id, type: the keys every record starts with.
    public static func identity(_ record: VisibleRecord) -> [(String, JSON)] {
        [("id", .string(record.id.hex)), ("type", .string(record.type))]
    }

    /// deleted, erased, conflicts: the keys every record ends with.
    public static func state(_ record: VisibleRecord, names: [ReplicaID: String]) -> [(String, JSON)] {
        [("deleted", .bool(record.isDeleted)), ("erased", .bool(record.erased)), ("conflicts", conflicts(record, names: names))]
    }

    /// Each conflicted field with every concurrent value, the shown one first.
    public static func conflicts(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        .array(record.conflicts.map { field in
            .object([
                ("field", .string(field.name)),
                ("values", .array(field.heads.enumerated().map { index, head in
                    .object([
                        ("value", value(head.value)),
                        ("author", names[head.id.origin].map(JSON.string) ?? .null),
                        ("replica", .string(head.id.origin.hex)),
                        ("at", .string(ISO8601.format(millis: head.timestamp.physical))),
                        ("shown", .bool(index == 0)),
                    ])
                })),
            ])
        })
    }

    public static func value(_ value: Value?) -> JSON {
        switch value {
        case .none, .null?: return .null
        case .bool(let bool)?: return .bool(bool)
        case .number(let number)?: return .number(number)
        case .text(let text)?: return .string(text)
        }
    }
}
