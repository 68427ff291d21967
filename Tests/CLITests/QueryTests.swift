import Foundation
import Testing

/// `list` and `search` filters, and the search language, end to end.
@Suite("queries")
struct QueryTests {
    /// Five notes over tags, areas, themes and measures.
    struct Fixture {
        let store: TestStore
        let bus, minibus, both, taxi, quiet: String

        init(_ sandbox: Sandbox) throws {
            store = try sandbox.makeStore()
            for arguments in [["transport"], ["bus-routes", "--parent", "transport"], ["isolation"]] {
                expectSuccess(try store.run(["theme", "add"] + arguments))
            }
            bus = try store.add("--title", "Number 9", "--body", "The 9 bus stopped; she misses the lunch club.", "--area", "East Marsh",
                                "--tag", "bus", "--tag", "bus-routes", "--measure", "ucla3=7", "--at", "2026-01-10")
            minibus = try store.add("--title", "Minibus", "--body", "The community minibus takes him to the club for lunch.", "--area", "Heneage",
                                    "--tag", "minibus", "--tag", "isolation", "--measure", "ucla3=4", "--at", "2026-02-10")
            both = try store.add("--title", "Both", "--body", "A bus, then a minibus, to the lunch club.", "--area", "Scartho",
                                 "--tag", "bus", "--tag", "minibus", "--measure", "ucla3=9", "--measure", "ons_lonely=5", "--at", "2026-03-10")
            taxi = try store.add("--title", "Taxi", "--body", "A taxi to the surgery costs too much.", "--area", "Heneage",
                                 "--tag", "taxi", "--at", "2026-04-10")
            quiet = try store.add("--title", "Quiet", "--body", "Nothing about travel; the lunch club is fine.", "--area", "East Marsh",
                                  "--measure", "ucla3=8", "--at", "2026-05-10")
            // The taxi note is coded with transport by a passage, not a tag.
            expectSuccess(try store.run("code", taxi, "--theme", "transport", "--quote", "taxi"))
        }

        var names: [String: String] { ["bus": bus, "minibus": minibus, "both": both, "taxi": taxi, "quiet": quiet] }
    }

    @Test(arguments: [
        (["--tag", "bus", "--tag", "minibus"], ["both"]),
        (["--any-tag", "bus", "--any-tag", "minibus"], ["bus", "minibus", "both"]),
        (["--any-tag", "bus", "--any-tag", "taxi", "--area", "Heneage"], ["taxi"]),
        (["--area", "Heneage", "--area", "Scartho"], ["minibus", "both", "taxi"]),
        (["--theme", "transport"], ["bus", "taxi"]),
        (["--theme", "bus-routes"], ["bus"]),
        (["--theme", "transport", "--theme", "isolation"], []),
        (["--theme", "isolation"], ["minibus"]),
        (["--measure", "ucla3>=7"], ["bus", "both", "quiet"]),
        (["--measure", "ucla3 > 7", "--measure", "ons_lonely=5"], ["both"]),
        (["--measure", "ucla3<7"], ["minibus"]),
        (["--measure", "ucla3>=7", "--since", "2026-02-01", "--until", "2026-04-30"], ["both"]),
        (["--measure", "ucla3>=7", "--area", "East Marsh", "--tag", "bus"], ["bus"]),
    ] as [([String], [String])])
    func listCombinesEveryFilter(_ arguments: [String], _ expected: [String]) throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            let listed = try fixture.store.run(["list", "--format", "json"] + arguments)
            expectSuccess(listed)
            #expect(try parseArray(listed.stdout).compactMap { $0.string("id") } == expected.compactMap { fixture.names[$0] }, "\(arguments)")
        }
    }

    @Test(arguments: [
        (["bus OR minibus"], ["bus", "minibus", "both"]),
        (["bus minibus"], ["both"]),
        (["bus AND minibus"], ["both"]),
        (["bus NOT minibus"], ["bus"]),
        (["\"lunch club\""], ["bus", "both", "quiet"]),
        (["lunch club"], ["bus", "minibus", "both", "quiet"]),
        (["\"lunch club\" NOT (bus OR minibus)"], ["quiet"]),
        (["lunch bus OR taxi"], ["bus", "both"]),
        (["(bus OR minibus) NOT taxi", "--area", "Heneage"], ["minibus"]),
        (["club", "--theme", "transport"], ["bus"]),
        (["club", "--measure", "ucla3>=8", "--any-tag", "minibus"], ["both"]),
        (["lunch", "--since", "2026-03-01"], ["both", "quiet"]),
        (["surg*"], ["taxi"]),
    ] as [([String], [String])])
    func searchUnderstandsOrNotPhrasesAndTheListFilters(_ arguments: [String], _ expected: [String]) throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            let found = try fixture.store.run(["search", "--format", "json", "--limit", "100"] + arguments)
            expectSuccess(found)
            let ids = try parseArray(found.stdout).compactMap { $0.string("id") }
            #expect(Set(ids) == Set(expected.compactMap { fixture.names[$0] }), "\(arguments)")
            #expect(ids.count == expected.count)
        }
    }

    @Test(arguments: [
        ("\"lunch club", "no closing"), ("(bus OR minibus", "no ')'"), ("bus)", "no '('"), ("bus OR", "OR needs a word"),
        ("NOT bus", "NOT needs something before it"), ("AND", "AND needs a word"), ("()", "empty parentheses"), ("--", "no letters or digits"),
    ] as [(String, String)])
    func aMalformedQueryIsOneClearLineNeverSQLite(_ query: String, _ fragment: String) throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "Bus", "--body", "bus")
            let before = try store.digest()
            let run = try store.run("search", "--", query)
            expectFailure(run, status: 1, mentioning: [fragment])
            #expect(!run.stderr.contains("SQLite") && !run.stderr.contains("fts5"), "\(run)")
            #expect(try store.digest() == before)
        }
    }

    @Test func badFiltersAreRefusedWithOneLine() throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            let store = fixture.store
            for command in ["list", "search"] {
                let query = command == "search" ? ["bus"] : []
                expectFailure(try store.run([command] + query + ["--measure", "ucla3>>7"]), status: 2, mentioning: ["--measure", "ucla3>>7"])
                expectFailure(try store.run([command] + query + ["--measure", "loneliness"]), status: 2, mentioning: ["--measure", "ucla3>=7"])
                expectFailure(try store.run([command] + query + ["--theme", "weather"]), status: 1, mentioning: ["no theme named 'weather'"])
                expectFailure(try store.run([command] + query + ["--kind", "party"]), status: 1, mentioning: ["unknown kind 'party'"])
                expectFailure(try store.run([command] + query + ["--since", "last week"]), status: 1, mentioning: ["last week"])
            }
        }
    }

    @Test func helpDescribesTheFiltersAndTheQueryLanguage() throws {
        try Sandbox.with { sandbox in
            for command in ["list", "search"] {
                let help = try sandbox.run([command, "--help"])
                expectSuccess(help)
                for option in ["--tag TAG (repeatable)", "--any-tag", "--theme", "--measure CONDITION", "--area AREA (repeatable)", "--since", "--until"] {
                    #expect(help.stdout.contains(option), "\(command) --help lacks \(option)")
                }
            }
            let search = try sandbox.run(["search", "--help"])
            #expect(search.stdout.contains("binds more") && search.stdout.contains("bus NOT minibus") && search.stdout.contains("\"a phrase\""))
        }
    }
}
