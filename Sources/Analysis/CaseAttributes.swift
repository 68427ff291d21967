import CRDT
import Formats
import Store

/// An attribute of cases as the analysts defined it (an `attribute`
/// record): its name, its type, and for a choice its choices in order.
/// It turns what a person typed into a typed value, and refuses what the
/// type does not allow.
public struct CaseAttributeDefinition: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Any text up to 255 bytes; compared ignoring case.
        case text
        /// A finite number.
        case number
        /// Yes or no (`yes`, `no`, `true`, `false`, `y`, `n`).
        case boolean
        /// One of the attribute's choices, ignoring case; stored as the choice is spelt.
        case choice
    }

    public let id: RecordID
    /// The name, as in the field `attr.NAME`: 1 to 40 of a-z, 0-9 and _.
    public let name: String
    public let kind: Kind
    /// The choices, in the order given (a choice attribute only).
    public let choices: [String]
    public let description: String?

    /// The case field that holds this attribute's value.
    public var field: String { Case.attributePrefix + name }

    /// The definition in an `attribute` record, or nil if it is not a readable one.
    public init?(_ record: VisibleRecord) {
        guard record.type == CaseAttribute.type, !record.erased, !record.isDeleted,
              let name = record.value("name")?.text, CaseAttributeDefinition.isName(name),
              let kind = record.value("type")?.text.flatMap(Kind.init(rawValue:)) else { return nil }
        self.id = record.id
        self.name = name
        self.kind = kind
        self.choices = kind == .choice ? CaseAttributeDefinition.splitChoices(record.value("choices")?.text ?? "") : []
        self.description = record.value("description")?.text
    }

    /// What a person typed as a name ("Age band", "lives-alone") as stored: lower case, spaces and hyphens as _.
    public static func normalizedName(_ text: String) -> String {
        String(text.trimmingSpaces.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    /// Whether `name` is an attribute's name: 1 to 40 of a-z, 0-9 and _ (as a measure's).
    public static func isName(_ name: String) -> Bool { Note.isMeasureName(name) }

    /// Choices as given on the command line and stored: comma-separated, trimmed, empty ones dropped.
    public static func splitChoices(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// The changes that define an attribute as record `id`. Refuses a bad
    /// name, choices for a type that has none, and a choice without choices
    /// or with the same choice twice.
    public static func definition(name text: String, kind: Kind, choices: String?, description: String?, id: RecordID) throws -> [Change] {
        let name = normalizedName(text)
        guard isName(name) else {
            throw StoreError.invalid("'\(text)' is not an attribute name", "use 1 to 40 letters, digits and _, as in age_band or lives_alone")
        }
        var changes: [Change] = [
            .create(id, type: CaseAttribute.type), .assign(id, field: "name", value: .text(name)),
            .assign(id, field: "type", value: .text(kind.rawValue)),
        ]
        changes += try choiceChanges(choices, kind: kind, name: name, id: id)
        if let description { changes.append(.assign(id, field: "description", value: .text(description))) }
        return changes
    }

    /// The change that sets a choice attribute's choices (nil: none given).
    public static func choiceChanges(_ choices: String?, kind: Kind, name: String, id: RecordID) throws -> [Change] {
        guard let choices else {
            if kind == .choice {
                throw StoreError.invalid("the choice attribute \(name) needs its choices", "give them in order with --choices, as in --choices \"under 50,50-64,65-79,80+\"")
            }
            return []
        }
        guard kind == .choice else {
            throw StoreError.invalid("\(name) is a \(kind.rawValue) attribute, which has no choices", "leave out --choices, or make it --type choice")
        }
        let list = splitChoices(choices)
        guard !list.isEmpty else { throw StoreError.invalid("--choices lists no choices", "give them in order, separated by commas") }
        var seen: Set<String> = []
        for choice in list where !seen.insert(choice.lowercased()).inserted {
            throw StoreError.invalid("the choice '\(choice)' is given twice", "give each choice once")
        }
        return [.assign(id, field: "choices", value: .text(list.joined(separator: ",")))]
    }

    /// The value `text` stands for, by this attribute's type.
    public func value(_ text: String) throws -> Value {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else {
            throw StoreError.invalid("the value of \(name) is empty", "give a value as NAME=VALUE, or clear it with --unset \(name)")
        }
        switch kind {
        case .text:
            if let problem = Limits.check(trimmed, Limits.label, field: "value of \(name)", hint: "shorten it") { throw StoreError.invalid(problem.message, problem.hint) }
            return .text(trimmed)
        case .number:
            guard let number = Double(trimmed), number.isFinite else {
                throw StoreError.invalid("\(name) is a number, not '\(trimmed)'", "write it as \(name)=NUMBER, as in \(name)=3")
            }
            return .number(number == 0 ? 0 : number)
        case .boolean:
            switch trimmed.lowercased() {
            case "yes", "y", "true": return .bool(true)
            case "no", "n", "false": return .bool(false)
            default: throw StoreError.invalid("\(name) is yes or no, not '\(trimmed)'", "write \(name)=yes or \(name)=no")
            }
        case .choice:
            guard let choice = choices.first(where: { $0.lowercased() == trimmed.lowercased() }) else {
                throw StoreError.invalid("\(name) is one of \(choices.joined(separator: ", ")), not '\(trimmed)'",
                                         "use one of those, or add a choice with 'fieldnotes attribute edit \(name) --choices ...'")
            }
            return .text(choice)
        }
    }

    /// Whether a stored value is the one wanted: text and choices ignoring case, numbers and booleans exactly.
    public func matches(_ stored: Value?, _ wanted: Value) -> Bool {
        guard let stored else { return false }
        if let a = stored.text, let b = wanted.text { return a.trimmingSpaces.lowercased() == b.lowercased() }
        return stored == wanted
    }

    /// A value as tables show it: booleans as yes or no.
    public static func display(_ value: Value) -> String {
        switch value {
        case .null: return "-"
        case .bool(let bool): return bool ? "yes" : "no"
        case .number(let number): return JSON.format(number)
        case .text(let text): return text
        }
    }
}
