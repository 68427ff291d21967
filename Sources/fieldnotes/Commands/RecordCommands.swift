import Analysis
import CRDT
import Formats
import Store

/// A record type whose commands (add, edit, list, show, delete) are generated
/// from declarations: used for insights and decisions, so each command reads
/// the same way and `--help` follows the declarations. What a value may be
/// is `RecordSchema`'s (in Store), which `commit` checks.
struct RecordCommandSpec: Sendable {
    struct Field: Sendable {
        let name: String
        let option: String
        let help: String
        var choices: [String]? = nil
        var isDate = false
        var required = false
        /// Written on add when the option is not given.
        var initial: String? = nil
    }

    struct Link: Sendable {
        /// The set's name in the record.
        let set: String
        /// The option on add (`--theme`); edit takes `--add-NAME` and `--remove-NAME`.
        let option: String
        let help: String
        /// Turns what a person typed into the linked record's id.
        let resolve: @Sendable (String, Store) throws -> RecordID
        /// A warning about linking this record (printed, the link still made).
        var warning: (@Sendable (RecordID, Store) throws -> String?)? = nil
    }

    let type: String
    let fields: [Field]
    let links: [Link]
    /// The field shown as the record's title in tables.
    let titleField: String
    /// What is wrong with a record's evidence (`Evidence`), shown in lists.
    var flags: (@Sendable (VisibleRecord, Store) throws -> [EvidenceFlag])? = nil

    var addOptions: [OptionSpec] {
        fields.map { .option($0.option, $0.choices?.joined(separator: "|") ?? ($0.isDate ? "DATE" : "TEXT"), $0.help) }
            + links.map { .option($0.option, "ID", $0.help, repeatable: true) }
    }

    var editOptions: [OptionSpec] {
        fields.map { .option($0.option, $0.choices?.joined(separator: "|") ?? ($0.isDate ? "DATE" : "TEXT"), $0.help) }
            + links.flatMap {
                [OptionSpec.option("add-\($0.option)", "ID", "add: \($0.help)", repeatable: true),
                 OptionSpec.option("remove-\($0.option)", "ID", "remove: \($0.help)", repeatable: true)]
            }
            + [.option("unset", "FIELD", "clear a field: \(fields.filter { !$0.required }.map(\.name).joined(separator: ", "))", repeatable: true)]
    }

    /// Field writes from the options given.
    func fieldChanges(_ arguments: ParsedArguments, id: RecordID) throws -> [Change] {
        var changes: [Change] = []
        for field in fields {
            guard let raw = arguments.value(field.option) else { continue }
            var text = raw.trimmingSpaces
            if let choices = field.choices {
                text = text.lowercased()
                guard choices.contains(text) else {
                    throw UsageError(message: "--\(field.option) must be one of \(choices.joined(separator: ", ")), not '\(raw)'", command: arguments.spec.name)
                }
            }
            if field.isDate { text = try Note.date(text) }
            if field.required && text.isEmpty { throw UsageError(message: "--\(field.option) is empty", command: arguments.spec.name) }
            changes.append(.assign(id, field: field.name, value: .text(text)))
        }
        for name in arguments.all("unset") {
            guard let field = fields.first(where: { $0.name == name || $0.option == name }), !field.required else {
                throw UsageError(message: "cannot unset '\(name)'; unset one of \(fields.filter { !$0.required }.map(\.name).joined(separator: ", "))", command: arguments.spec.name)
            }
            changes.append(.assign(id, field: field.name, value: .null))
        }
        return changes
    }

    func linkChanges(_ arguments: ParsedArguments, id: RecordID, store: Store, adding: Bool, warn: (String) -> Void = { _ in }) throws -> [Change] {
        var changes: [Change] = []
        for link in links {
            let added = adding ? arguments.all(link.option) : arguments.all("add-\(link.option)")
            for text in added {
                let target = try link.resolve(text, store)
                if let message = try link.warning?(target, store) { warn(message) }
                changes.append(.add(id, set: link.set, element: .text(target.hex)))
            }
            guard !adding else { continue }
            for text in arguments.all("remove-\(link.option)") {
                // Removing needs no live target: a link to a deleted or erased record can go too.
                let target = RecordID(hex: text) ?? (try? link.resolve(text, store)) ?? store.resolvePrefixAnyType(text)
                guard let target else { throw CommandFailure(message: "no linked record matches '\(text)'") }
                changes.append(.remove(id, set: link.set, element: .text(target.hex)))
            }
        }
        return changes
    }

    func json(_ record: VisibleRecord, names: [ReplicaID: String]) -> JSON {
        RecordJSON.record(record, fields: fields.map(\.name), sets: links.map(\.set), names: names)
    }
}

extension Store {
    /// A record id from a unique prefix, whatever its type; nil if none or ambiguous.
    func resolvePrefixAnyType(_ text: String) -> RecordID? { try? resolve(text) }
}

/// Resolves a note id or prefix for an evidence link.
func resolveNote(_ text: String, _ store: Store) throws -> RecordID { try store.resolve(text, type: Note.type) }

/// The generated commands of one schema.
enum RecordCommands {
    static func add(_ schema: RecordCommandSpec, _ arguments: ParsedArguments, _ context: Context) throws {
        for field in schema.fields where field.required && arguments.value(field.option) == nil {
            throw UsageError(message: "'\(arguments.spec.name)' needs --\(field.option)", command: arguments.spec.name)
        }
        let store = try context.openStore()
        let id = try Store.newRecordID()
        var changes: [Change] = [.create(id, type: schema.type)]
        changes += try schema.fieldChanges(arguments, id: id)
        for field in schema.fields where arguments.value(field.option) == nil {
            if let initial = field.initial { changes.append(.assign(id, field: field.name, value: .text(initial))) }
        }
        var warnings: [String] = []
        changes += try schema.linkChanges(arguments, id: id, store: store, adding: true) { warnings.append($0) }
        try store.commit(changes)
        context.out(id.hex)
        for warning in warnings { context.err("fieldnotes: warning: " + warning) }
    }

    static func edit(_ schema: RecordCommandSpec, _ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: schema.type)
        var changes = try schema.fieldChanges(arguments, id: id)
        var warnings: [String] = []
        changes += try schema.linkChanges(arguments, id: id, store: store, adding: false) { warnings.append($0) }
        guard !changes.isEmpty else { throw UsageError(message: "nothing to change", command: arguments.spec.name) }
        try store.commit(changes)
        context.out(id.hex)
        for warning in warnings { context.err("fieldnotes: warning: " + warning) }
    }

    static func list(_ schema: RecordCommandSpec, _ arguments: ParsedArguments, _ context: Context, filter configure: (inout RecordFilter, Store) throws -> Void) throws {
        let json = try arguments.json
        let store = try context.openStore()
        var filter = RecordFilter(type: schema.type)
        filter.includeDeleted = arguments.flag("include-deleted")
        try configure(&filter, store)
        let records = try store.list(filter)
        let flags = try records.map { try schema.flags?($0, store) ?? [] }
        if json {
            let names = try store.replicaNames()
            context.out(JSON.array(zip(records, flags).map { record, flags in
                guard schema.flags != nil, case .object(var members) = schema.json(record, names: names) else { return schema.json(record, names: names) }
                members.append(("flags", .array(flags.map { .string($0.text) })))
                return .object(members)
            }).pretty())
            return
        }
        var table = Table(headers: ["ID", schema.titleField.uppercased()] + schema.fields.filter { $0.choices != nil }.map { $0.name.uppercased() }
                          + schema.links.map { $0.set.uppercased() } + (schema.flags == nil ? [] : ["FLAGS"]))
        for (record, recordFlags) in zip(records, flags) {
            var title = (record.value(schema.titleField)?.text ?? "").clipped(60)
            if record.isDeleted { title = "(deleted) " + title }
            if !record.conflicts.isEmpty { title += " [conflict]" }
            table.add(row: [record.id.short, TerminalText.escaped(title)] + schema.fields.filter { $0.choices != nil }.map { record.value($0.name)?.text ?? "-" }
                      + schema.links.map { String(record.elements($0.set).count) }
                      + (schema.flags == nil ? [] : [recordFlags.isEmpty ? "-" : "⚠ " + recordFlags.map(\.short).joined(separator: "; ")]))
        }
        context.out(table.render())
        if records.isEmpty { context.info("fieldnotes: no \(schema.type)s") }
    }

    static func delete(_ schema: RecordCommandSpec, _ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: schema.type)
        try store.commit([.assign(id, field: "deleted", value: .bool(true))])
        context.out(id.hex)
    }

    /// The linked records of a set, as (id, record if it still exists).
    static func linked(_ record: VisibleRecord, _ set: String, _ store: Store) throws -> [(RecordID, VisibleRecord?)] {
        try record.elements(set).compactMap { $0.text.flatMap(RecordID.init(hex:)) }.map { ($0, try store.record($0)) }
    }
}

