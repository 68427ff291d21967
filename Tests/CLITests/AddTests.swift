import Foundation
import Testing

@Suite("add")
struct AddTests {
    @Test func addWithEveryOptionStoresEveryField() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add(
                "--title", "  Bus stop chat  ", "--body", "The 9-bus never comes.", "--kind", "conversation",
                "--area", "East Marsh", "--at", "2026-11-20T14:30+01:00", "--participant", "P-17", "--consent", "given",
                "--measure", "ucla3=6", "--measure", "ons_lonely=4", "--measure", "steps=1200.5",
                "--tag", "transport", "--tag", "isolation")
            let note = try store.show(id)
            #expect(note.string("id") == id)
            #expect(note.string("type") == "note")
            #expect(note.string("title") == "Bus stop chat")
            #expect(note.string("body") == "The 9-bus never comes.")
            #expect(note.string("kind") == "conversation")
            #expect(note.string("area") == "East Marsh")
            #expect(note.string("occurred_at") == "2026-11-20T13:30:00Z")
            #expect(note.string("participant") == "P-17")
            #expect(note.string("consent") == "given")
            #expect(Set(note.strings("tags") ?? []) == ["transport", "isolation"])
            #expect(note.measures == ["ucla3": 6, "ons_lonely": 4, "steps": 1200.5])
            #expect(note.bool("deleted") == false)
            #expect(note.bool("erased") == false)
            #expect((note["conflicts"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func kindAndConsentAreTrimmedAndLowercased() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Case", "--kind", " Phone-Call ", "--consent", "GIVEN")
            let note = try store.show(id)
            #expect(note.string("kind") == "phone-call")
            #expect(note.string("consent") == "given")
            #expect(try store.listIDs("--kind", "phone-call") == [id])
        }
    }

    @Test func addWithOnlyATitleLeavesOtherFieldsNullAndDatesItNow() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let before = Date()
            let id = try store.add("--title", "Bare")
            let note = try store.show(id)
            for field in ["body", "kind", "area", "participant", "consent"] {
                #expect(note.isNull(field), "\(field) should be null")
            }
            #expect(note.strings("tags") == [])
            #expect(note.measures == [:])
            let formatter = ISO8601DateFormatter()
            let when = try #require(note.string("occurred_at").flatMap(formatter.date(from:)))
            #expect(abs(when.timeIntervalSince(before)) < 120, "occurred_at \(when) is not now")
        }
    }

    @Test func bodyFromBodyFileIsKeptExactly() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let body = "First line, with a comma.\n\n\"Quoted\" — café ☕️ 🚌\n\ttabbed\n"
            let file = try sandbox.write("body.txt", body)
            let id = try store.add("--title", "From a file", "--body-file", file)
            #expect(try store.show(id).string("body") == body)
        }
    }

    @Test func bodyFromStandardInputIsKeptExactly() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let body = "Typed on a train.\nSecond line — naïve résumé\n"
            let id = try store.add("--title", "From stdin", stdin: Data(body.utf8))
            #expect(try store.show(id).string("body") == body)
        }
    }

    @Test func aLargeBodyFromStandardInputIsKeptWhole() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let body = (1...4000).map { "Line \($0): the quick brown fox — ünïcödé.\n" }.joined()
            #expect(body.utf8.count > 150_000)
            let id = try store.add("--title", "Long", stdin: Data(body.utf8))
            #expect(try store.show(id).string("body") == body)
        }
    }

    @Test func emptyStandardInputLeavesTheBodyUnset() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "No body")
            #expect(try store.show(id).isNull("body"))
        }
    }

    @Test func bodyOptionWinsOverStandardInput() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Both", "--body", "from the option", stdin: Data("from stdin".utf8))
            #expect(try store.show(id).string("body") == "from the option")
        }
    }

    @Test func eachAddPrintsADifferentFullID() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let ids = try (1...5).map { try store.add("--title", "Note \($0)") }
            #expect(Set(ids).count == 5)
            #expect(Set(try store.listIDs()) == Set(ids))
        }
    }

    @Test func addNeedsATitle() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let digest = try store.digest()
            expectFailure(try store.run("add", "--body", "no title"), status: 1, mentioning: ["title"])
            expectFailure(try store.run("add", "--title", "   "), status: 1, mentioning: ["title"])
            #expect(try store.digest() == digest)
        }
    }

    @Test func bodyAndBodyFileTogetherIsAUsageError() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let file = try sandbox.write("body.txt", "x")
            let digest = try store.digest()
            expectFailure(try store.run("add", "--title", "t", "--body", "b", "--body-file", file), status: 2, mentioning: ["--body-file"])
            #expect(try store.digest() == digest)
        }
    }
}

@Suite("edit")
struct EditTests {
    @Test func editChangesOnlyTheFieldsGiven() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Old", "--body", "Old body", "--kind", "interview", "--area", "East Marsh",
                                   "--at", "2026-01-02", "--participant", "P-1", "--consent", "given")
            let edited = try store.run("edit", String(id.prefix(8)), "--title", "New", "--kind", "phone-call",
                                       "--at", "2026-01-03T08:15", "--consent", "withdrawn")
            expectSuccess(edited)
            #expect(edited.output == id)
            let note = try store.show(id)
            #expect(note.string("title") == "New")
            #expect(note.string("kind") == "phone-call")
            #expect(note.string("occurred_at") == "2026-01-03T08:15:00Z")
            #expect(note.string("consent") == "withdrawn")
            #expect(note.string("body") == "Old body")
            #expect(note.string("area") == "East Marsh")
            #expect(note.string("participant") == "P-1")
        }
    }

    @Test func editAddsAndRemovesTags() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Tagged", "--tag", "transport", "--tag", "isolation")
            expectSuccess(try store.run("edit", id, "--add-tag", "housing", "--add-tag", "food", "--remove-tag", "isolation"))
            #expect(Set(try store.show(id).strings("tags") ?? []) == ["transport", "housing", "food"])
            expectSuccess(try store.run("edit", id, "--remove-tag", "transport", "--remove-tag", "not-there"))
            #expect(Set(try store.show(id).strings("tags") ?? []) == ["housing", "food"])
        }
    }

    @Test func editUnsetClearsFieldsAndMeasures() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Full", "--body", "text", "--kind", "observation", "--area", "Docks", "--new-area",
                                   "--participant", "P-9", "--consent", "given",
                                   "--measure", "ucla3=5", "--measure", "ons_lonely=2", "--measure", "steps=10")
            expectSuccess(try store.run("edit", id, "--unset", "body", "--unset", "participant", "--unset", "kind",
                                        "--unset", "measures.steps", "--unset", "ucla3"))
            let note = try store.show(id)
            #expect(note.isNull("body"))
            #expect(note.isNull("participant"))
            #expect(note.isNull("kind"))
            #expect(note.string("area") == "Docks")
            #expect(note.string("consent") == "given")
            #expect(note.measures == ["ons_lonely": 2])
        }
    }

    @Test func editSetsAndReplacesMeasures() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Scores", "--measure", "ucla3=3")
            expectSuccess(try store.run("edit", id, "--measure", "ucla3=9", "--measure", "ons_lonely=5", "--measure", "visits=-2"))
            #expect(try store.show(id).measures == ["ucla3": 9, "ons_lonely": 5, "visits": -2])
        }
    }

    @Test func editReadsABodyFile() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Body later")
            let file = try sandbox.write("later.txt", "Written up afterwards.\nTwo lines.\n")
            expectSuccess(try store.run("edit", id, "--body-file", file))
            #expect(try store.show(id).string("body") == "Written up afterwards.\nTwo lines.\n")
        }
    }

    @Test func editRefusesToUnsetTheTitleOrToSetAndUnsetOneField() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Keep me", "--area", "Docks", "--new-area")
            let digest = try store.digest()
            expectFailure(try store.run("edit", id, "--unset", "title"), status: 1, mentioning: ["title"])
            expectFailure(try store.run("edit", id, "--area", "Quay", "--new-area", "--unset", "area"), status: 1, mentioning: ["area"])
            expectFailure(try store.run("edit", id, "--unset", "colour"), status: 1, mentioning: ["colour"])
            expectFailure(try store.run("edit", id), status: 2, mentioning: ["nothing to change"])
            #expect(try store.digest() == digest)
        }
    }
}

@Suite struct BodyEditTests {
    @Test func editAppendsToTheBodyAndReadsANewBodyFromStandardInput() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Lunch club", "--body", "Talked about the bus.")
            expectSuccess(try store.run("edit", id, "--append", " Wants a befriender."))
            #expect(try store.show(id).string("body") == "Talked about the bus. Wants a befriender.")
            expectSuccess(try store.run(["edit", id, "--body-file", "-"], stdin: Data("Talked about the 47 bus. Wants a befriender.".utf8)))
            #expect(try store.show(id).string("body") == "Talked about the 47 bus. Wants a befriender.")
            let digest = try store.digest()
            expectFailure(try store.run("edit", id, "--append", "x", "--body", "y"), status: 2, mentioning: ["--append"])
            #expect(try store.digest() == digest)
        }
    }
}
