import Foundation
import Testing

@Suite("help")
struct HelpTests {
    /// Each command and the options its help must mention.
    static let commands: [(String, [String])] = [
        ("init", ["--name"]),
        ("add", ["--title", "--body", "--body-file", "--kind", "--area", "--at", "--participant", "--consent", "--measure", "--tag"]),
        ("edit", ["ID", "--title", "--body", "--body-file", "--kind", "--area", "--at", "--participant", "--consent", "--measure",
                  "--add-tag", "--remove-tag", "--unset"]),
        ("show", ["ID", "--format"]),
        ("list", ["--area", "--tag", "--kind", "--since", "--until", "--include-deleted", "--limit", "--format"]),
        ("search", ["QUERY", "--limit", "--include-deleted", "--format"]),
        ("delete", ["ID"]),
        ("restore", ["ID"]),
        ("erase", ["ID", "--reason", "--yes"]),
        ("import", ["FILE"]),
        ("conflicts", ["--format"]),
        ("status", ["--format"]),
    ]

    /// The command names in the "Commands:" section of `fieldnotes --help`,
    /// some of several words ("hub serve"): each row is two spaces, the name,
    /// then two or more spaces and the abstract.
    static func listedCommands(_ help: String) -> [String] {
        help.components(separatedBy: "\n").drop { $0 != "Commands:" }.dropFirst().prefix { !$0.isEmpty }
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { row in row.dropFirst(2).components(separatedBy: "  ").first }
    }

    @Test func topLevelHelpListsEveryCommand() throws {
        try Sandbox.with { sandbox in
            for flag in ["--help", "-h", "help"] {
                let help = try sandbox.run([flag])
                expectSuccess(help)
                #expect(help.stdout.contains("Usage: fieldnotes [--store PATH] COMMAND [OPTIONS]"))
                let listed = Self.listedCommands(help.stdout)
                for (command, _) in Self.commands {
                    #expect(listed.contains(command), "--help does not list \(command)")
                }
            }
        }
    }

    @Test(arguments: commands.map(\.0))
    func eachCommandsHelpExitsZeroAndMentionsItsOptions(_ command: String) throws {
        try Sandbox.with { sandbox in
            let options = try #require(Self.commands.first { $0.0 == command }?.1)
            for arguments in [[command, "--help"], [command, "-h"], ["help", command], [command, "--title", "x", "--help"]] {
                let help = try sandbox.run(arguments)
                expectSuccess(help)
                #expect(help.stdout.contains("Usage: fieldnotes [--store PATH] \(command)"), "\(help)")
                for option in options + ["--store PATH", "--help"] {
                    #expect(help.stdout.contains(option), "\(command) --help does not mention \(option)")
                }
            }
        }
    }

    /// Commands added later are covered too: whatever --help lists must have working help.
    @Test func everyListedCommandHasHelp() throws {
        try Sandbox.with { sandbox in
            let top = try sandbox.run(["--help"])
            expectSuccess(top)
            let listed = Self.listedCommands(top.stdout)
            #expect(listed.count >= Self.commands.count)
            for command in listed {
                let help = try sandbox.run(command.split(separator: " ").map(String.init) + ["--help"])
                expectSuccess(help)
                #expect(help.stdout.contains("Usage: fieldnotes [--store PATH] \(command)"), "\(help)")
            }
        }
    }

    @Test func addHelpExplainsTheLonelinessMeasures() throws {
        try Sandbox.with { sandbox in
            let help = try sandbox.run(["add", "--help"])
            expectSuccess(help)
            #expect(help.stdout.contains("ucla3: UCLA 3-item loneliness scale"))
            #expect(help.stdout.contains("3-9"))
            #expect(help.stdout.contains("ons_lonely: ONS direct question"))
            #expect(help.stdout.contains("1 never") && help.stdout.contains("5 often/always"))
        }
    }

    @Test func helpNeedsNoStore() throws {
        try Sandbox.with { sandbox in
            let help = try sandbox.run(["--store", sandbox.path("absent.sqlite"), "status", "--help"])
            expectSuccess(help)
            #expect(!FileManager.default.fileExists(atPath: sandbox.path("absent.sqlite")))
        }
    }

    @Test func versionPrintsTheVersion() throws {
        try Sandbox.with { sandbox in
            let version = try sandbox.run(["--version"])
            expectSuccess(version)
            #expect(version.output.hasPrefix("fieldnotes "))
            #expect(version.output.dropFirst("fieldnotes ".count).split(separator: ".").count == 3)
        }
    }

    @Test func noCommandIsAUsageErrorWithTheHelpOnStandardError() throws {
        try Sandbox.with { sandbox in
            let bare = try sandbox.run([])
            #expect(bare.status == 2)
            #expect(bare.stdout.isEmpty, "\(bare)")
            #expect(bare.stderr.contains("Usage: fieldnotes"), "\(bare)")
        }
    }
}
