import Foundation
import Testing

@Suite("cases")
struct CaseCommandTests {
    /// Two attributes, three cases, and notes: P07 has three (one written "p07"), Fern one, nobody else's.
    struct Fixture {
        let store: TestStore
        let p07Notes: [String]
        let fernNote: String

        init(_ sandbox: Sandbox) throws {
            store = try sandbox.makeStore()
            expectSuccess(try store.run("attribute", "add", "Age band", "--type", "choice", "--choices", "under 50,50-64,65-79,80+"))
            expectSuccess(try store.run("attribute", "add", "lives_alone", "--type", "boolean", "--description", "lives on their own"))
            expectSuccess(try store.run("attribute", "add", "children", "--type", "number"))
            for (pseudonym, values) in [("P07", ["age_band=65-79", "lives_alone=yes"]), ("Fern", ["age_band=65-79", "lives_alone=no", "children=2"]),
                                        ("Resident 12", ["age_band=80+"])] {
                let added = try store.run(["case", "add", pseudonym] + values.flatMap { ["--set", $0] })
                expectSuccess(added)
                #expect(added.output.isHex32)
            }
            p07Notes = [try store.add("--title", "One", "--participant", "P07", "--at", "2026-01-01"),
                        try store.add("--title", "Two", "--participant", "p07", "--at", "2026-01-02"),
                        try store.add("--title", "Three", "--participant", "P07", "--at", "2026-01-03")]
            fernNote = try store.add("--title", "Four", "--participant", "Fern", "--at", "2026-01-04")
            try store.add("--title", "Five", "--participant", "P99", "--at", "2026-01-05")
        }

        func cases(_ arguments: String...) throws -> [[String: Any]] {
            let listed = try store.run(["case", "list", "--format", "json"] + arguments)
            expectSuccess(listed)
            return try parseArray(listed.stdout)
        }
    }

    @Test func caseListShowsTypedAttributesAndHowManyNotesEachCaseHas() throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            let listed = try fixture.store.run("case", "list", "--format", "json")
            #expect(objectKeys(listed.stdout, depth: 2).prefix(5) == ["id", "pseudonym", "attributes", "notes", "conflicts"])
            let cases = try fixture.cases()
            #expect(cases.map { $0.string("pseudonym") ?? "" } == ["Fern", "P07", "Resident 12"])
            #expect(cases.map { $0["notes"] as? Int ?? -1 } == [1, 3, 0], "a note belongs to its participant's case, ignoring case")
            let p07 = try #require(cases[1]["attributes"] as? [String: Any])
            #expect(p07["age_band"] as? String == "65-79" && p07["lives_alone"] as? Bool == true && p07["children"] is NSNull)
            #expect((cases[0]["attributes"] as? [String: Any])?["children"] as? Int == 2)
            let table = try fixture.store.run("case", "list")
            expectSuccess(table)
            #expect(table.stdout.hasPrefix("PSEUDONYM"))
            #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("P07") && $0.contains("65-79") && $0.contains("yes") })
        }
    }

    @Test func filtersByAttributeReadTheValueByItsType() throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            #expect(try fixture.cases("--attribute", "age_band=65-79").map { $0.string("pseudonym") ?? "" } == ["Fern", "P07"])
            #expect(try fixture.cases("--attribute", "AGE BAND=65-79", "--attribute", "lives_alone=Y").map { $0.string("pseudonym") ?? "" } == ["P07"])
            #expect(try fixture.cases("--attribute", "children=2").map { $0.string("pseudonym") ?? "" } == ["Fern"])
            expectFailure(try fixture.store.run("case", "list", "--attribute", "lives_alone=maybe"), status: 1, mentioning: ["lives_alone is yes or no"])
            expectFailure(try fixture.store.run("case", "list", "--attribute", "height=2"), status: 1, mentioning: ["unknown attribute 'height'", "age_band"])
            // Notes by their case's attributes.
            #expect(try fixture.store.listIDs("--case-attribute", "lives_alone=yes") == fixture.p07Notes)
            #expect(try fixture.store.listIDs("--case-attribute", "age_band=65-79") == fixture.p07Notes + [fixture.fernNote])
            #expect(try fixture.store.listIDs("--case-attribute", "age_band=80+").isEmpty)
            expectFailure(try fixture.store.run("list", "--case-attribute", "age_band=70"), status: 1, mentioning: ["age_band is one of under 50, 50-64, 65-79, 80+"])
        }
    }

    @Test func valuesAreCheckedAndARefusalChangesNothing() throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            let before = try fixture.store.digest()
            expectFailure(try fixture.store.run("case", "add", "P08", "--set", "age_band=70"), status: 1, mentioning: ["age_band is one of"])
            expectFailure(try fixture.store.run("case", "add", "p07"), status: 1, mentioning: ["a case for P07 exists already"])
            expectFailure(try fixture.store.run("case", "set", "P07", "--set", "children=lots"), status: 1, mentioning: ["children is a number"])
            expectFailure(try fixture.store.run("case", "set", "P07"), status: 2, mentioning: ["nothing to change"])
            expectFailure(try fixture.store.run("case", "set", "Nobody", "--set", "children=1"), status: 1, mentioning: ["no case 'Nobody'"])
            expectFailure(try fixture.store.run("attribute", "add", "tenure", "--type", "choice"), status: 1, mentioning: ["needs its choices"])
            expectFailure(try fixture.store.run("attribute", "add", "tenure"), status: 2, mentioning: ["needs --type"])
            expectFailure(try fixture.store.run("attribute", "add", "tenure", "--type", "colour"), status: 2, mentioning: ["--type must be one of"])
            expectFailure(try fixture.store.run("attribute", "add", "LIVES ALONE", "--type", "text"), status: 1, mentioning: ["exists already"])
            #expect(try fixture.store.digest() == before)
        }
    }

    @Test func setAndShowAndEditChoices() throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            expectSuccess(try fixture.store.run("attribute", "edit", "age_band", "--choices", "under 50,50-64,65-79,80-89,90+"))
            expectSuccess(try fixture.store.run("case", "set", "resident 12", "--set", "age_band=90+", "--set", "lives_alone=yes"))
            expectSuccess(try fixture.store.run("case", "set", "Fern", "--unset", "children"))
            let shown = try fixture.store.run("case", "show", "P07", "--format", "json")
            expectSuccess(shown)
            let p07 = try parseObject(shown.stdout)
            #expect(p07.strings("note_ids") == fixture.p07Notes)
            #expect(try fixture.cases("--attribute", "age_band=90+").map { $0.string("pseudonym") ?? "" } == ["Resident 12"])
            #expect(try fixture.cases("--attribute", "lives_alone=yes").count == 2)
            let fern = try #require(try fixture.cases().first { $0.string("pseudonym") == "Fern" })
            #expect((fern["attributes"] as? [String: Any])?["children"] is NSNull)
            let table = try fixture.store.run("case", "show", "p07")
            expectSuccess(table)
            #expect(table.stdout.contains("3 notes:"))
            let attributes = try fixture.store.run("attribute", "list", "--format", "json")
            expectSuccess(attributes)
            let ageBand = try #require(try parseArray(attributes.stdout).first { $0.string("name") == "age_band" })
            #expect(ageBand.strings("choices") == ["under 50", "50-64", "65-79", "80-89", "90+"] && ageBand.string("type") == "choice")
        }
    }

    @Test func aParticipantThatLooksLikeANameOrIdentifierIsWarnedAboutAndStillWritten() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            for (participant, concern) in [("Mary Smith", "looks like a real name (two or more words)"),
                                           ("mary@example.org", "looks like an email address"),
                                           ("07700 900123", "holds 7 or more digits, like a phone or NHS number")] {
                let added = try store.run("add", "--title", "Visit", "--participant", participant)
                #expect(added.status == 0, "\(added)")
                #expect(added.output.isHex32)
                #expect(added.stderrLines.count == 1, "\(added)")
                #expect(added.stderr.hasPrefix("fieldnotes: warning: the participant \(concern); "), "\(added)")
                #expect(added.stderr.contains("--participant P07") && !added.stderr.contains(participant), "the warning does not repeat the identifier")
                #expect(try store.show(added.output).string("participant") == participant)
            }
            try store.add("--title", "Fine", "--participant", "Resident 12")
            let id = try store.add("--title", "Fine too", "--participant", "P07")
            let edited = try store.run("edit", id, "--participant", "Mary Smith")
            #expect(edited.status == 0 && edited.stderr.hasPrefix("fieldnotes: warning: the participant looks like a real name"), "\(edited)")
            let named = try store.run("case", "add", "John Smith")
            #expect(named.status == 0 && named.stderr.hasPrefix("fieldnotes: warning: the pseudonym looks like a real name"), "\(named)")
        }
    }
}
