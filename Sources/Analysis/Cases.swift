import CRDT
import Store

/// Participants as cases, and the one place their rules live: which
/// attributes exist, which case a note belongs to, and which cases and notes
/// an attribute filter selects.
///
/// - A note belongs to every live case whose pseudonym is the note's
///   `participant`, ignoring case, surrounding spaces and runs of spaces
///   ("p07" is P07's; "P-07" is not). Pseudonyms are unique by convention:
///   `case add` refuses one that exists, but two laptops can add the same one
///   offline; then the note belongs to both, and `duplicates` names them.
/// - An attribute's value is the case's field `attr.NAME`, typed by the live
///   `attribute` record named NAME (if two were added offline with one name,
///   the one with the smaller id defines it).
/// - A filter `NAME=VALUE` selects cases whose value of NAME equals VALUE, read
///   by the attribute's type (`lives_alone=Y` is `lives_alone=yes`); several
///   filters must all hold.
public struct Cases: Sendable {
    /// Attributes by name.
    public let attributes: [CaseAttributeDefinition]
    /// Live cases, by pseudonym (ignoring case) then id.
    public let cases: [VisibleRecord]
    private let byPseudonym: [String: [VisibleRecord]]

    public init(attributes: [VisibleRecord], cases: [VisibleRecord]) {
        var definitions: [String: CaseAttributeDefinition] = [:]
        for record in attributes.sorted(by: { $0.id < $1.id }) {
            guard let definition = CaseAttributeDefinition(record), definitions[definition.name] == nil else { continue }
            definitions[definition.name] = definition
        }
        self.attributes = definitions.values.sorted { $0.name < $1.name }
        let live = cases.filter { $0.type == Case.type && !$0.erased && !$0.isDeleted }
        self.cases = live.sorted { a, b in
            let (ka, kb) = (Cases.key(Cases.pseudonym(a)), Cases.key(Cases.pseudonym(b)))
            return ka != kb ? ka < kb : a.id < b.id
        }
        self.byPseudonym = Dictionary(grouping: self.cases) { Cases.key(Cases.pseudonym($0)) }
    }

    public static func load(_ store: Store) throws -> Cases {
        Cases(attributes: try store.list(RecordFilter(type: CaseAttribute.type)), cases: try store.list(RecordFilter(type: Case.type)))
    }

    /// How pseudonyms compare: as area names do.
    public static func key(_ pseudonym: String) -> String { Areas.key(pseudonym) }

    public static func pseudonym(_ record: VisibleRecord) -> String { record.value("pseudonym")?.text ?? "" }

    // MARK: Attributes

    public func attribute(named text: String) -> CaseAttributeDefinition? {
        let name = CaseAttributeDefinition.normalizedName(text)
        return attributes.first { $0.name == name }
    }

    /// The attribute `text` names, or a refusal that lists the attributes.
    public func resolveAttribute(_ text: String) throws -> CaseAttributeDefinition {
        if let attribute = attribute(named: text) { return attribute }
        let known = attributes.isEmpty ? "no attributes are defined yet" : "the attributes are \(attributes.map(\.name).joined(separator: ", "))"
        throw StoreError.invalid("unknown attribute '\(text.trimmingSpaces)'", "\(known); define one with 'fieldnotes attribute add NAME --type TYPE'")
    }

    /// The changes that define a new attribute, refusing a name already defined.
    public func defining(name: String, kind: CaseAttributeDefinition.Kind, choices: String?, description: String?, id: RecordID) throws -> [Change] {
        if let existing = attribute(named: name) {
            throw StoreError.invalid("the attribute \(existing.name) exists already", "change its choices with 'fieldnotes attribute edit \(existing.name)'")
        }
        return try CaseAttributeDefinition.definition(name: name, kind: kind, choices: choices, description: description, id: id)
    }

    /// `NAME=VALUE` as an attribute and the typed value it stands for.
    public func assignment(_ text: String) throws -> (attribute: CaseAttributeDefinition, value: Value) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw StoreError.invalid("'\(text)' is not NAME=VALUE", "write it as in age_band=65-79 or lives_alone=yes")
        }
        let attribute = try resolveAttribute(String(text[..<equals]))
        return (attribute, try attribute.value(String(text[text.index(after: equals)...])))
    }

    /// The changes that set `assignments` (`NAME=VALUE`) and clear `unset` (names) on case `id`.
    public func changes(setting assignments: [String], unsetting unset: [String], of id: RecordID) throws -> [Change] {
        var changes: [Change] = []
        var fields: Set<String> = []
        for text in assignments {
            let (attribute, value) = try assignment(text)
            guard fields.insert(attribute.field).inserted else {
                throw StoreError.invalid("\(attribute.name) is given twice", "give each attribute once")
            }
            changes.append(.assign(id, field: attribute.field, value: value))
        }
        for name in unset {
            let attribute = try resolveAttribute(name)
            guard fields.insert(attribute.field).inserted else {
                throw StoreError.invalid("\(attribute.name) is both set and unset", "give one or the other")
            }
            changes.append(.assign(id, field: attribute.field, value: .null))
        }
        return changes
    }

    // MARK: Cases

    /// Live cases with this pseudonym (ignoring case).
    public func cases(withPseudonym pseudonym: String) -> [VisibleRecord] { byPseudonym[Cases.key(pseudonym)] ?? [] }

    /// The changes that add a case for `pseudonym` as record `id`, refusing one that exists.
    public func adding(_ pseudonym: String, assignments: [String], id: RecordID) throws -> [Change] {
        let name = pseudonym.trimmingSpaces
        guard !name.isEmpty else { throw StoreError.invalid("the pseudonym is empty", "give the pseudonym notes use as their participant, as in P07") }
        if let existing = cases(withPseudonym: name).first {
            throw StoreError.invalid("a case for \(Cases.pseudonym(existing)) exists already (\(existing.id.short))",
                                     "set its attributes with 'fieldnotes case set \(Cases.pseudonym(existing)) --set NAME=VALUE'")
        }
        return [.create(id, type: Case.type), .assign(id, field: "pseudonym", value: .text(name))]
            + (try changes(setting: assignments, unsetting: [], of: id))
    }

    /// The case a person means: its pseudonym (ignoring case), else its id or a unique id prefix.
    public func resolve(_ text: String, in store: Store) throws -> VisibleRecord {
        let named = cases(withPseudonym: text)
        if named.count == 1 { return named[0] }
        if named.count > 1 {
            throw StoreError.invalid("\(named.count) cases have the pseudonym '\(text.trimmingSpaces)' (\(named.map(\.id.short).joined(separator: ", ")))",
                                     "name one by its id; delete the spare with 'fieldnotes case delete ID'")
        }
        let prefix = text.trimmingSpaces.lowercased()
        if prefix.count >= 6, prefix.allSatisfy(\.isHexDigit), let id = try? store.resolve(prefix, type: Case.type),
           let record = cases.first(where: { $0.id == id }) {
            return record
        }
        throw StoreError.invalid("no case '\(text.trimmingSpaces)'", "'fieldnotes case list' shows the cases; add one with 'fieldnotes case add PSEUDONYM'")
    }

    /// Pseudonyms that more than one live case has (added on two laptops offline), with their cases.
    public var duplicates: [(pseudonym: String, cases: [RecordID])] {
        byPseudonym.values.filter { $0.count > 1 }.map { (Cases.pseudonym($0[0]), $0.map(\.id)) }.sorted { $0.pseudonym < $1.pseudonym }
    }

    /// The value of `attribute` a case shows, if set.
    public func value(of attribute: CaseAttributeDefinition, for record: VisibleRecord) -> Value? { record.value(attribute.field) }

    // MARK: Notes

    /// The cases a note belongs to.
    public func cases(of note: VisibleRecord) -> [VisibleRecord] {
        guard let participant = note.value("participant")?.text else { return [] }
        return cases(withPseudonym: participant)
    }

    /// The notes that belong to `record`.
    public func notes(_ notes: [VisibleRecord], of record: VisibleRecord) -> [VisibleRecord] {
        let key = Cases.key(Cases.pseudonym(record))
        return notes.filter { note in note.value("participant")?.text.map { Cases.key($0) == key } ?? false }
    }

    /// How many of `notes` belong to each case.
    public func noteCounts(_ notes: [VisibleRecord]) -> [RecordID: Int] {
        var counts: [RecordID: Int] = [:]
        for note in notes {
            for record in cases(of: note) { counts[record.id, default: 0] += 1 }
        }
        return counts
    }

    /// A filter: an attribute and the value it must have.
    public struct Condition: Sendable {
        public let attribute: CaseAttributeDefinition
        public let value: Value
    }

    /// Filters from `NAME=VALUE` texts, checked against the attributes' types.
    public func conditions(_ texts: [String]) throws -> [Condition] {
        try texts.map { text in
            let (attribute, value) = try assignment(text)
            return Condition(attribute: attribute, value: value)
        }
    }

    /// Whether a case meets every condition.
    public func matches(_ record: VisibleRecord, _ conditions: [Condition]) -> Bool {
        conditions.allSatisfy { $0.attribute.matches(record.value($0.attribute.field), $0.value) }
    }

    /// The cases that meet every condition, in order.
    public func cases(matching conditions: [Condition]) -> [VisibleRecord] {
        cases.filter { matches($0, conditions) }
    }

    /// The participant spellings of the cases that meet every condition, for
    /// a store query that matches exactly: each pseudonym in its usual forms
    /// of case (as `Areas.caseForms`).
    public func participantSpellings(matching conditions: [Condition]) -> [String] {
        var seen: Set<String> = []
        return cases(matching: conditions).flatMap { Areas.caseForms(Cases.pseudonym($0).trimmingSpaces) }.filter { seen.insert($0).inserted }
    }

    /// The notes whose case meets every condition (a note with two cases of
    /// its pseudonym is kept when either does), in their order.
    public func notes(_ notes: [VisibleRecord], matching conditions: [Condition]) -> [VisibleRecord] {
        let keys = Set(cases(matching: conditions).map { Cases.key(Cases.pseudonym($0)) })
        return notes.filter { note in note.value("participant")?.text.map { keys.contains(Cases.key($0)) } ?? false }
    }
}
