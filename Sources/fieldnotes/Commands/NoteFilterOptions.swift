import Analysis
import Store

/// The note filters `list` and `search` share; `NoteQuery` holds their rules.
enum NoteFilterOptions {
    static var options: [OptionSpec] {
        [
            .option("area", "AREA", "only notes from this area; repeat for any of several", repeatable: true),
            .option("tag", "TAG", "only notes with this tag; repeat to need all of them", repeatable: true),
            .option("any-tag", "TAG", "only notes with at least one of these tags", repeatable: true),
            .option("theme", "THEME", "only notes coded with this theme or one below it; repeat to need all", repeatable: true),
            .option("measure", "CONDITION", "only notes whose measure meets it, e.g. 'ucla3>=7' (>=, <=, >, <, =); repeat to need all",
                    repeatable: true),
            .option("kind", "KIND", "only notes of this kind"),
            .option("since", "DATE", "only notes from this date or time on"),
            .option("until", "DATE", "only notes up to and including this date or time"),
            .flag("include-deleted", "also deleted notes"),
        ]
    }

    static let discussion = """
        Filters combine: a note must pass every one given. --tag matches a tag exactly, as stored; --area
        takes an area's name or alias, in any case. --theme takes a theme's name, alias or id and follows the
        codebook (a tag naming the theme or an alias, or a coded passage, of it or of any theme below it).
        A note without the measure never meets a --measure condition.
        """

    static func query(_ arguments: ParsedArguments) throws -> NoteQuery {
        var query = NoteQuery()
        query.areas = arguments.all("area")
        query.allTags = arguments.all("tag")
        query.anyTags = arguments.all("any-tag")
        query.themes = arguments.all("theme")
        query.kind = arguments.value("kind")
        query.since = arguments.value("since")
        query.until = arguments.value("until")
        query.includeDeleted = arguments.flag("include-deleted")
        for text in arguments.all("measure") {
            do {
                query.measures.append(try MeasureCondition.parse(text))
            } catch let error as StoreError {
                throw UsageError(message: "--measure: \(error.message); \(error.hint)", command: arguments.spec.name)
            }
        }
        return query
    }
}
