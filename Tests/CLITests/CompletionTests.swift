import Foundation
import Testing
import TestSupport

/// `fieldnotes completion bash|zsh|fish` and the hidden `__complete`. The bash
/// script is sourced into a real bash and its completion function called the
/// way bash calls it (COMP_WORDS, COMP_CWORD), against real stores. zsh and
/// fish are not on the README's install line, so their scripts are checked by
/// content only.
@Suite("completion")
struct CompletionTests {
    /// Runs `_fieldnotes` in bash for each line of words (the last word being
    /// completed) and returns COMPREPLY for each, with the built fieldnotes
    /// first on PATH. `environment` adds variables.
    static func bashCompletions(_ sandbox: Sandbox, _ lines: [[String]], environment extra: [String: String] = [:],
                                sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String]] {
        let script = try sandbox.run(["completion", "bash"])
        expectSuccess(script, sourceLocation: sourceLocation)
        let scriptPath = try sandbox.write("fieldnotes.bash", script.stdout)
        var program = "source \(quoted(scriptPath))\n"
        for words in lines {
            program += "COMP_WORDS=(" + words.map(quoted).joined(separator: " ") + "); COMP_CWORD=\(words.count - 1); COMPREPLY=()\n"
            program += "_fieldnotes fieldnotes; printf '%s\\n' \"${COMPREPLY[@]}\"; echo '@@'\n"
        }
        let binary = try #require(Fieldnotes.binary)
        var environment = sandbox.environment.merging(extra) { $1 }
        environment["PATH"] = binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let bash = try run("/bin/bash", ["--norc", "--noprofile", "-c", program], environment: environment)
        #expect(bash.status == 0 && bash.stderr.isEmpty, "bash: \(bash.stderr)", sourceLocation: sourceLocation)
        let blocks = bash.stdout.components(separatedBy: "@@\n").dropLast()
        #expect(blocks.count == lines.count, "bash printed \(bash.stdout)", sourceLocation: sourceLocation)
        return blocks.map { $0.split(separator: "\n").map(String.init) }
    }

    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func run(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Execution {
        try Child.run(URL(fileURLWithPath: path), arguments, environment: environment)
    }

    /// The options `fieldnotes COMMAND --help` lists (its rows that start `--`), without --store and --help.
    static func helpOptions(_ sandbox: Sandbox, _ command: String) throws -> [String] {
        let help = try sandbox.run(command.split(separator: " ").map(String.init) + ["--help"])
        expectSuccess(help)
        return help.stdout.components(separatedBy: "\n").drop { $0 != "Options:" }.dropFirst()
            .filter { $0.hasPrefix("  --") }
            .compactMap { $0.dropFirst(2).split(separator: " ").first.map(String.init) }
            .filter { $0 != "--store" && $0 != "--quiet" }
    }

    @Test func bashScriptIsValidBash() throws {
        try Sandbox.with { sandbox in
            let script = try sandbox.run(["completion", "bash"])
            expectSuccess(script)
            let path = try sandbox.write("fieldnotes.bash", script.stdout)
            let checked = try Self.run("/bin/bash", ["-n", path], environment: sandbox.environment)
            #expect(checked.status == 0 && checked.stderr.isEmpty, "bash -n: \(checked.stderr)")
            #expect(script.stdout.contains("complete -F _fieldnotes fieldnotes"))
        }
    }

    @Test func bashCompletesCommandsAndSubcommands() throws {
        try Sandbox.with { sandbox in
            let replies = try Self.bashCompletions(sandbox, [
                ["fieldnotes", "sh"], ["fieldnotes", "hub", "s"], ["fieldnotes", "th"], ["fieldnotes", "theme", ""],
                ["fieldnotes", "--store", "x.sqlite", "hub", "en"], ["fieldnotes", "--st"],
            ])
            #expect(replies[0] == ["show"])
            #expect(replies[1] == ["serve", "status"])
            #expect(replies[2] == ["theme"])
            #expect(Set(replies[3]) == ["add", "list", "edit", "merge", "delete"])
            #expect(replies[4] == ["enroll"])
            #expect(replies[5] == ["--store"])
        }
    }

    /// Every command --help lists completes to exactly the options its own --help lists.
    @Test func bashCompletesEveryCommandsOptions() throws {
        try Sandbox.with { sandbox in
            let top = try sandbox.run(["--help"])
            let listed = HelpTests.listedCommands(top.stdout)
            #expect(listed.contains("hub serve") && listed.contains("completion") && listed.contains("man"))
            #expect(!top.stdout.contains("__complete"), "the hidden command is listed")
            let lines = listed.map { ["fieldnotes"] + $0.split(separator: " ").map(String.init) + ["--"] }
            let replies = try Self.bashCompletions(sandbox, lines)
            for (command, reply) in zip(listed, replies) {
                let expected = try Self.helpOptions(sandbox, command)
                #expect(Set(reply) == Set(expected + ["--store", "--quiet", "--help"]), "\(command): \(reply) against \(expected)")
            }
        }
    }

    @Test func bashCompletesNoteIdsThemesAndAreasFromTheStoreOnTheLine() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore("team store.sqlite")
            let first = try store.add("--title", "Bus stop chat")
            let second = try store.add("--title", "Lunch club")
            for theme in ["transport", "Social isolation"] { expectSuccess(try store.run("theme", "add", theme)) }
            expectSuccess(try store.run("area", "add", "Nunsthorpe"))
            let prefix = String(first.prefix(6))
            let stored = ["fieldnotes", "--store", store.path]
            let replies = try Self.bashCompletions(sandbox, [
                stored + ["show", prefix],
                stored + ["edit", ""],
                stored + ["list", "--theme", "tra"],
                stored + ["list", "--theme", "=", "soc"],
                stored + ["theme", "edit", "S"],
                stored + ["add", "--area", "nuns"],
                stored + ["add", "--area", "East M"],
                ["fieldnotes", "code", prefix, "--store", store.path, "--theme", "t"],
                stored + ["theme", "merge", "transport", "I"],
            ])
            #expect(replies[0] == [first] || (second.hasPrefix(prefix) && Set(replies[0]) == [first, second]), "\(replies[0])")
            #expect(Set(replies[1]) == [first, second])
            #expect(replies[2] == ["transport"])
            #expect(replies[3] == ["Social\\ isolation"])
            #expect(replies[4] == ["Social\\ isolation"])
            #expect(replies[5] == ["Nunsthorpe"])
            #expect(replies[6] == ["East\\ Marsh"])
            #expect(replies[7] == ["transport"])
            #expect(replies[8] == ["INTO"])
        }
    }

    @Test func bashUsesFieldnotesStoreWhenTheLineNamesNone() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            expectSuccess(try store.run("theme", "add", "bereavement"))
            let replies = try Self.bashCompletions(sandbox, [["fieldnotes", "theme", "delete", "b"]],
                                                   environment: ["FIELDNOTES_STORE": store.path])
            #expect(replies[0] == ["bereavement"])
        }
    }

    @Test func bashCompletesFixedChoicesAndFiles() throws {
        try Sandbox.with { sandbox in
            try sandbox.write("notes.csv", "title\nx\n")
            let replies = try Self.bashCompletions(sandbox, [
                ["fieldnotes", "add", "--kind", "ph"], ["fieldnotes", "export", "q"], ["fieldnotes", "list", "--format", ""],
                ["fieldnotes", "completion", "f"], ["fieldnotes", "import", sandbox.path("notes.c")],
                ["fieldnotes", "add", "--title", ""],
            ])
            #expect(replies[0] == ["phone-call"])
            #expect(replies[1] == ["qdpx"])
            #expect(Set(replies[2]) == ["table", "json"])
            #expect(replies[3] == ["fish"])
            #expect(replies[4] == [sandbox.path("notes.csv")])
            #expect(replies[5] == [], "free text has nothing to offer")
        }
    }

    @Test func aMissingStoreCompletesNothingAndPrintsNoError() throws {
        try Sandbox.with { sandbox in
            let missing = sandbox.path("nowhere.sqlite")
            for kind in ["notes", "themes"] {
                let values = try sandbox.run(["--store", missing, "__complete", kind])
                #expect(values.status == 0 && values.stdout.isEmpty && values.stderr.isEmpty, "\(values)")
            }
            // With no store, areas are still the wards.
            let areas = try sandbox.run(["--store", missing, "__complete", "areas"])
            expectSuccess(areas)
            #expect(areas.stdout.contains("East Marsh\n"))
            #expect(!FileManager.default.fileExists(atPath: missing), "completion created a store")
            let replies = try Self.bashCompletions(sandbox, [["fieldnotes", "--store", missing, "show", ""]])
            #expect(replies[0] == [])
        }
    }

    @Test func completeListsNotesWithTitlesAndEscapesControls() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Tab\there \u{1b}[2J")
            let values = try store.run("__complete", "notes")
            expectSuccess(values)
            #expect(values.output == id + "\tTab\\there \\u{1b}[2J")
        }
    }

    @Test func unknownShellIsAUsageError() throws {
        try Sandbox.with { sandbox in
            expectFailure(try sandbox.run(["completion", "powershell"]), status: 2, mentioning: ["powershell", "bash, zsh or fish"])
        }
    }

    /// zsh and fish are not installed by the README's line: their scripts are
    /// checked by content. Every command and option --help lists is in them,
    /// and their blocks are balanced.
    @Test func zshAndFishScriptsHoldEveryCommandAndOption() throws {
        try Sandbox.with { sandbox in
            let zsh = try sandbox.run(["completion", "zsh"])
            let fish = try sandbox.run(["completion", "fish"])
            expectSuccess(zsh)
            expectSuccess(fish)
            #expect(zsh.stdout.hasPrefix("#compdef fieldnotes\n"))
            #expect(zsh.stdout.contains("compdef _fieldnotes fieldnotes"))
            #expect(fish.stdout.contains("complete -c fieldnotes -f -a '(__fieldnotes_complete)'"))
            let listed = HelpTests.listedCommands(try sandbox.run(["--help"]).stdout)
            for command in listed {
                #expect(zsh.stdout.contains("'\(command)')"), "zsh lacks \(command)")
                #expect(fish.stdout.contains("case '\(command)'\n") || fish.stdout.contains("'\(command.split(separator: " ").last ?? "")'"),
                        "fish lacks \(command)")
                for option in try Self.helpOptions(sandbox, command) where option != "--help" {
                    #expect(zsh.stdout.contains("'\(option):"), "zsh lacks \(command) \(option)")
                    #expect(fish.stdout.contains("'\(option)'"), "fish lacks \(command) \(option)")
                }
            }
            func count(_ text: String, _ pattern: String) -> Int {
                text.components(separatedBy: "\n").filter { $0.contains(try! Regex(pattern)) }.count
            }
            let z = zsh.stdout, f = fish.stdout
            let (cases, esacs) = (count(z, #"^\s*case\b"#), count(z, #"^\s*esac\b"#))
            let (ifs, fis) = (count(z, #"^\s*if\b"#), count(z, #"^\s*fi\b"#))
            let (whiles, dones) = (count(z, #"^\s*while\b"#), count(z, #"^\s*done\b"#))
            #expect(cases > 5 && cases == esacs)
            #expect(ifs > 5 && ifs == fis)
            #expect(whiles == dones)
            let (opened, ends) = (count(f, #"^\s*(function|switch|if|while|for)\b"#), count(f, #"^\s*end\b"#))
            #expect(opened > 10 && opened == ends)
        }
    }
}
