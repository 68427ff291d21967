import Analysis
import CRDT
import Formats
import Store

/// `coverage`: the area × theme matrix, every known area and theme, gaps marked.
struct CoverageCommand: Command {
    static let spec = CommandSpec(
        name: "coverage", abstract: "Notes by area and theme, every known area and theme, with the gaps marked",
        options: [
            .option("since", "DATE", "only notes from this date or time on"),
            .option("until", "DATE", "only notes up to and including this date or time"),
            formatOption,
        ],
        discussion: "Each cell counts the notes in the area coded with the theme or a theme below it (by tag or coded passage).\n"
            + "GAP marks a pair with no notes; the first line counts them over the known areas (the wards and the team's areas).\n"
            + "Notes whose area is not in the vocabulary are counted in '\(Coverage.otherAreasRow)' and notes with none in\n"
            + "'\(Coverage.noAreaRow)'; 'fieldnotes area list' shows those areas and 'fieldnotes area map' maps them.")

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        var filter = RecordFilter(type: Note.type)
        filter.rangeField = "occurred_at"
        if let since = arguments.value("since") { filter.from = try Note.date(since) }
        if let until = arguments.value("until") { filter.before = try NoteQuery.before(until) }
        let store = try context.openStore()
        let coverage = try Coverage.load(store, notes: try store.list(filter))
        let book = coverage.book
        if json {
            context.out(JSON.array(coverage.rows.map { row in
                .object([
                    ("area", .string(row.area)), ("kind", .string(row.kind.rawValue)), ("notes", .number(Double(row.notes))),
                    ("themes", .array(zip(coverage.themes, row.counts).map { theme, count in
                        .object([("id", .string(theme.id.hex)), ("name", .string(book.name(theme.id))), ("path", .string(book.path(theme.id))),
                                 ("notes", .number(Double(count))), ("gap", .bool(count == 0)),
                                 ("thin", .bool(count > 0 && count < Coverage.thinBelow))])
                    })),
                ])
            }).pretty())
            return
        }
        context.out(coverage.headline)
        if coverage.thin > 0 {
            context.out("\(coverage.thin) ha\(coverage.thin == 1 ? "s" : "ve") only one or two notes")
        }
        var table = Table(headers: ["AREA"] + coverage.themes.map { book.name($0.id) } + ["NOTES"])
        for row in coverage.rows {
            table.add(row: [row.area] + row.counts.map { $0 == 0 && row.kind == .area ? "GAP" : String($0) } + [String(row.notes)])
        }
        context.out(table.render())
        if coverage.themes.isEmpty { context.info("fieldnotes: the codebook is empty, so there are no themes to cover; add one with 'fieldnotes theme add NAME'") }
        if let other = coverage.rows.first(where: { $0.kind == .other }) {
            context.info("fieldnotes: \(other.notes) note\(other.notes == 1 ? " has an area" : "s have areas") outside the vocabulary; "
                        + "'fieldnotes area list' shows them and 'fieldnotes area map TEXT AREA' maps them")
        }
    }
}
