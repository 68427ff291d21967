import Store
import SystemCalls

/// The options that set a note's fields, shared by `add` and `edit`.
enum NoteInputOptions {
    static var fieldOptions: [OptionSpec] {
        [
            .option("title", "TEXT", "a short title"),
            .option("body", "TEXT", "what was said or seen"),
            .option("body-file", "FILE", "read the body from a UTF-8 text file ('-': standard input)"),
            .option("kind", "KIND", Note.kinds.joined(separator: ", ")),
            .option("area", "AREA", "the ward, estate or place, e.g. 'East Marsh': a known area ('fieldnotes area list')"),
            NoteVocabulary.newAreaOption,
            .option("at", "DATE", "when it happened, ISO 8601: 2026-11-20 or 2026-11-20T14:30 (UTC unless +HH:MM given)"),
            .option("participant", "PSEUDONYM", "who said it, as a pseudonym: never a real name"),
            .option("consent", "CONSENT", Note.consents.joined(separator: ", ")),
            .option("measure", "NAME=VALUE", "a number by name; ucla3 and ons_lonely are range-checked", repeatable: true),
        ]
    }

    static var measuresHelp: String {
        (["Known measures:"] + Note.knownMeasures.map { "  \($0.name): \($0.meaning)" } + ["  Any other NAME=NUMBER is kept as a plain number."])
            .joined(separator: "\n")
    }

    /// Reads the field options into an input; the body comes from --body,
    /// --body-file, or (for `add`, when neither is given) standard input
    /// if it is not a terminal.
    static func input(_ arguments: ParsedArguments, _ context: Context, bodyFromStdin: Bool) throws -> Note.Input {
        var input = Note.Input()
        input.title = arguments.value("title")
        input.kind = arguments.value("kind")
        input.area = arguments.value("area")
        input.occurredAt = arguments.value("at")
        input.participant = arguments.value("participant")
        input.consent = arguments.value("consent")
        if arguments.value("body") != nil, arguments.value("body-file") != nil {
            throw UsageError(message: "give --body or --body-file, not both", command: arguments.spec.name)
        }
        if let body = arguments.value("body") {
            input.body = body
        } else if let path = arguments.value("body-file") {
            input.body = path == "-" ? try readStandardInput() : try readText(path)
        } else if bodyFromStdin, !context.stdinIsTerminal {
            let text = try readStandardInput()
            if !text.isEmpty { input.body = text }
        }
        for pair in arguments.all("measure") {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw UsageError(message: "--measure takes NAME=VALUE, as in ucla3=6, not '\(pair)'", command: arguments.spec.name)
            }
            input.measures.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
        }
        return input
    }

    /// All of standard input, which must be UTF-8.
    static func readStandardInput() throws -> String {
        let bytes: [UInt8]
        do {
            bytes = try Output.readStandardInput()
        } catch {
            throw CommandFailure(message: "cannot read standard input (\(error)); pass the text with --body or a file instead")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandFailure(message: "the body on standard input is not UTF-8 text; convert it (e.g. with iconv) and try again")
        }
        return text
    }

    /// A whole text file, which must be UTF-8.
    static func readText(_ path: String) throws -> String {
        let bytes: [UInt8]
        do {
            bytes = try Output.readFile(path)
        } catch {
            throw CommandFailure(message: "cannot read '\(path)' (\(error)); check the path")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandFailure(message: "'\(path)' is not UTF-8 text; convert it (e.g. with iconv -t UTF-8) and try again")
        }
        return text
    }
}
