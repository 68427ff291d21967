import Foundation
import Testing

@Suite("search")
struct SearchTests {
    func searchIDs(_ store: TestStore, _ arguments: String...) throws -> [String] {
        let found = try store.run(["search", "--format", "json"] + arguments)
        expectSuccess(found)
        return try parseArray(found.stdout).compactMap { $0.string("id") }
    }

    @Test func theBestMatchComesFirst() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let passing = try store.add("--title", "Allotments", "--body",
                "We talked about the allotments, the weather, the new bus timetable, the library opening hours, "
                + "the price of bread, her grandson's football and, briefly, loneliness in winter.")
            let focused = try store.add("--title", "Loneliness", "--body", "Loneliness came up again: loneliness after her husband died.")
            let unrelated = try store.add("--title", "Bins", "--body", "Bin collection moved to Thursday.")
            #expect(try searchIDs(store, "loneliness") == [focused, passing])
            #expect(!(try searchIDs(store, "loneliness").contains(unrelated)))
        }
    }

    @Test func everyWordMustAppear() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let both = try store.add("--title", "Stop", "--body", "The bus stop has no shelter.")
            _ = try store.add("--title", "Other", "--body", "The bus was late.")
            #expect(try searchIDs(store, "bus shelter") == [both])
        }
    }

    @Test func aTrailingStarMatchesAPrefix() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let transport = try store.add("--title", "Getting about", "--body", "Transport is the main worry.")
            let transportation = try store.add("--title", "Lifts", "--body", "Community transportation scheme.")
            _ = try store.add("--title", "Trains", "--body", "The trans-Pennine line.")
            #expect(Set(try searchIDs(store, "transp*")) == [transport, transportation])
            #expect(try searchIDs(store, "transp").isEmpty)
        }
    }

    @Test func searchCoversTitlesAndTags() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let titled = try store.add("--title", "Pharmacy queue", "--body", "x")
            let tagged = try store.add("--title", "Visit", "--tag", "pharmacy")
            #expect(Set(try searchIDs(store, "pharmacy")) == [titled, tagged])
        }
    }

    @Test func wordsWithPunctuationAreSearchedNotParsed() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let bus = try store.add("--title", "Buses", "--body", "The 9-bus never comes, she said; I don't blame her. (Really!) Cost: £2.")
            #expect(try searchIDs(store, "9-bus") == [bus])
            #expect(try searchIDs(store, "don't") == [bus])
            #expect(try searchIDs(store, "don't*") == [bus])
            #expect(try searchIDs(store, "9-bus*") == [bus])
            #expect(try searchIDs(store, "(Really!)") == [bus])
            #expect(try searchIDs(store, "cost:") == [bus])
            // FTS5 syntax the search language does not use is taken as words; what it cannot read
            // (an unclosed quote or parenthesis, an operator with nothing on a side) is refused
            // in one line of ours, never passed to SQLite to fail there.
            for query in ["\"", "\"\"", "(", ")", "*", "**", "a:b", "title:buses", "NEAR(bus", "AND", "OR bus", "NOT", "^bus",
                          "bus +", "{bus}", "-", "'", "\\", "bus\"never", "ça-va", "🚌"] {
                let found = try store.run("search", "--", query)
                if found.status == 0 {
                    #expect(found.stderr.isEmpty || found.stderr == "fieldnotes: nothing matches\n", "\(found)")
                } else {
                    expectFailure(found, status: 1)
                    #expect(!found.stderr.contains("SQLite") && !found.stderr.contains("fts5"), "\(found)")
                }
            }
            for query in ["a:b", "title:buses", "^bus", "bus +", "{bus}", "bus\"never", "ça-va"] {
                #expect(try store.run("search", "--", query).status == 0, "'\(query)' is words")
            }
            let dash = try store.run("search", "--", "-bus")
            #expect(dash.status == 0, "\(dash)")
        }
    }

    @Test func searchTableShowsTheMatchInBrackets() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Garden", "--area", "Heneage", "--body", "The community garden needs volunteers.")
            let found = try store.run("search", "volunteers")
            expectSuccess(found)
            let lines = found.output.components(separatedBy: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].split(separator: " ") == ["ID", "WHEN", "AREA", "TITLE", "MATCH"])
            #expect(lines[1].hasPrefix(String(id.prefix(8))))
            #expect(lines[1].contains("Heneage"))
            #expect(lines[1].contains("[volunteers]"))
        }
    }

    @Test func nothingMatchingSaysSoAndAnEmptyQueryIsRefused() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "Something")
            let none = try store.run("search", "absent")
            expectSuccess(none, stderr: "fieldnotes: nothing matches")
            let json = try store.run("search", "absent", "--format", "json")
            expectSuccess(json)
            #expect(try parseArray(json.stdout).isEmpty)
            expectFailure(try store.run("search", "   "), status: 1, mentioning: ["empty"])
            expectFailure(try store.run("search"), status: 2, mentioning: ["QUERY"])
        }
    }

    @Test func deletedNotesAreFoundOnlyWhenAskedFor() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Hidden", "--body", "zeppelin sighting")
            expectSuccess(try store.run("delete", id))
            #expect(try searchIDs(store, "zeppelin").isEmpty)
            #expect(try searchIDs(store, "zeppelin", "--include-deleted") == [id])
            expectSuccess(try store.run("restore", id))
            #expect(try searchIDs(store, "zeppelin") == [id])
        }
    }

    @Test func searchLimitCapsResults() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            for index in 1...4 { _ = try store.add("--title", "Walk \(index)", "--body", "walking group") }
            #expect(try searchIDs(store, "walking", "--limit", "3").count == 3)
            #expect(try searchIDs(store, "walking").count == 4)
            expectFailure(try store.run("search", "walking", "--limit", "0"), status: 2, mentioning: ["--limit"])
        }
    }
}
