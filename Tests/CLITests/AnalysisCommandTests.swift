import Foundation
import Store
import Testing

@Suite("analysis")
struct AnalysisCommandTests {
    /// Hands `target` every operation `source` holds that it lacks: a sync without a hub.
    static func deliver(from source: TestStore, to target: TestStore) throws {
        let from = try Store.open(at: source.path)
        let to = try Store.open(at: target.path)
        for range in try from.versionVector().missing(from: try to.versionVector()) {
            try to.apply(try from.operations(range, limit: Int(range.count)))
        }
    }

    /// alice-laptop writes four notes and the codebook; both laptops code all four with "context";
    /// on "transport" alice codes notes 0-2 and bob notes 0 and 3: both 1, A only 2, B only 1, neither 0.
    /// Kappa: po = .25, pA = .75, pB = .5, pe = .375 + .125 = .5, kappa = -.5.
    static func codedByTwo(_ sandbox: Sandbox) throws -> TestStore {
        let alice = try sandbox.makeStore("alice.sqlite", device: "alice-laptop")
        let bob = try sandbox.makeStore("bob.sqlite", device: "bob-laptop")
        expectSuccess(try alice.run("theme", "add", "context"))
        expectSuccess(try alice.run("theme", "add", "transport"))
        var notes: [String] = []
        for index in 0..<4 { notes.append(try alice.add("--title", "Note \(index)", "--body", "She talked about the bus and the lunch club.")) }
        try deliver(from: alice, to: bob)
        for (store, transport) in [(alice, [0, 1, 2]), (bob, [0, 3])] {
            for note in notes { expectSuccess(try store.run("code", note, "--theme", "context", "--quote", "lunch club")) }
            for index in transport { expectSuccess(try store.run("code", notes[index], "--theme", "transport", "--quote", "bus")) }
        }
        try deliver(from: bob, to: alice)
        return alice
    }

    @Test func agreementPrintsPercentAndKappaPerThemeAndPooled() throws {
        try Sandbox.with { sandbox in
            let store = try Self.codedByTwo(sandbox)
            let json = try store.run("analysis", "agreement", "--coder", "alice-laptop", "--coder", "bob-laptop", "--format", "json")
            expectSuccess(json)
            let result = try parseObject(json.stdout)
            #expect(result.string("coder_a") == "alice-laptop" && result.string("coder_b") == "bob-laptop" && result.string("unit") == "note")
            #expect(result["notes"] as? Int == 4)
            let themes = try #require(result["themes"] as? [[String: Any]])
            #expect(themes.compactMap { $0.string("theme") } == ["context", "transport"])
            #expect(objectKeys(json.stdout, depth: 3).prefix(9) == ["theme_id", "theme", "notes", "both", "a_only", "b_only", "neither",
                                                                   "percent_agreement", "kappa"])
            let transport = themes[1]
            #expect([transport["both"], transport["a_only"], transport["b_only"], transport["neither"]].compactMap { $0 as? Int } == [1, 2, 1, 0])
            #expect(abs((transport["percent_agreement"] as? Double ?? 0) - 25) < 1e-9)
            #expect(abs((transport["kappa"] as? Double ?? 0) + 0.5) < 1e-9)
            #expect(themes[0].isNull("kappa"), "both coded context on every note: kappa undefined is null")
            let pooled = try #require(result["pooled"] as? [String: Any])
            #expect(pooled["both"] as? Int == 5 && pooled["notes"] as? Int == 8)
            // po = 5/8, pA = 7/8, pB = 6/8, pe = 42/64 + 2/64, kappa = (40/64 - 44/64) / (20/64) = -0.2 (the README's example)
            #expect(abs((pooled["percent_agreement"] as? Double ?? 0) - 62.5) < 1e-9 && abs((pooled["kappa"] as? Double ?? 0) + 0.2) < 1e-9)

            let table = try store.run("analysis", "agreement", "--coder", "alice-laptop", "--coder", "bob-laptop")
            expectSuccess(table)
            let lines = table.output.components(separatedBy: "\n")
            #expect(lines.first?.contains("over the 4 notes both coded") == true)
            #expect(lines.dropFirst().first?.split(separator: " ").joined(separator: " ") == "THEME BOTH A ONLY B ONLY NEITHER AGREEMENT KAPPA")
            #expect(lines.contains { $0.hasPrefix("transport") && $0.contains("25.0%") && $0.hasSuffix("-0.500") }, "\(table)")
            #expect(lines.contains { $0.hasPrefix("context") && $0.contains("100.0%") && $0.hasSuffix("undefined") }, "\(table)")
            #expect(lines.last?.hasPrefix("all themes (pooled)") == true && lines.last?.hasSuffix("62.5%      -0.200") == true, "\(table)")
        }
    }

    @Test func agreementRefusesWithOneLine() throws {
        try Sandbox.with { sandbox in
            let store = try Self.codedByTwo(sandbox)
            expectFailure(try store.run("analysis", "agreement", "--coder", "alice-laptop"), status: 2, mentioning: ["exactly two coders"])
            expectFailure(try store.run("analysis", "agreement", "--coder", "alice-laptop", "--coder", "carol"), status: 1,
                          mentioning: ["no coded passages by 'carol'", "alice-laptop, bob-laptop"])
            expectFailure(try store.run("analysis", "agreement", "--coder", "bob-laptop", "--coder", "BOB-laptop"), status: 1, mentioning: ["both coders"])
        }
    }

    @Test func cooccurrenceCountsNotesCodedWithBothThemes() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            expectSuccess(try store.run("theme", "add", "transport"))
            expectSuccess(try store.run("theme", "add", "bus-routes", "--parent", "transport"))
            expectSuccess(try store.run("theme", "add", "isolation"))
            _ = try store.add("--title", "a", "--tag", "bus-routes", "--tag", "isolation")
            _ = try store.add("--title", "b", "--tag", "transport", "--tag", "isolation")
            _ = try store.add("--title", "c", "--tag", "isolation")

            let direct = try store.run("analysis", "cooccurrence", "--format", "json")
            expectSuccess(direct)
            let result = try parseObject(direct.stdout)
            #expect(result.string("counting") == "direct" && result["notes"] as? Int == 3)
            #expect((result["themes"] as? [[String: Any]])?.compactMap { $0.string("theme") } == ["isolation", "transport", "bus-routes"])
            #expect(result["matrix"] as? [[Int]] == [[3, 1, 1], [1, 1, 0], [1, 0, 1]])
            #expect((result["pairs"] as? [[String: Any]])?.compactMap { $0["notes"] as? Int } == [1, 1])

            let nested = try parseObject(try store.run("analysis", "cooccurrence", "--with-sub-themes", "--format", "json").stdout)
            #expect(nested.string("counting") == "with_sub_themes")
            #expect(nested["matrix"] as? [[Int]] == [[3, 2, 1], [2, 2, 1], [1, 1, 1]])

            let table = try store.run("analysis", "cooccurrence")
            expectSuccess(table)
            let lines = table.output.components(separatedBy: "\n")
            #expect(lines.first?.contains("direct codings") == true)
            #expect(lines.dropFirst().first?.split(separator: " ") == ["THEME", "1", "2", "3"])
            #expect(lines.dropFirst(2).map { $0.split(separator: " ").map(String.init) } == [
                ["1", "isolation", "3", "1", "1"], ["2", "transport", "1", "1", "0"], ["3", "bus-routes", "1", "0", "1"],
            ])
        }
    }

    /// A body rewritten around a coded passage keeps the passage on the words
    /// that were coded, and a passage whose words were rewritten away is gone,
    /// not moved onto words nobody coded (`edit --body` is compared word by
    /// word: the fewest letters kept "The bus" as "num" + its "b" + "er 9 b"
    /// in "The number 9 bus", and a rewritten sentence's stray letters).
    @Test func aRewrittenBodyKeepsPassagesOnTheirWordsOrDropsThem() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = expectSuccess(try store.run("theme", "add", "transport"))
            _ = expectSuccess(try store.run("theme", "add", "isolation"))
            let bus = try store.add("--title", "Bus", "--body", "The bus stopped coming in May.")
            _ = expectSuccess(try store.run("code", bus, "--theme", "transport", "--quote", "bus stopped"))
            _ = expectSuccess(try store.run("edit", bus, "--body", "The number 9 bus stopped suddenly coming in May."))
            let visit = try store.add("--title", "Visit", "--body", "I never see anyone these days, it is very lonely.")
            _ = expectSuccess(try store.run("code", visit, "--theme", "isolation", "--quote", "I never see anyone these days"))
            _ = expectSuccess(try store.run("edit", visit, "--body", "My son visits every Sunday, it is lovely."))
            let passages = try parseArray(try store.run("passage", "list", "--format", "json").stdout)
            let byTheme = Dictionary(uniqueKeysWithValues: passages.compactMap { passage in
                (passage["theme_name"] as? String).map { ($0, passage) }
            })
            #expect(byTheme["transport"]?["text"] as? String == "bus stopped")
            #expect(byTheme["isolation"]?["text"] as? String == "" && byTheme["isolation"]?["all_deleted"] as? Bool == true,
                    "\(String(describing: byTheme["isolation"]))")
            // Its first word rewritten as another: the words still coded, without the space the old word left
            // (it read " about the heating"), and none of the new word ("ed about the heating" before that).
            _ = expectSuccess(try store.run("theme", "add", "money"))
            let bill = try store.add("--title", "Bills", "--body", "He is worried about the heating bill.")
            _ = expectSuccess(try store.run("code", bill, "--theme", "money", "--quote", "worried about the heating"))
            _ = expectSuccess(try store.run("edit", bill, "--body", "He is relaxed about the heating bill."))
            let money = try parseArray(try store.run("passage", "list", "--format", "json").stdout).first { $0["theme_name"] as? String == "money" }
            #expect(money?["text"] as? String == "about the heating", "\(String(describing: money))")
            #expect(money?["start"] as? Int == 14 && money?["end"] as? Int == 31, "\(String(describing: money))")
        }
    }

    /// `theme list` counts a note coded only by a passage, as `list --theme`,
    /// `export --theme` and `note_themes.csv` do (it counted tags alone), and
    /// stops counting it once the passage's words are gone.
    @Test func themeListCountsNotesCodedByPassages() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = expectSuccess(try store.run("theme", "add", "isolation"))
            _ = expectSuccess(try store.run("theme", "add", "lunch club", "--parent", "isolation"))
            let note = try store.add("--title", "Visit", "--body", "She goes to the lunch club on Fridays.")
            _ = try store.add("--title", "Tagged", "--tag", "isolation")
            _ = expectSuccess(try store.run("code", note, "--theme", "lunch club", "--quote", "lunch club"))
            func counts() throws -> [String: Double] {
                let themes = try parseArray(try store.run("theme", "list", "--format", "json").stdout)
                return Dictionary(uniqueKeysWithValues: themes.compactMap { theme in
                    (theme["name"] as? String).flatMap { name in (theme["notes"] as? Double).map { (name, $0) } }
                })
            }
            #expect(try counts() == ["isolation": 2, "lunch club": 1], "the passage codes its note, and its parent counts it too")
            #expect(try parseArray(try store.run("list", "--theme", "lunch club", "--format", "json").stdout).count == 1)
            _ = expectSuccess(try store.run("edit", note, "--body", "She stays at home on Fridays."))
            #expect(try counts() == ["isolation": 1, "lunch club": 0], "a passage whose words are gone codes nothing")
        }
    }
}
