import CRDT
import Formats

/// Notes, the first record type: what a resident told a worker, with its
/// context. Every field is a multi-value register of the generic record;
/// tags are an observed-remove set; each measure is a field `measures.NAME`.
public enum Note {
    public static let type = "note"

    public static let kinds = ["interview", "observation", "conversation", "phone-call", "group-session", "partner-report"]
    public static let consents = ["given", "declined", "withdrawn", "not-required"]
    /// The text fields, in the order `show` prints them.
    public static let fields = ["title", "body", "kind", "area", "occurred_at", "participant", "consent"]
    public static let tagSet = "tags"
    public static let measurePrefix = "measures."

    /// A measure whose values are range-checked.
    public struct Measure: Sendable {
        public let name: String
        public let range: ClosedRange<Double>
        public let meaning: String

        /// Whether `value` is a score of this measure: a whole number in its range.
        public func accepts(_ value: Double) -> Bool { range.contains(value) && value == value.rounded() }

        /// What to do with a value out of range.
        public var rangeHint: String {
            "\(name) is a whole number from \(Int(range.lowerBound)) to \(Int(range.upperBound)) (\(meaning))"
        }
    }

    public static let knownMeasures = [
        Measure(name: "ucla3", range: 3...9,
                meaning: "UCLA 3-item loneliness scale: three questions each scored 1-3, total 3-9; higher is lonelier"),
        Measure(name: "ons_lonely", range: 1...5,
                meaning: "ONS direct question 'How often do you feel lonely?': 1 never, 2 hardly ever, 3 occasionally, 4 some of the time, 5 often/always"),
    ]

    /// What a person typed for a note, before checking. nil means "not given".
    public struct Input: Sendable {
        public var title: String?
        public var body: String?
        /// The body as it was shown when `body` was written (an editor):
        /// then only the person's own changes to it are made.
        public var bodyBase: TextSequence?
        /// Text to add at the end of the body.
        public var appendBody: String?
        public var kind: String?
        public var area: String?
        public var occurredAt: String?
        public var participant: String?
        public var consent: String?
        public var tags: [String] = []
        public var removeTags: [String] = []
        public var measures: [(name: String, value: String)] = []
        public var unset: [String] = []

        public init() {}

        public var isEmpty: Bool {
            title == nil && body == nil && appendBody == nil && kind == nil && area == nil && occurredAt == nil && participant == nil
                && consent == nil && tags.isEmpty && removeTags.isEmpty && measures.isEmpty && unset.isEmpty
        }
    }

    /// Checks an input and turns it into changes to record `id`. A new note
    /// needs a title and gets `occurred_at` = now unless given.
    public static func changes(_ input: Input, for id: RecordID, creating: Bool, nowSeconds: Int64) throws -> [Change] {
        var assignments: [(String, Value)] = []
        if let title = input.title {
            let trimmed = title.trimmingSpaces
            guard !trimmed.isEmpty else { throw StoreError.invalid("the title is empty", "give a short title with --title") }
            assignments.append(("title", .text(trimmed)))
        } else if creating {
            throw StoreError.invalid("a note needs a title", "give one with --title")
        }
        // The body is a text field: written as the edits that make it read the new text.
        var bodyChanges: [Change] = []
        if let body = input.body {
            bodyChanges.append(input.bodyBase.map { .reviseText(id, field: "body", base: $0, text: body) } ?? .editText(id, field: "body", text: body))
        }
        if let more = input.appendBody {
            guard input.body == nil else { throw StoreError.invalid("the body is both given and appended to", "give one or the other") }
            bodyChanges.append(.appendText(id, field: "body", text: more))
        }
        if let kind = input.kind { assignments.append(("kind", .text(try check(kind, in: kinds, what: "kind")))) }
        if let area = input.area { assignments.append(("area", .text(try nonEmpty(area, "area")))) }
        if let participant = input.participant { assignments.append(("participant", .text(try nonEmpty(participant, "participant")))) }
        if let consent = input.consent { assignments.append(("consent", .text(try check(consent, in: consents, what: "consent")))) }
        if let text = input.occurredAt {
            assignments.append(("occurred_at", .text(try date(text))))
        } else if creating {
            assignments.append(("occurred_at", .text(ISO8601.format(seconds: nowSeconds))))
        }
        for (name, value) in input.measures {
            assignments.append((measurePrefix + (try measureName(name)), .number(try measure(name, value))))
        }
        for field in input.unset {
            let name = try unsettable(field)
            guard !assignments.contains(where: { $0.0 == name }), name != "body" || bodyChanges.isEmpty else {
                throw StoreError.invalid("\(field) is both set and unset", "give one or the other")
            }
            if name == "body" {
                bodyChanges.append(.editText(id, field: "body", text: ""))
            } else {
                assignments.append((name, .null))
            }
        }
        var changes: [Change] = creating ? [.create(id, type: type)] : []
        changes += assignments.map { .assign(id, field: $0.0, value: $0.1) }
        changes += bodyChanges
        for tag in input.tags { changes.append(.add(id, set: tagSet, element: .text(try nonEmpty(tag, "tag")))) }
        for tag in input.removeTags { changes.append(.remove(id, set: tagSet, element: .text(try nonEmpty(tag, "tag")))) }
        try RecordSchema.check(changes) { _ in type }
        return changes
    }

    /// A date or date-time in canonical UTC text.
    public static func date(_ text: String) throws -> String {
        do {
            return try ISO8601.read(text.trimmingSpaces).text
        } catch {
            throw StoreError.invalid(error.message, error.hint)
        }
    }

    static func check(_ text: String, in allowed: [String], what: String) throws -> String {
        let value = text.trimmingSpaces.lowercased()
        guard allowed.contains(value) else {
            throw StoreError.invalid("unknown \(what) '\(text)'", "use one of: \(allowed.joined(separator: ", "))")
        }
        return value
    }

    static func nonEmpty(_ text: String, _ what: String) throws -> String {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw StoreError.invalid("the \(what) is empty", "give a value, or leave the option out") }
        return trimmed
    }

    static func measureName(_ name: String) throws -> String {
        let lowered = name.lowercased()
        guard isMeasureName(lowered) else {
            throw StoreError.invalid("'\(name)' is not a measure name", "use letters, digits and _, as in ucla3=6")
        }
        return lowered
    }

    /// Whether `name` (after `measures.`) is a measure's name: 1 to 40 of a-z, 0-9 and _.
    public static func isMeasureName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= Limits.measureName.bytes
            && name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
    }

    /// A measure's value: a finite number, range-checked for known measures.
    public static func measure(_ name: String, _ text: String) throws -> Double {
        guard let value = Double(text.trimmingSpaces), value.isFinite else {
            throw StoreError.invalid("measure \(name) has value '\(text)', which is not a number", "write it as NAME=NUMBER, as in ucla3=6")
        }
        if let known = knownMeasures.first(where: { $0.name == name.lowercased() }) {
            guard known.accepts(value) else { throw StoreError.invalid("\(name)=\(text) is out of range", known.rangeHint) }
        }
        return value == 0 ? 0 : value
    }

    static func unsettable(_ field: String) throws -> String {
        let name = field == "at" ? "occurred_at" : field
        if name.hasPrefix(measurePrefix) { return measurePrefix + (try measureName(String(name.dropFirst(measurePrefix.count)))) }
        if knownMeasures.contains(where: { $0.name == name }) { return measurePrefix + name }
        guard fields.contains(name), name != "title" else {
            throw StoreError.invalid("cannot unset '\(field)'", "unset one of: body, kind, area, occurred_at, participant, consent, measures.NAME")
        }
        return name
    }

    /// The consent values whose notes are exported and listed without their text.
    public static let withholdingConsents: Set<String> = ["declined", "withdrawn"]
    /// The fields withheld from such notes: every field of free text a resident's words could be in.
    public static let withheldFields: Set<String> = ["title", "body"]

    /// Whether a note's words must be withheld: any consent head declined or
    /// withdrawn (a concurrent "declined" is honoured even where "given" is shown).
    public static func withholdsText(_ note: VisibleRecord) -> Bool {
        note.heads("consent").contains { $0.value.text.map(withholdingConsents.contains) ?? false }
    }

    /// Whether any consent head says the participant withdrew: such notes are
    /// left out of exports and report figures altogether by default.
    public static func hasWithdrawnConsent(_ note: VisibleRecord) -> Bool {
        note.heads("consent").contains { $0.value.text == "withdrawn" }
    }

    /// Measures by name, from `measures.NAME` fields.
    public static func measures(of record: VisibleRecord) -> [(name: String, value: Double)] {
        record.fields.compactMap { field in
            guard field.name.hasPrefix(measurePrefix), let number = field.heads.first?.value.number else { return nil }
            return (String(field.name.dropFirst(measurePrefix.count)), number)
        }
    }
}

extension String {
    /// The string without leading and trailing white space.
    public var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
