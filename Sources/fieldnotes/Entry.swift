import Glibc
import Store

/// `fieldnotes [--store PATH] COMMAND [OPTIONS]`: parse, dispatch, and turn
/// every failure into one line on stderr and an exit status (2 usage, 1 other).
func runCommandLine(_ words: [String]) -> Int32 {
    var words = words
    var storeOption: String?
    var quiet = false
    // --store and --quiet are global: accept them anywhere before "--".
    var index = 0
    while index < words.count, words[index] != "--" {
        if words[index] == "--quiet" {
            quiet = true
            words.remove(at: index)
        } else if words[index] == "--store" {
            guard index + 1 < words.count else { return usageFailure(UsageError(message: "--store needs a value (PATH)", command: nil)) }
            storeOption = words[index + 1]
            words.removeSubrange(index...index + 1)
        } else if words[index].hasPrefix("--store=") {
            storeOption = String(words[index].dropFirst("--store=".count))
            words.remove(at: index)
        } else {
            index += 1
        }
    }
    guard let first = words.first else {
        // No command is a usage mistake: the help goes to standard error.
        Output.standardError(topLevelHelp)
        return 2
    }
    if first == "-h" || first == "--help" || first == "help" {
        if first == "help", words.count > 1, let command = commands.first(where: { $0.spec.name == words.dropFirst().joined(separator: " ") }) {
            print(command.spec.help)
        } else {
            print(topLevelHelp)
        }
        return 0
    }
    if first == "--version" {
        print("fieldnotes \(fieldnotesVersion)")
        return 0
    }
    // A command is one word ("add") or two ("hub serve").
    let two = words.count > 1 ? "\(first) \(words[1])" : ""
    let command: any Command.Type
    let rest: [String]
    if let match = commands.first(where: { $0.spec.name == two }) {
        command = match
        rest = Array(words.dropFirst(2))
    } else if let match = commands.first(where: { $0.spec.name == first }) {
        command = match
        rest = Array(words.dropFirst())
    } else if commands.contains(where: { $0.spec.name.hasPrefix(first + " ") }) {
        let subcommands = commands.filter { $0.spec.name.hasPrefix(first + " ") }.map { $0.spec.name }
        if words.count == 1 {
            return usageFailure(UsageError(message: "'\(first)' needs a subcommand: \(subcommands.joined(separator: ", "))", command: nil))
        }
        if words[1] == "--help" || words[1] == "-h" {
            print(subcommands.map { "fieldnotes \($0)" }.joined(separator: "\n"))
            return 0
        }
        return usageFailure(UsageError(message: "unknown command '\(first) \(words[1])'; try \(subcommands.joined(separator: ", "))", command: nil))
    } else {
        return usageFailure(UsageError(message: "unknown command '\(first)'", command: nil))
    }
    if rest.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
        print(command.spec.help)
        return 0
    }
    do {
        let arguments = try ParsedArguments(rest, spec: command.spec)
        try command.run(arguments, Context(storeOption: storeOption, quiet: quiet))
        return 0
    } catch let error as UsageError {
        return usageFailure(error)
    } catch let error as StoreError {
        Output.error(error.description)
        return 1
    } catch let error as CommandFailure {
        Output.error(error.message)
        return error.status
    } catch {
        Output.error(String(describing: error))
        return 1
    }
}

/// A failure found by a command itself, with its message and exit status.
struct CommandFailure: Error {
    let message: String
    var status: Int32 = 1
}

func usageFailure(_ error: UsageError) -> Int32 {
    let help = error.command.map { "'fieldnotes \($0) --help'" } ?? "'fieldnotes --help'"
    Output.error("\(error.message); see \(help)")
    return 2
}

let fieldnotesVersion = "0.1.0"

var topLevelHelp: String {
    var lines = [
        "fieldnotes: an offline field recorder. Capture notes on a laptop with no signal;",
        "they merge with your team's through a hub without anyone resolving conflicts by hand.",
        "",
        "Usage: fieldnotes [--store PATH] COMMAND [OPTIONS]",
        "",
        "Commands:",
    ]
    for command in commands where !command.spec.isHidden { lines.append(CommandSpec.row(command.spec.name, command.spec.abstract)) }
    lines += [
        "",
        "The store is --store PATH, else $FIELDNOTES_STORE, else $XDG_DATA_HOME/fieldnotes/store.sqlite",
        "(~/.local/share/fieldnotes/store.sqlite). 'fieldnotes COMMAND --help' describes each command.",
        "--quiet (any command) leaves out confirmations, progress and hints; errors, warnings and the data asked for still print.",
        "Colour is used on a terminal, never when output is piped or NO_COLOR is set (https://no-color.org).",
        "Record ids: any unique prefix of 6 or more hex digits is accepted.",
        "Exit status: 0 success, 1 failure, 2 usage error.",
    ]
    return lines.joined(separator: "\n")
}

