import Analysis
import CRDT
import Formats
import Store

struct AnalysisAgreementCommand: Command {
    static let spec = CommandSpec(
        name: "analysis agreement", abstract: "Percent agreement and Cohen's kappa between two coders, per theme",
        options: [
            .option("coder", "NAME", "a coder (the device name passages record); give exactly two", repeatable: true),
            .option("unit", "note|character", "what each answer is about: a note (default) or a character of the notes' bodies, as QualCoder compares"),
            formatOption,
        ],
        discussion: """
            The unit is the note, not the character. Over the notes both coders coded (each has a passage by
            each of them), every theme either used there is a yes or a no per note and coder: did that coder
            code a passage of the note with exactly that theme? Tags are not counted (a tag has no coder).
            From that 2x2 table: agreement = (both + neither) / notes; Cohen's kappa = (po - pe) / (1 - pe),
            with pe = pA x pB + (1 - pA)(1 - pB). When pe = 1 (both coders gave every note the same answer)
            kappa is undefined: 'undefined' in the table, null in JSON. The last row pools every theme's table.

            With --unit character, each character of the bodies of the notes both coded is the yes or no:
            is it inside a passage that coder coded with the theme? Agreement is then over every character,
            as QualCoder's file comparison counts it; kappa is Cohen's from the same table (QualCoder's own
            kappa counts only the characters either coded, with pe = pyes x pno, so kappas differ).
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let coders = arguments.all("coder")
        guard coders.count == 2 else {
            throw UsageError(message: "give exactly two coders, as in --coder alice-laptop --coder bob-laptop", command: spec.name)
        }
        let unit = try arguments.choice("unit", Agreement.Unit.allCases.map(\.rawValue)).flatMap(Agreement.Unit.init(rawValue:)) ?? .note
        let store = try context.openStore()
        let result = try Agreement.load(store, coderA: coders[0], coderB: coders[1], unit: unit)
        let book = try Codebook.load(store)
        func fields(_ counts: Agreement.Counts) -> [(String, JSON)] {
            [(unit == .note ? "notes" : "characters", .number(Double(counts.notes))), ("both", .number(Double(counts.both))),
             ("a_only", .number(Double(counts.onlyA))), ("b_only", .number(Double(counts.onlyB))),
             ("neither", .number(Double(counts.neither))), ("percent_agreement", .number(100 * counts.observed)),
             ("kappa", counts.kappa.map(JSON.number) ?? .null)]
        }
        if json {
            context.out(JSON.object([
                ("coder_a", .string(result.coderA)), ("coder_b", .string(result.coderB)), ("unit", .string(unit.rawValue)),
                ("notes", .number(Double(result.notes.count))),
                ("themes", .array(result.themes.map { row in
                    .object([("theme_id", .string(row.theme.hex)), ("theme", .string(book.name(row.theme)))] + fields(row.counts))
                })),
                ("pooled", .object(fields(result.pooled))),
            ]).pretty())
            return
        }
        context.out("\(TerminalText.escaped(result.coderA)) (A) and \(TerminalText.escaped(result.coderB)) (B) over the \(result.notes.count) note\(result.notes.count == 1 ? "" : "s") both coded; "
                    + "the unit is the \(unit.rawValue) (see --help)")
        var table = Table("THEME", "BOTH", "A ONLY", "B ONLY", "NEITHER", "AGREEMENT", "KAPPA")
        func add(_ name: String, _ counts: Agreement.Counts) {
            table.add(name, "\(counts.both)", "\(counts.onlyA)", "\(counts.onlyB)", "\(counts.neither)",
                      FixedPoint.fixed(100 * counts.observed, places: 1) + "%", counts.kappa.map { FixedPoint.fixed($0, places: 3) } ?? "undefined")
        }
        for row in result.themes { add(book.path(row.theme), row.counts) }
        add("all themes (pooled)", result.pooled)
        context.out(table.render())
    }
}

struct AnalysisCooccurrenceCommand: Command {
    static let spec = CommandSpec(
        name: "analysis cooccurrence", abstract: "How many notes each pair of themes codes together",
        options: [
            .flag("with-sub-themes", "count a note for every theme above the ones it is coded with, as 'theme list' does"),
            formatOption,
        ],
        discussion: """
            Over every live note: the number of notes coded with both themes of each pair; on the diagonal, the
            notes coded with the theme. By default a note counts for the themes a tag or a coded passage codes
            it with directly. With --with-sub-themes it also counts for every theme above those, so a theme and
            its parent always co-occur on the sub-theme's notes. Only themes that code a note are shown.
            """)

    static func run(_ arguments: ParsedArguments, _ context: Context) throws {
        let json = try arguments.json
        let counting: Cooccurrence.Counting = arguments.flag("with-sub-themes") ? .withSubThemes : .direct
        let store = try context.openStore()
        let result = try Cooccurrence.load(store, counting: counting)
        let book = try Codebook.load(store)
        if json {
            context.out(JSON.object([
                ("counting", .string(result.counting.rawValue)), ("notes", .number(Double(result.notes))),
                ("themes", .array(result.themes.enumerated().map { index, theme in
                    .object([("theme_id", .string(theme.id.hex)), ("theme", .string(book.name(theme.id))),
                             ("parent_id", book.parent(theme.id).map { .string($0.hex) } ?? .null),
                             ("notes", .number(Double(result.counts[index][index])))])
                })),
                ("matrix", .array(result.counts.map { .array($0.map { .number(Double($0)) }) })),
                ("pairs", .array(result.pairs.map { pair in
                    .object([("theme_a_id", .string(pair.a.hex)), ("theme_b_id", .string(pair.b.hex)), ("notes", .number(Double(pair.notes)))])
                })),
            ]).pretty())
            return
        }
        let how = counting == .direct ? "direct codings (tag or passage)" : "codings including sub-themes"
        context.out("Notes coded with both themes, by \(how), over \(result.notes) note\(result.notes == 1 ? "" : "s"); the diagonal is each theme's notes")
        var table = Table(headers: ["", "THEME"] + result.themes.indices.map { "\($0 + 1)" })
        for (index, theme) in result.themes.enumerated() {
            table.add(row: ["\(index + 1)", String(repeating: "  ", count: theme.depth) + book.name(theme.id)]
                      + result.counts[index].map { "\($0)" })
        }
        context.out(table.render())
        if result.themes.isEmpty { context.info("fieldnotes: no note is coded with a theme") }
    }
}

/// Fixed-point text for people: `FixedPoint.fixed(91.666, places: 1)` is "91.7".
enum FixedPoint {
    static func fixed(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled) - whole * Int64(scale)
        var digits = String(fraction)
        while digits.count < places { digits = "0" + digits }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return places == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(digits)"
    }
}
