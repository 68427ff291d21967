import Foundation
import Testing

@Suite("import")
struct ImportTests {
    @Test func ndjsonImportCreatesEveryNote() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = "0123456789abcdef0123456789abcdef"
            let file = try sandbox.write("notes.ndjson", """
                {"id": "\(id)", "title": "Full", "body": "Line one\\nLine \\"two\\"", "kind": "interview", "area": "East Marsh", \
                "occurred_at": "2026-04-01T09:30:00Z", "participant": "P-2", "consent": "given", "tags": ["transport", "housing"], \
                "measures": {"ucla3": 7, "ons_lonely": 3, "steps": 12.5}}

                {"title": "Minimal", "body": null, "tags": [], "measures": {}}\r
                {"title": "Read-only keys ignored", "type": "note", "deleted": true, "erased": false, "conflicts": []}

                """)
            let imported = try store.run("import", file)
            expectSuccess(imported)
            #expect(imported.output == "imported 3 notes")

            let note = try store.show(id)
            #expect(note.string("title") == "Full")
            #expect(note.string("body") == "Line one\nLine \"two\"")
            #expect(note.string("kind") == "interview")
            #expect(note.string("area") == "East Marsh")
            #expect(note.string("occurred_at") == "2026-04-01T09:30:00Z")
            #expect(note.string("participant") == "P-2")
            #expect(note.string("consent") == "given")
            #expect(Set(note.strings("tags") ?? []) == ["transport", "housing"])
            #expect(note.measures == ["ucla3": 7, "ons_lonely": 3, "steps": 12.5])

            let notes = try store.list()
            #expect(Set(notes.compactMap { $0.string("title") }) == ["Full", "Minimal", "Read-only keys ignored"])
            #expect(notes.allSatisfy { $0.bool("deleted") == false })
            #expect((try store.status()["notes"] as? [String: Int])?["live"] == 3)
        }
    }

    @Test func listJSONImportedIntoAFreshStoreGivesTheSameNotes() throws {
        try Sandbox.with { sandbox in
            let source = try sandbox.makeStore("source.sqlite", device: "alice")
            _ = try source.add("--title", "Everything", "--body", "Quotes \" and \\ backslashes,\nnewlines\tand tabs — ünïcödé 🚌",
                               "--kind", "group-session", "--area", "Old Town", "--new-area", "--at", "2026-03-03T03:03:03Z",
                               "--participant", "P-5", "--consent", "declined",
                               "--measure", "ucla3=9", "--measure", "ons_lonely=1", "--measure", "minutes=45.25",
                               "--tag", "a", "--tag", "b c")
            _ = try source.add("--title", "Sparse", "--at", "2026-03-04")
            let edited = try source.add("--title", "Edited", "--body", "first", "--at", "2026-03-05", "--tag", "old")
            expectSuccess(try source.run("edit", edited, "--body", "second", "--remove-tag", "old", "--add-tag", "new"))

            let exported = try source.run("list", "--format", "json")
            expectSuccess(exported)
            let file = try sandbox.write("export.json", exported.stdout)

            let target = try sandbox.makeStore("target.sqlite", device: "bob")
            let imported = try target.run("import", file)
            expectSuccess(imported)
            #expect(imported.output == "imported 3 notes")
            let copied = try target.run("list", "--format", "json")
            expectSuccess(copied)
            #expect(copied.stdout == exported.stdout)
            #expect(try parseArray(copied.stdout).count == 3)
        }
    }

    @Test func csvImportHandlesQuotesCommasNewlinesAndMeasureColumns() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let csv = "\u{FEFF}id,title,body,kind,area,occurred_at,tags,measures,measures.steps\r\n"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,\"Chat, at the stop\",\"She said \"\"no\"\",\nthen left, slowly.\",conversation,"
                + "\"East Marsh\",2026-06-01T12:00,transport;isolation,ucla3=4;ons_lonely=2,300\r\n"
                + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,Plain,,,,2026-06-02,,,\r\n"
            let file = try sandbox.write("notes.csv", csv)
            let imported = try store.run("import", file)
            expectSuccess(imported)
            #expect(imported.output == "imported 2 notes")

            let chat = try store.show("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
            #expect(chat.string("title") == "Chat, at the stop")
            #expect(chat.string("body") == "She said \"no\",\nthen left, slowly.")
            #expect(chat.string("kind") == "conversation")
            #expect(chat.string("area") == "East Marsh")
            #expect(chat.string("occurred_at") == "2026-06-01T12:00:00Z")
            #expect(Set(chat.strings("tags") ?? []) == ["transport", "isolation"])
            #expect(chat.measures == ["ucla3": 4, "ons_lonely": 2, "steps": 300])

            let plain = try store.show("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
            #expect(plain.string("title") == "Plain")
            #expect(plain.isNull("body"))
            #expect(plain.isNull("kind"))
            #expect(plain.strings("tags") == [])
        }
    }

    @Test func importAddsToNotesAlreadyThere() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let existing = try store.add("--title", "Before")
            let file = try sandbox.write("more.ndjson", "{\"title\": \"After\"}\n")
            expectSuccess(try store.run("import", file))
            let ids = try store.listIDs()
            #expect(ids.count == 2)
            #expect(ids.contains(existing))
        }
    }

    /// An import killed part way (kill -9, as a power cut or a closed laptop)
    /// leaves nothing of it in the store, so running it again imports every
    /// note once. (In parts of 500 per transaction it left thousands, and the
    /// second run doubled them: a new user's try.) The kill lands while the
    /// import writes: its write-ahead log has grown past 2 MiB.
    @Test func anImportKilledPartWayLeavesNothingAndRunsAgainWhole() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let before = try store.digest()
            let count = 2_500
            let lines = (0 ..< count).map { "{\"title\": \"Bulk note \($0)\", \"body\": \"\(String(repeating: "lorem ipsum dolor ", count: 40))\", \"tags\": [\"bulk\"]}" }
            let file = try sandbox.write("bulk.ndjson", lines.joined(separator: "\n") + "\n")
            let importing = try store.start(["import", file])
            let deadline = Date().addingTimeInterval(120)
            func walBytes() -> Int { ((try? FileManager.default.attributesOfItem(atPath: store.path + "-wal"))?[.size] as? NSNumber)?.intValue ?? 0 }
            while importing.isRunning, walBytes() < 2 << 20, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            try #require(importing.isRunning, "the import finished before it could be stopped part way: \(importing.stderrText)")
            importing.kill()
            #expect(try store.digest() == before, "an import stopped part way left notes in the store")
            #expect(try store.listIDs().isEmpty)
            expectSuccess(try store.run("import", file))
            #expect(try store.listIDs().count == count, "each note once")
        }
    }

    struct BadFile: CustomStringConvertible, Sendable {
        let name: String
        let contents: String
        /// The line stderr must name, and what else it must say.
        let line: Int
        let mentioning: String
        var description: String { "\(name) line \(line)" }
    }

    @Test(arguments: [
        BadFile(name: "kind.ndjson", contents: "{\"title\": \"a\"}\n\n{\"title\": \"b\"}\n{\"title\": \"c\", \"kind\": \"party\"}\n{\"title\": \"d\"}\n",
                line: 4, mentioning: "party"),
        BadFile(name: "syntax.ndjson", contents: "{\"title\": \"a\"}\n{\"title\": \"b\"}\n{\"title\": \"c\",\n", line: 3, mentioning: "JSON"),
        BadFile(name: "range.jsonl", contents: "{\"title\": \"a\"}\n{\"title\": \"b\", \"measures\": {\"ucla3\": 10}}\n", line: 2, mentioning: "ucla3"),
        BadFile(name: "key.ndjson", contents: "{\"title\": \"a\", \"colour\": \"red\"}\n", line: 1, mentioning: "colour"),
        BadFile(name: "notitle.ndjson", contents: "{\"title\": \"a\"}\n{\"body\": \"b\"}\n", line: 2, mentioning: "title"),
        BadFile(name: "duplicate.ndjson", contents: """
            {"id": "cccccccccccccccccccccccccccccccc", "title": "a"}
            {"id": "cccccccccccccccccccccccccccccccc", "title": "b"}

            """, line: 2, mentioning: "already exists"),
        BadFile(name: "existing.ndjson", contents: "{\"title\": \"fine\"}\n{\"id\": \"dddddddddddddddddddddddddddddddd\", \"title\": \"again\"}\n",
                line: 2, mentioning: "already exists"),
        BadFile(name: "fields.csv", contents: "title,body\n\"a\",\"two\nlines\"\nb,x,extra\n", line: 4, mentioning: "fields"),
        BadFile(name: "date.csv", contents: "title,occurred_at\na,2026-01-01\nb,2026-02-30\n", line: 3, mentioning: "2026-02-30"),
        BadFile(name: "measure.csv", contents: "title,measures.ons_lonely\na,3\n\"b\nstill b\",0\n", line: 3, mentioning: "ons_lonely"),
        BadFile(name: "quote.csv", contents: "title,body\na,\"never closed\n", line: 2, mentioning: "quote"),
        BadFile(name: "column.csv", contents: "title,colour\na,red\n", line: 1, mentioning: "colour"),
        BadFile(name: "array.json", contents: """
            [
              {
                "title": "fine"
              },
              {
                "title": "bad",
                "consent": "maybe"
              }
            ]
            """, line: 5, mentioning: "maybe"),
        BadFile(name: "broken.json", contents: "[\n  {\"title\": \"a\"},\n  {\"title\": \"b\",\n   \"kind\": }\n]\n", line: 4, mentioning: "JSON"),
        BadFile(name: "crlf.ndjson", contents: "{\"title\": \"a\"}\r\n{\"title\": \"b\"}\r\n{\"title\": 3}\r\n", line: 3, mentioning: "title"),
    ])
    func aBadRowRejectsTheWholeFileNamingItsLine(_ bad: BadFile) throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let seed = try sandbox.write("seed.ndjson", "{\"id\": \"dddddddddddddddddddddddddddddddd\", \"title\": \"seed\"}\n")
            expectSuccess(try store.run("import", seed))
            let digest = try store.digest()
            let file = try sandbox.write(bad.name, bad.contents)
            let refused = try store.run("import", file)
            expectFailure(refused, status: 1, mentioning: ["line \(bad.line):", bad.mentioning, "nothing was imported"])
            #expect(try store.digest() == digest)
            #expect(try store.listIDs() == ["dddddddddddddddddddddddddddddddd"])
        }
    }

    @Test func importRefusesUnreadableFiles() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let digest = try store.digest()
            let text = try sandbox.write("notes.txt", "title\nx\n")
            expectFailure(try store.run("import", text), status: 2, mentioning: [".csv"])
            expectFailure(try store.run("import", sandbox.path("missing.csv")), status: 1, mentioning: ["missing.csv"])
            let latin1 = try sandbox.write("latin1.csv", Data("title\ncaf".utf8) + Data([0xE9, 0x0A]))
            expectFailure(try store.run("import", latin1), status: 1, mentioning: ["UTF-8"])
            expectFailure(try store.run("import"), status: 2, mentioning: ["FILE"])
            #expect(try store.digest() == digest)
        }
    }
}
