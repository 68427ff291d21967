import Analysis
import CRDT
import Formats
import Store

/// Cases and their attributes as commands see them: every rule is `Cases`'.
struct AttributeAddCommand: Command {
    static let spec = CommandSpec(
        name: "attribute add", abstract: "Define an attribute of cases; prints its id",
        arguments: [("NAME", "its name, as in age_band or lives_alone (spaces and hyphens become _)", true)],
        options: [
            .option("type", "TYPE", "text, number, boolean (yes or no) or choice"),
            .option("choices", "LIST", "a choice's choices in order, separated by commas: \"under 50,50-64,65-79,80+\""),
            .option("description", "TEXT", "what it records and how to decide it"),
        ])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard let kind = try arguments.choice("type", CaseAttribute.types).flatMap(CaseAttributeDefinition.Kind.init(rawValue:)) else {
            throw UsageError(message: "'attribute add' needs --type (\(CaseAttribute.types.joined(separator: ", ")))", command: spec.name)
        }
        let store = try context.openStore()
        let id = try Store.newRecordID()
        try store.commit(try Cases.load(store).defining(name: arguments.positional(0) ?? "", kind: kind, choices: arguments.value("choices"),
                                                       description: arguments.value("description"), id: id))
        context.out(id.hex)
    }
}

struct AttributeEditCommand: Command {
    static let spec = CommandSpec(
        name: "attribute edit", abstract: "Change an attribute's choices or description",
        arguments: [("NAME", "the attribute's name", true)],
        options: [
            .option("choices", "LIST", "the choices in order, separated by commas (replaces them)"),
            .option("description", "TEXT", "what it records"),
        ],
        discussion: "Values cases already hold are kept, even if they are no longer among the choices.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let attribute = try Cases.load(store).resolveAttribute(arguments.positional(0) ?? "")
        var changes = try CaseAttributeDefinition.choiceChanges(arguments.value("choices"), kind: attribute.kind, name: attribute.name, id: attribute.id)
        if let description = arguments.value("description") { changes.append(.assign(attribute.id, field: "description", value: .text(description))) }
        guard !changes.isEmpty else { throw UsageError(message: "nothing to change", command: spec.name) }
        try store.commit(changes)
        context.out(attribute.id.hex)
    }
}

struct AttributeListCommand: Command {
    static let spec = CommandSpec(name: "attribute list", abstract: "The attributes of cases, with how many cases have a value",
                                  options: [formatOption])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let cases = try Cases.load(store)
        func filled(_ attribute: CaseAttributeDefinition) -> Int { cases.cases.filter { $0.value(attribute.field) != nil }.count }
        if json {
            context.out(JSON.array(cases.attributes.map { attribute in
                .object([("id", .string(attribute.id.hex)), ("name", .string(attribute.name)), ("type", .string(attribute.kind.rawValue)),
                         ("choices", .array(attribute.choices.map(JSON.string))), ("description", attribute.description.map(JSON.string) ?? .null),
                         ("cases", .number(Double(filled(attribute))))])
            }).pretty())
            return
        }
        var table = Table("NAME", "TYPE", "CASES", "CHOICES", "DESCRIPTION")
        for attribute in cases.attributes {
            table.add(attribute.name, attribute.kind.rawValue, String(filled(attribute)), attribute.choices.joined(separator: ", ").clipped(40),
                      (attribute.description ?? "").clipped(50))
        }
        context.out(table.render())
        if cases.attributes.isEmpty { context.info("fieldnotes: no attributes yet; define one with 'fieldnotes attribute add NAME --type TYPE'") }
    }
}

struct CaseAddCommand: Command {
    static let spec = CommandSpec(
        name: "case add", abstract: "Add a case for a participant's pseudonym; prints its id",
        arguments: [("PSEUDONYM", "the pseudonym notes use as their participant, as in P07", true)],
        options: [.option("set", "NAME=VALUE", "an attribute's value, checked against its type", repeatable: true)],
        discussion: "Notes whose participant is the pseudonym (ignoring case) belong to the case.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let pseudonym = arguments.positional(0) ?? ""
        let store = try context.openStore()
        let id = try Store.newRecordID()
        try store.commit(try Cases.load(store).adding(pseudonym, assignments: arguments.all("set"), id: id))
        context.out(id.hex)
        if let concern = Pseudonyms.concern(pseudonym) {
            context.err("fieldnotes: warning: the pseudonym \(concern); cases must not identify anyone: "
                        + "use a pseudonym such as P07 or Resident 12")
        }
    }
}

struct CaseSetCommand: Command {
    static let spec = CommandSpec(
        name: "case set", abstract: "Set or clear a case's attribute values",
        arguments: [("CASE", "the case's pseudonym or id", true)],
        options: [
            .option("set", "NAME=VALUE", "an attribute's value, checked against its type", repeatable: true),
            .option("unset", "NAME", "clear an attribute's value", repeatable: true),
        ])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        guard !arguments.all("set").isEmpty || !arguments.all("unset").isEmpty else {
            throw UsageError(message: "nothing to change; give --set NAME=VALUE or --unset NAME", command: spec.name)
        }
        let store = try context.openStore()
        let cases = try Cases.load(store)
        let record = try cases.resolve(arguments.positional(0) ?? "", in: store)
        try store.commit(try cases.changes(setting: arguments.all("set"), unsetting: arguments.all("unset"), of: record.id))
        context.out(record.id.hex)
    }
}

struct CaseListCommand: Command {
    static let spec = CommandSpec(
        name: "case list", abstract: "The cases, their attributes and how many notes each has",
        options: [
            .option("attribute", "NAME=VALUE", "only cases with this value (all must hold)", repeatable: true),
            formatOption,
        ])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let cases = try Cases.load(store)
        let selected = cases.cases(matching: try cases.conditions(arguments.all("attribute")))
        let counts = cases.noteCounts(try store.list(RecordFilter(type: Note.type)))
        if json {
            context.out(JSON.array(selected.map { CaseText.json($0, cases, notes: counts[$0.id] ?? 0) }).pretty())
            return
        }
        var table = Table(headers: ["PSEUDONYM", "ID", "NOTES"] + cases.attributes.map { $0.name.uppercased() })
        for record in selected {
            var pseudonym = Cases.pseudonym(record)
            if !record.conflicts.isEmpty { pseudonym += " [conflict]" }
            table.add(row: [pseudonym, record.id.short, String(counts[record.id] ?? 0)]
                      + cases.attributes.map { attribute in record.value(attribute.field).map(CaseAttributeDefinition.display) ?? "-" })
        }
        context.out(table.render())
        if selected.isEmpty { context.info(cases.cases.isEmpty ? "fieldnotes: no cases yet; add one with 'fieldnotes case add PSEUDONYM'" : "fieldnotes: no cases match") }
        for duplicate in cases.duplicates {
            context.err("fieldnotes: warning: \(duplicate.cases.count) cases have the pseudonym '\(duplicate.pseudonym)' "
                        + "(\(duplicate.cases.map(\.short).joined(separator: ", "))); keep one and delete the others with 'fieldnotes case delete ID'")
        }
    }
}

struct CaseShowCommand: Command {
    static let spec = CommandSpec(name: "case show", abstract: "A case's attributes and its notes",
                                  arguments: [("CASE", "the case's pseudonym or id", true)], options: [formatObjectOption])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let cases = try Cases.load(store)
        let record = try cases.resolve(arguments.positional(0) ?? "", in: store)
        var filter = RecordFilter(type: Note.type)
        filter.rangeField = "occurred_at"
        let notes = cases.notes(try store.list(filter), of: record)
        if json {
            guard case .object(var members) = CaseText.json(record, cases, notes: notes.count) else { return }
            members.append(("note_ids", .array(notes.map { .string($0.id.hex) })))
            context.out(JSON.object(members).pretty())
            return
        }
        var table = Table("FIELD", "VALUE")
        table.add("id", record.id.hex)
        table.add("pseudonym", Cases.pseudonym(record))
        for attribute in cases.attributes {
            table.add(attribute.name, record.value(attribute.field).map(CaseAttributeDefinition.display) ?? "-")
        }
        for conflict in record.conflicts {
            table.add("conflict", "\(conflict.name): " + conflict.heads.map { CaseAttributeDefinition.display($0.value) }.joined(separator: " | "))
        }
        context.out(table.render())
        var list = Table("ID", "WHEN", "KIND", "AREA", "TITLE", "TAGS")
        for note in notes { list.add(row: NoteText.row(note)) }
        context.out("\n\(notes.count) note\(notes.count == 1 ? "" : "s"):\n" + list.render())
    }
}

struct CaseDeleteCommand: Command {
    static let spec = CommandSpec(name: "case delete", abstract: "Remove a case (its notes are untouched)",
                                  arguments: [("CASE", "the case's pseudonym or id", true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let record = try Cases.load(store).resolve(arguments.positional(0) ?? "", in: store)
        try store.commit([.assign(record.id, field: "deleted", value: .bool(true))])
        context.out(record.id.hex)
    }
}

/// How cases read in JSON.
enum CaseText {
    /// id, pseudonym, attributes (by name; booleans and numbers typed; unset as null), notes, conflicts (field names).
    static func json(_ record: VisibleRecord, _ cases: Cases, notes: Int) -> JSON {
        .object([
            ("id", .string(record.id.hex)), ("pseudonym", .string(Cases.pseudonym(record))),
            ("attributes", .object(cases.attributes.map { ($0.name, RecordJSON.value(record.value($0.field))) })),
            ("notes", .number(Double(notes))),
            ("conflicts", .array(record.conflicts.map { .string($0.name) })),
        ])
    }
}
