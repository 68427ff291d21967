import Analysis
import CRDT
import Formats
import Store

/// The area vocabulary as commands see it: every rule is `Areas`'s.
struct AreaListCommand: Command {
    static let spec = CommandSpec(
        name: "area list", abstract: "Known areas with their notes, then areas notes use that are not known",
        options: [formatOption],
        discussion: "Known areas are North East Lincolnshire's 15 wards and any the team added ('area add', 'add --new-area').\n"
            + "An area answers to its name and its aliases, ignoring case. Areas notes use that answer to no known area\n"
            + "are listed after them, with the nearest known area: map each with 'fieldnotes area map TEXT AREA'.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let store = try context.openStore()
        let areas = try Areas.load(store)
        let tally = areas.tally(try store.list(RecordFilter(type: Note.type)))
        if json {
            let known: [JSON] = areas.known.map { area in
                .object([("area", .string(area.name)), ("known", .bool(true)), ("source", .string(area.source.rawValue)),
                         ("aliases", .array(area.aliases.map(JSON.string))), ("notes", .number(Double(tally.known[area.name] ?? 0))),
                         ("nearest", .null)])
            }
            let other: [JSON] = tally.other.map { entry in
                .object([("area", .string(entry.area)), ("known", .bool(false)), ("source", .null), ("aliases", .array([])),
                         ("notes", .number(Double(entry.notes))), ("nearest", entry.suggestion.map(JSON.string) ?? .null)])
            }
            context.out(JSON.array(known + other).pretty())
            return
        }
        var table = Table("AREA", "KIND", "NOTES", "ALIASES")
        for area in areas.known {
            table.add(area.name, area.source.rawValue, String(tally.known[area.name] ?? 0), area.aliases.joined(separator: ", ").clipped(50))
        }
        context.out(table.render())
        if !tally.other.isEmpty {
            var others = Table("AREA", "NOTES", "NEAREST KNOWN AREA")
            for entry in tally.other { others.add(entry.area, String(entry.notes), entry.suggestion ?? "-") }
            context.out("\nNot in the vocabulary (map each with 'fieldnotes area map TEXT AREA', or add it with 'fieldnotes area add TEXT'):")
            context.out(others.render())
        }
        if tally.none > 0 { context.out("\n\(tally.none) note\(tally.none == 1 ? " has" : "s have") no area.") }
    }
}

struct AreaAddCommand: Command {
    static let spec = CommandSpec(
        name: "area add", abstract: "Add an area to the vocabulary; prints its id",
        arguments: [("NAME", "the area's name, as notes should spell it", true)],
        options: [.option("alias", "TEXT", "another spelling that stands for it", repeatable: true)])

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let name = (arguments.positional(0) ?? "").trimmingSpaces
        guard !name.isEmpty else { throw UsageError(message: "the area name is empty", command: spec.name) }
        let store = try context.openStore()
        let areas = try Areas.load(store)
        for text in [name] + arguments.all("alias") {
            if let known = areas.area(named: text) {
                throw CommandFailure(message: "'\(text.trimmingSpaces)' is already \(Areas.key(known.name) == Areas.key(text) ? "a known area" : "a spelling of \(known.name)"); "
                                     + "'fieldnotes area list' shows the vocabulary")
            }
        }
        let id = try Store.newRecordID()
        try store.commit(Areas.additions(name, id: id, aliases: arguments.all("alias")))
        context.out(id.hex)
    }
}

struct AreaMapCommand: Command {
    static let spec = CommandSpec(
        name: "area map", abstract: "Rewrite every note's area FROM to the known area TO, and keep FROM as its alias",
        arguments: [("FROM", "the spelling notes use (ignoring case), or a team area to merge away", true),
                    ("TO", "a known area", true)],
        discussion: "Deleted notes are rewritten too. FROM becomes an alias of TO, so notes that arrive later from other\n"
            + "laptops with the old spelling count for TO, and 'add --area FROM' stores TO. A team area mapped onto another is\n"
            + "deleted and its aliases move over; a ward cannot be mapped away.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let store = try context.openStore()
        var notes = RecordFilter(type: Note.type)
        notes.includeDeleted = true
        let mapping = try Areas.load(store).mapping(arguments.positional(0) ?? "", onto: arguments.positional(1) ?? "",
                                                    notes: try store.list(notes), newRecord: try Store.newRecordID())
        if !mapping.changes.isEmpty { try store.commit(mapping.changes) }
        let from = (arguments.positional(0) ?? "").trimmingSpaces
        var line = "\(mapping.target): \(mapping.rewritten) note\(mapping.rewritten == 1 ? "" : "s") rewritten from '\(from)'"
        if let merged = mapping.merged { line += "; the area \(merged) was merged into it" }
        if !mapping.newAliases.isEmpty { line += "; now also answers to \(mapping.newAliases.map { "'\($0)'" }.joined(separator: ", "))" }
        context.out(TerminalText.escaped(line))
    }
}

/// What `add` and `edit` check beyond the note's own rules: the area against
/// the vocabulary (`--new-area` adds it), and whether the participant looks
/// like a pseudonym (a warning, after the note is written).
struct NoteVocabulary {
    /// Changes to commit with the note (a new area).
    let changes: [Change]
    /// Why the participant does not look like a pseudonym, if it does not.
    let participantConcern: String?

    static let newAreaOption = OptionSpec.flag("new-area", "the --area is a new area: add it to the vocabulary")

    /// Sets `input.area` to the known spelling, or refuses an unknown area
    /// (suggesting the nearest) unless `--new-area`.
    init(_ input: inout Note.Input, _ arguments: ParsedArguments, _ store: Store) throws {
        participantConcern = input.participant.flatMap(Pseudonyms.concern)
        let allowNew = arguments.flag("new-area")
        guard let text = input.area else {
            if allowNew { throw UsageError(message: "--new-area goes with --area NAME", command: arguments.spec.name) }
            changes = []
            return
        }
        let resolved = try Areas.load(store).resolve(text, allowNew: allowNew)
        input.area = resolved.name
        changes = resolved.isNew ? Areas.additions(resolved.name, id: try Store.newRecordID()) : []
    }

    /// Prints the participant warning, if any, naming the note to fix.
    func warn(note id: RecordID, _ context: Context) {
        guard let participantConcern else { return }
        context.err("fieldnotes: warning: the participant \(participantConcern); notes must not identify anyone: "
                    + "use a pseudonym such as P07 or Resident 12 ('fieldnotes edit \(id.short) --participant P07')")
    }

    /// `list --case-attribute`.
    static let caseAttributeOption = OptionSpec.option(
        "case-attribute", "NAME=VALUE", "only notes whose case (by participant) has this value, as 'case list --attribute'; repeat to need all",
        repeatable: true)

    /// The store filter for a note query, with `--area` read through the
    /// vocabulary (a known area's name or alias, ignoring case) and
    /// `--case-attribute` (if the command has it) as the participants of the cases it selects.
    static func recordFilter(_ query: NoteQuery, _ arguments: ParsedArguments, _ store: Store) throws -> RecordFilter {
        var query = query
        if !query.areas.isEmpty { query.areas = try Areas.load(store).spellings(matching: query.areas) }
        var filter = try query.recordFilter(store)
        if !arguments.all(caseAttributeOption.name).isEmpty {
            let cases = try Cases.load(store)
            let spellings = cases.participantSpellings(matching: try cases.conditions(arguments.all(caseAttributeOption.name)))
            filter.conditions.append(.fieldIn("participant", spellings.map(Value.text)))
        }
        return filter
    }
}
