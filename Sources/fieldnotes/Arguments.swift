/// A command-line option as declared by a command; `--help` is generated
/// from the same declarations the parser reads, so the two cannot drift.
struct OptionSpec {
    let name: String
    /// The value's placeholder (`TEXT`), or nil for a flag.
    let value: String?
    let help: String
    var repeatable = false

    static func flag(_ name: String, _ help: String) -> OptionSpec { OptionSpec(name: name, value: nil, help: help) }
    static func option(_ name: String, _ value: String, _ help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, value: value, help: help, repeatable: repeatable)
    }
}

struct CommandSpec {
    /// The words that name it: ["add"], ["hub", "serve"].
    let name: String
    let abstract: String
    /// Positional arguments: (placeholder, help, required).
    var arguments: [(String, String, Bool)] = []
    var options: [OptionSpec] = []
    /// Extra paragraphs after the option list.
    var discussion: String = ""

    var usage: String {
        var parts = ["fieldnotes", "[--store PATH]", name]
        for option in options {
            let text = option.value.map { "--\(option.name) \($0)" } ?? "--\(option.name)"
            parts.append("[\(text)]" + (option.repeatable ? "..." : ""))
        }
        parts.append("[--quiet]")
        for (placeholder, _, required) in arguments { parts.append(required ? placeholder : "[\(placeholder)]") }
        return parts.joined(separator: " ")
    }

    var help: String {
        var lines = ["\(abstract)", "", "Usage: \(usage)"]
        if !arguments.isEmpty {
            lines += ["", "Arguments:"]
            for (placeholder, help, _) in arguments { lines.append(Self.row(placeholder, help)) }
        }
        lines += ["", "Options:"]
        for option in options {
            let left = "--\(option.name)" + (option.value.map { " \($0)" } ?? "") + (option.repeatable ? " (repeatable)" : "")
            lines.append(Self.row(left, option.help))
        }
        lines.append(Self.row("--store PATH", "the store (default $FIELDNOTES_STORE, else $XDG_DATA_HOME/fieldnotes/store.sqlite)"))
        lines.append(Self.row("--quiet", "leave out confirmations, progress and hints (never errors, warnings or the data asked for)"))
        lines.append(Self.row("-h, --help", "show this help"))
        if !discussion.isEmpty { lines += ["", discussion] }
        return lines.joined(separator: "\n")
    }

    static func row(_ left: String, _ right: String) -> String {
        let padded = left.count < 28 ? left + String(repeating: " ", count: 28 - left.count) : left + "\n" + String(repeating: " ", count: 30)
        return "  " + padded + right
    }
}

/// A usage mistake: printed with a pointer to `--help`, exit status 2.
struct UsageError: Error {
    let message: String
    let command: String?
}

/// The parsed words of one command line.
struct ParsedArguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []
    let spec: CommandSpec

    /// Parses `words` against `spec`: `--name value`, `--name=value`, flags,
    /// and positionals; `--` ends the options.
    init(_ words: [String], spec: CommandSpec) throws {
        self.spec = spec
        var index = 0
        var optionsEnded = false
        while index < words.count {
            let word = words[index]
            index += 1
            guard !optionsEnded, word.hasPrefix("-"), word != "-" else {
                positionals.append(word)
                continue
            }
            if word == "--" {
                optionsEnded = true
                continue
            }
            var name = String(word.drop(while: { $0 == "-" }))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw UsageError(message: "unknown option '\(word)' for '\(spec.name)'", command: spec.name)
            }
            if option.value == nil {
                guard inline == nil else { throw UsageError(message: "--\(name) takes no value", command: spec.name) }
                flags.insert(name)
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard index < words.count else {
                    throw UsageError(message: "--\(name) needs a value (\(option.value ?? "VALUE"))", command: spec.name)
                }
                value = words[index]
                index += 1
            }
            if !option.repeatable, values[name] != nil {
                throw UsageError(message: "--\(name) was given twice", command: spec.name)
            }
            values[name, default: []].append(value)
        }
        let required = spec.arguments.filter(\.2).count
        guard positionals.count >= required else {
            let missing = spec.arguments.filter(\.2)[positionals.count].0
            throw UsageError(message: "'\(spec.name)' needs \(missing)", command: spec.name)
        }
        guard positionals.count <= spec.arguments.count else {
            throw UsageError(message: "unexpected argument '\(positionals[spec.arguments.count])' for '\(spec.name)'", command: spec.name)
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func flag(_ name: String) -> Bool { flags.contains(name) }
    func positional(_ index: Int) -> String? { index < positionals.count ? positionals[index] : nil }

    /// A value from a fixed list, or a usage error naming the choices.
    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let value = value(name) else { return nil }
        guard allowed.contains(value) else {
            throw UsageError(message: "--\(name) must be one of \(allowed.joined(separator: ", ")), not '\(value)'", command: spec.name)
        }
        return value
    }

    func integer(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError(message: "--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'", command: spec.name)
        }
        return number
    }
}
