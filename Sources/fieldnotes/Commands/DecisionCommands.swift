import Analysis
import CRDT
import Formats
import Store

enum DecisionSchema {
    static let schema = RecordCommandSpec(
        type: Decision.type,
        fields: [
            .init(name: "title", option: "title", help: "the decision, in a few words", required: true),
            .init(name: "description", option: "description", help: "what was decided and why"),
            .init(name: "status", option: "status", help: "proposed (default), made, rejected", choices: Decision.statuses, initial: "proposed"),
            .init(name: "decided_at", option: "decided-at", help: "when it was decided (ISO 8601)", isDate: true),
            .init(name: "suggested", option: "suggested", help: "the decision the evidence suggests"),
            .init(name: "made", option: "made", help: "the decision actually made"),
            .init(name: "follows_evidence", option: "follows-evidence", help: "whether the decision followed the evidence",
                  choices: Decision.followsEvidence),
        ],
        links: [
            .init(set: Decision.insightSet, option: "insight", help: "an insight behind it (id or prefix)",
                  resolve: { try $1.resolve($0, type: Insight.type) }),
        ],
        titleField: "title",
        flags: { decision, store in try Evidence.flags(decision: decision) { try store.record($0) } })
}

struct DecisionAddCommand: Command {
    static let spec = CommandSpec(name: "decision add", abstract: "Record a commissioning decision and the insights behind it; prints its id",
                                  options: DecisionSchema.schema.addOptions)
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try RecordCommands.add(DecisionSchema.schema, arguments, context)
    }
}

struct DecisionEditCommand: Command {
    static let spec = CommandSpec(name: "decision edit", abstract: "Change a decision or its insights",
                                  arguments: [("ID", "the decision's id or a unique prefix", true)], options: DecisionSchema.schema.editOptions)
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try RecordCommands.edit(DecisionSchema.schema, arguments, context)
    }
}

struct DecisionListCommand: Command {
    static let spec = CommandSpec(name: "decision list", abstract: "List decisions",
                                  options: [.option("status", "STATUS", "only this status: proposed, made, rejected"),
                                            .flag("include-deleted", "also list deleted decisions"), formatOption])
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let status = try arguments.choice("status", Decision.statuses)
        try RecordCommands.list(DecisionSchema.schema, arguments, context) { filter, _ in
            if let status { filter.fields["status"] = .text(status) }
        }
    }
}

struct DecisionShowCommand: Command {
    static let spec = CommandSpec(name: "decision show", abstract: "Show a decision beside the insights behind it",
                                  arguments: [("ID", "the decision's id or a unique prefix", true)], options: [formatObjectOption])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let id = try store.resolve(arguments.positional(0) ?? "", type: Decision.type)
        guard let decision = try store.record(id) else { throw CommandFailure(message: "decision \(id.short) vanished; try again") }
        let names = try store.replicaNames()
        let insights = try RecordCommands.linked(decision, Decision.insightSet, store)
        if json {
            guard case .object(var members) = DecisionSchema.schema.json(decision, names: names) else { return }
            members.append(("insight_statements", .array(insights.map { $0.1?.value("statement").map(RecordJSON.value) ?? .null })))
            context.out(JSON.object(members).pretty())
            return
        }
        var table = Table("FIELD", "VALUE")
        table.add("id", decision.id.hex)
        for field in DecisionSchema.schema.fields { table.add(field.name, decision.value(field.name).map(NoteText.display) ?? "-") }
        if decision.isDeleted { table.add("status", "deleted") }
        var out = table.render() + "\n\nInsights behind it (\(insights.count)):"
        for (insightID, insight) in insights {
            out += "\n  \(insightID.short)  " + TerminalText.escaped((insight?.value("statement")?.text ?? "(not in this store yet)")
                + (insight?.value("status")?.text.map { " [\($0)]" } ?? ""))
        }
        context.out(out)
    }
}

struct DecisionDeleteCommand: Command {
    static let spec = CommandSpec(name: "decision delete", abstract: "Delete a decision",
                                  arguments: [("ID", "the decision's id or a unique prefix", true)])
    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        try RecordCommands.delete(DecisionSchema.schema, arguments, context)
    }
}
