import CRDT
import Formats

/// The record schema, written once: each record type's fields and sets and
/// what their values may be. `Protocol/SCHEMA.md` documents it. The CLI and
/// import check what a person typed against it (through `Store.commit`), and a
/// hub checks every batch a device sends (`Store.checkSchema`), so a value no
/// reader expects never enters a store through us.
///
/// The rules:
/// - `null` always passes: it unsets a field, and it is what an erased
///   record's operations carry (see `Operation.purged`).
/// - A remove passes whatever its element (within the protocol's limits), so
///   a bad value that did get in can always be taken out again.
/// - Unknown record types, and unknown fields and sets of known types, pass
///   with only the protocol's limits: a newer version may add them.
/// - An operation on a record whose type is not known yet (its create is
///   neither in the same list nor held) is held only to the protocol's limits
///   and to the rules every type shares (`deleted`).
public enum RecordSchema {
    /// What a field value or set element must be (besides `null`).
    public enum Rule: Sendable {
        /// A text of at most `limit` bytes; `nonEmpty` refuses text of only white space.
        case text(Limits.Limit, nonEmpty: Bool, hint: String)
        /// One of a fixed vocabulary, as stored (lower case).
        case choice([String])
        /// A moment as canonical UTC text, `YYYY-MM-DDTHH:MM:SSZ` (as `ISO8601.format` writes it).
        case moment
        /// A record id: 32 hex digits.
        case recordID
        /// A colour, `#RRGGBB`.
        case color
        /// A finite number; for a known measure, a whole number in its range.
        case measure(Note.Measure?)
        /// A boolean.
        case flag
        /// A character of a text field, `REPLICA:COUNTER` (32 hex digits, a colon, a counter from 1).
        case character
    }

    /// One record type: its fields and its sets.
    public struct RecordType: Sendable {
        public let name: String
        public let fields: [(name: String, rule: Rule)]
        public let sets: [(name: String, rule: Rule)]
    }

    static let long = Rule.text(Limits.text, nonEmpty: false, hint: "split it into several, or shorten it")
    static let title = Rule.text(Limits.title, nonEmpty: true, hint: "shorten the title, and put the rest in the body")
    static let label = Rule.text(Limits.label, nonEmpty: true, hint: "shorten it")

    /// Every record type this version knows.
    public static let types: [RecordType] = [
        RecordType(name: Note.type, fields: [
            ("title", title),
            ("body", .text(Limits.text, nonEmpty: false, hint: "split the note into several, or shorten it")),
            ("kind", .choice(Note.kinds)),
            ("area", label),
            ("occurred_at", .moment),
            ("participant", label),
            ("consent", .choice(Note.consents)),
        ], sets: [(Note.tagSet, .text(Limits.label, nonEmpty: true, hint: "shorten the tag; a tag is a word or two"))]),
        RecordType(name: Theme.type, fields: [
            ("name", label), ("description", long), ("parent", .recordID), ("color", .color),
        ], sets: []),
        RecordType(name: Insight.type, fields: [
            ("statement", .text(Limits.statement, nonEmpty: true, hint: "shorten the statement to a sentence or two; the evidence notes hold the detail")),
            ("area", label), ("status", .choice(Insight.statuses)), ("confidence", .choice(Insight.confidences)),
        ], sets: [(Insight.themeSet, .recordID), (Insight.evidenceSet, .recordID), (Insight.pinnedSet, .recordID)]),
        RecordType(name: Decision.type, fields: [
            ("title", title), ("description", long), ("status", .choice(Decision.statuses)), ("decided_at", .moment),
            ("suggested", long), ("made", long), ("follows_evidence", .choice(Decision.followsEvidence)),
        ], sets: [(Decision.insightSet, .recordID)]),
        RecordType(name: Passage.type, fields: [
            ("note", .recordID), ("theme", .recordID), ("start", .character), ("last", .character), ("coder", label), ("coded_at", .moment),
        ], sets: []),
        RecordType(name: AuditEvent.type, fields: [
            ("action", label), ("format", label), ("filters", long), ("counts", long), ("path", long), ("by", label), ("at", .moment),
            ("purpose", long), ("recipient", long),
        ], sets: []),
        RecordType(name: Store.deviceType, fields: [
            ("name", .text(Limits.deviceName, nonEmpty: true, hint: "choose a shorter device name")),
        ], sets: []),
        RecordType(name: Memo.type, fields: [
            ("target", .recordID), ("body", .text(Limits.text, nonEmpty: false, hint: "split the memo into several, or shorten it")),
            ("author", label), ("written_at", .moment),
        ], sets: []),
        RecordType(name: Area.type, fields: [("name", label)], sets: [(Area.aliasSet, label)]),
        // A case's attribute values (`attr.NAME`) are typed by the team's own attribute records, so only the protocol's limits hold here.
        RecordType(name: Case.type, fields: [("pseudonym", label)], sets: []),
        RecordType(name: CaseAttribute.type, fields: [
            ("name", label), ("type", .choice(CaseAttribute.types)), ("choices", long), ("description", long),
        ], sets: []),
    ]

    /// Fields every record type has: `deleted` (true, or null when restored).
    public static let sharedFields: [(name: String, rule: Rule)] = [("deleted", .flag)]

    /// The rule for a field of a record of `type` (nil: unknown type), or nil
    /// when the field is not one this version knows.
    public static func rule(type: String?, field: String) -> Rule? {
        if let shared = sharedFields.first(where: { $0.name == field }) { return shared.rule }
        guard let type else { return nil }
        if type == Note.type, field.hasPrefix(Note.measurePrefix) {
            let name = String(field.dropFirst(Note.measurePrefix.count))
            return .measure(Note.knownMeasures.first { $0.name == name })
        }
        return types.first { $0.name == type }?.fields.first { $0.name == field }?.rule
    }

    /// The rule for elements of a set of a record of `type`, or nil when unknown.
    public static func rule(type: String?, set: String) -> Rule? {
        guard let type else { return nil }
        return types.first { $0.name == type }?.sets.first { $0.name == set }?.rule
    }

    // MARK: Checking

    /// What is wrong with `action` on a record of `type` (nil: unknown), or nil
    /// if nothing is. The message names the field; the hint says what to do.
    public static func problem(_ action: Action, type: String?) -> Limits.Violation? {
        switch action {
        case .create(let name):
            return checkName(name, "record type")
        case .assign(let field, let value, let replaces):
            if let bad = checkName(field, "field name") ?? checkIDs(replaces, "replaced writes") { return bad }
            if type == Note.type, field.hasPrefix(Note.measurePrefix),
               !Note.isMeasureName(String(field.dropFirst(Note.measurePrefix.count))) {
                return Limits.Violation(message: "'\(clip(field))' is not a measure name",
                                        hint: "a measure's name is 1 to \(Limits.measureName.bytes) of a-z, 0-9 and _, as in measures.ucla3")
            }
            // The field's own rule first: its limit and hint are the more specific.
            if value != .null, let rule = rule(type: type, field: field), let bad = check(value, rule, what: displayName(field)) { return bad }
            return checkProtocol(value, displayName(field))
        case .add(let set, let element):
            if let bad = checkName(set, "set name") { return bad }
            if element != .null, let rule = rule(type: type, set: set), let bad = check(element, rule, what: elementName(set)) { return bad }
            return checkProtocol(element, elementName(set))
        case .remove(let set, let element, let observed):
            return checkName(set, "set name") ?? checkIDs(observed, "observed adds") ?? checkProtocol(element, elementName(set))
        case .erase(let reason):
            return Limits.check(reason, Limits.eraseReason, field: "erase reason", hint: "shorten the reason; it needs no personal details")
        case .insertText(let field, let run):
            if let bad = checkName(field, "field name") ?? checkTextField(field) { return bad }
            guard run.first >= 1, run.count >= 1, run.first <= UInt64(Int64.max) - run.count else {
                return Limits.Violation(message: "a text run of \(run.count) characters from counter \(run.first)", hint: "this is a fault in the sending replica")
            }
            for origin in [run.left, run.right] {
                if let origin, origin.counter < 1 || origin.counter > UInt64(Int64.max) {
                    return Limits.Violation(message: "a text run names character counter \(origin.counter)", hint: "this is a fault in the sending replica")
                }
            }
            guard let text = run.text else { return nil }
            if text.unicodeScalars.count != Int(clamping: run.count) {
                return Limits.Violation(message: "a text run says \(run.count) characters and holds \(text.unicodeScalars.count)", hint: "this is a fault in the sending replica")
            }
            if let rule = rule(type: type, field: field), let bad = check(.text(text), rule, what: displayName(field)) { return bad }
            return checkProtocol(.text(text), displayName(field))
        case .deleteText(let field, let ranges):
            if let bad = checkName(field, "field name") ?? checkTextField(field) { return bad }
            if ranges.count > Limits.idList {
                return Limits.Violation(message: "\(ranges.count) deleted ranges, over the limit of \(Limits.idList)", hint: "this is a fault in the sending replica")
            }
            for range in ranges where range.first < 1 || range.count < 1 || range.first > UInt64(Int64.max) - range.count {
                return Limits.Violation(message: "a deletion of \(range.count) characters from counter \(range.first)", hint: "this is a fault in the sending replica")
            }
            return nil
        }
    }

    /// Text operations edit text fields only (`TextField.names`).
    static func checkTextField(_ field: String) -> Limits.Violation? {
        guard !TextField.names.contains(field) else { return nil }
        return Limits.Violation(message: "'\(clip(field))' is not a text field",
                                hint: "text operations edit only \(TextField.names.sorted().joined(separator: ", ")); write other fields with assigns")
    }

    /// Checks operations a peer sent, in order. A record's type comes from a
    /// create earlier in the list, else from `type` (the store's records).
    /// Throws `SchemaViolation` naming the first operation that breaks the schema.
    public static func check(_ operations: [Operation], type: (RecordID) throws -> String?) throws {
        var created: [RecordID: String] = [:]
        for operation in operations {
            if case .create(let name) = operation.action, created[operation.record] == nil { created[operation.record] = name }
            let recordType = try created[operation.record] ?? type(operation.record)
            if let problem = problem(operation.action, type: recordType) {
                throw SchemaViolation(operation: operation.id, record: operation.record, type: recordType,
                                      field: operation.action.subject, message: problem.message, hint: problem.hint)
            }
        }
    }

    /// Checks changes made here, as `check(_:type:)` does operations; throws
    /// `StoreError.invalid` with the problem's message and hint.
    public static func check(_ changes: [Change], type: (RecordID) throws -> String?) throws {
        var created: [RecordID: String] = [:]
        for change in changes {
            let (record, action) = change.draft
            if case .create(let name) = action, created[record] == nil { created[record] = name }
            if let problem = problem(action, type: try created[record] ?? type(record)) {
                throw StoreError.invalid(problem.message, problem.hint)
            }
        }
    }

    /// Refuses a device name the schema would refuse (empty, or over
    /// `Limits.deviceName`), before a store is made with it.
    public static func checkDeviceName(_ name: String) throws {
        if let rule = rule(type: Store.deviceType, field: "name"), let problem = check(.text(name), rule, what: "device name") {
            throw StoreError.invalid(problem.message, problem.hint)
        }
    }

    /// Whether `value` obeys `rule`; `what` names it in the message ("the title").
    static func check(_ value: Value, _ rule: Rule, what: String) -> Limits.Violation? {
        func wrong(_ expected: String, _ hint: String) -> Limits.Violation {
            Limits.Violation(message: "the \(what) is \(describe(value)), not \(expected)", hint: hint)
        }
        switch rule {
        case .text(let limit, let nonEmpty, let hint):
            guard let text = value.text else { return wrong("a text", "send it as text") }
            if nonEmpty, text.trimmingSpaces.isEmpty { return Limits.Violation(message: "the \(what) is empty", hint: "give a value, or leave it out") }
            return Limits.check(text, limit, field: what, hint: hint)
        case .choice(let allowed):
            guard let text = value.text, allowed.contains(text) else {
                return Limits.Violation(message: "the \(what) is \(describe(value)), not one of the known values", hint: "use one of: \(allowed.joined(separator: ", "))")
            }
            return nil
        case .moment:
            guard let text = value.text, isMoment(text) else {
                return wrong("a UTC time", "write it as ISO 8601 UTC in the years 0001 to 9999, as in 2026-11-20T14:30:00Z")
            }
            return nil
        case .recordID:
            guard let text = value.text, text.utf8.count == 32, RecordID(hex: text) != nil else {
                return wrong("a record id", "give the record's id as 32 hex digits")
            }
            return nil
        case .color:
            guard let text = value.text, Theme.isColor(text) else { return wrong("a colour", "write it as #RRGGBB, as in #1f77b4") }
            return nil
        case .measure(let known):
            guard let number = value.number else { return wrong("a number", "write it as NAME=NUMBER, as in ucla3=6") }
            guard number.isFinite else { return wrong("a finite number", "write it as NAME=NUMBER, as in ucla3=6") }
            if let known, !known.accepts(number) {
                return Limits.Violation(message: "\(known.name)=\(JSON.format(number)) is out of range", hint: known.rangeHint)
            }
            return nil
        case .flag:
            guard value.bool != nil else { return wrong("true or false", "send a boolean") }
            return nil
        case .character:
            guard let text = value.text, CharacterID(text: text) != nil else {
                return wrong("a character id", "write it as 32 hex digits, a colon and a counter, as a passage's anchors are")
            }
            return nil
        }
    }

    /// Whether `text` is a moment exactly as stored: canonical UTC.
    public static func isMoment(_ text: String) -> Bool {
        guard let moment = ISO8601.parse(text), !moment.dateOnly else { return false }
        return moment.text == text
    }

    /// The protocol's limits, which hold whatever the type and field.
    static func checkProtocol(_ value: Value, _ what: String) -> Limits.Violation? {
        switch value {
        case .text(let text):
            return Limits.check(text, Limits.text, field: what, hint: "split it into several, or shorten it")
        case .number(let number) where number.isNaN:
            return Limits.Violation(message: "the \(what) is NaN", hint: "send a number")
        default:
            return nil
        }
    }

    static func checkName(_ name: String, _ what: String) -> Limits.Violation? {
        if name.isEmpty { return Limits.Violation(message: "the \(what) is empty", hint: "give a name") }
        return Limits.check(name, Limits.name, field: what, hint: "use a shorter name")
    }

    static func checkIDs(_ ids: [OperationID], _ what: String) -> Limits.Violation? {
        guard ids.count > Limits.idList else { return nil }
        return Limits.Violation(message: "\(ids.count) \(what), over the limit of \(Limits.idList)", hint: "this is a fault in the sending replica")
    }

    /// "body", "measure ucla3": what a message calls a field ("the body is …").
    static func displayName(_ field: String) -> String {
        field.hasPrefix(Note.measurePrefix) ? "measure \(clip(String(field.dropFirst(Note.measurePrefix.count))))" : clip(field)
    }

    /// "tag", "evidence element": what a message calls a set's element.
    static func elementName(_ set: String) -> String {
        set == Note.tagSet ? "tag" : "\(clip(set)) element"
    }

    /// A value as a message shows it: its kind, and a short text as itself.
    static func describe(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .bool(let bool): return "the boolean \(bool)"
        case .number(let number): return "the number \(JSON.format(number) == "null" ? "\(number)" : JSON.format(number))"
        case .text(let text): return text.utf8.count <= 40 ? "'\(text)'" : "a text of \(Limits.size(text.utf8.count))"
        }
    }

    static func clip(_ text: String) -> String { text.count <= 40 ? text : String(text.prefix(39)) + "…" }
}

/// An operation a peer sent that breaks the record schema: which one, the
/// record and field, and what is wrong. A hub refuses the batch holding it.
public struct SchemaViolation: Error, Sendable, CustomStringConvertible {
    public let operation: OperationID
    public let record: RecordID
    /// The record's type, if known.
    public let type: String?
    /// The field, set or record type name the operation names (nil for an erase).
    public let field: String?
    /// What is wrong ("the kind is the number 42, not one of the known values").
    public let message: String
    /// What to do about it.
    public let hint: String

    /// One line: "operation 5e1f…:12 (note 3f9a…, field kind): the kind is …; use one of: …".
    public var description: String {
        let subject = [type ?? "record", String(record.hex.prefix(8))].joined(separator: " ")
        let field = field.map { ", \(RecordSchema.clip($0))" } ?? ""
        return "operation \(operation.origin.hex.prefix(8)):\(operation.seq) (\(subject)\(field)): \(message); \(hint)"
    }
}

extension Action {
    /// The field, set or type name the action is about (nil for an erase).
    var subject: String? {
        switch self {
        case .create(let type): return type
        case .assign(let field, _, _): return field
        case .add(let set, _), .remove(let set, _, _): return set
        case .erase: return nil
        case .insertText(let field, _), .deleteText(let field, _): return field
        }
    }
}

extension Change {
    /// The record and the action this change will become (without the ids
    /// `commit` fills in), for checking before anything is written.
    var draft: (RecordID, Action) {
        switch self {
        case .create(let id, let type): return (id, .create(type: type))
        case .assign(let id, let field, let value): return (id, .assign(field: field, value: value, replaces: []))
        case .add(let id, let set, let element): return (id, .add(set: set, element: element))
        case .remove(let id, let set, let element): return (id, .remove(set: set, element: element, observed: []))
        case .erase(let id, let reason): return (id, .erase(reason: reason))
        // Checked as the whole text it makes, or as the run it appends.
        case .editText(let id, let field, let text), .appendText(let id, let field, let text), .reviseText(let id, let field, _, let text):
            if text.isEmpty { return (id, .deleteText(field: field, ranges: [])) }
            return (id, .insertText(field: field, run: TextRun(first: 1, text: text, left: nil, right: nil)))
        }
    }
}

extension Store {
    /// Checks operations a peer sent against the record schema before they
    /// are applied, finding the types of records created in earlier batches
    /// in this store. Throws `SchemaViolation` for the first operation that
    /// breaks it (or `StoreError` if the store cannot be read); writes nothing.
    public func checkSchema(_ operations: [Operation]) throws {
        try RecordSchema.check(operations, type: recordType)
    }

    /// Refuses changes that break the record schema or its limits, before
    /// `commit` writes anything: what this store makes, a hub accepts.
    func checkChanges(_ changes: [Change]) throws {
        try RecordSchema.check(changes, type: recordType)
    }

    /// The type of a record this store holds a create for, or nil.
    func recordType(_ id: RecordID) throws -> String? {
        try guarded {
            try statement("SELECT type FROM records WHERE id = ? AND type IS NOT NULL").first([.text(id.hex)]) { $0.text(0) }
        }
    }
}
