import Foundation
import Testing

@Suite("list")
struct ListTests {
    /// Four notes across areas, kinds, tags and days; the last is deleted.
    struct Fixture {
        let store: TestStore
        let january, morning, evening, deleted: String

        init(_ sandbox: Sandbox) throws {
            store = try sandbox.makeStore()
            january = try store.add("--title", "January", "--area", "East Marsh", "--kind", "interview",
                                    "--tag", "transport", "--at", "2026-01-10")
            evening = try store.add("--title", "Evening", "--area", "East Marsh", "--kind", "conversation",
                                    "--tag", "transport", "--tag", "housing", "--at", "2026-02-15T23:30")
            morning = try store.add("--title", "Morning", "--area", "West Marsh", "--kind", "observation",
                                    "--tag", "housing", "--at", "2026-02-15T09:00")
            deleted = try store.add("--title", "Gone", "--area", "East Marsh", "--kind", "interview",
                                    "--tag", "transport", "--at", "2026-03-01")
            expectSuccess(try store.run("delete", deleted))
        }
    }

    @Test func listShowsLiveNotesOldestFirst() throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            #expect(try fixture.store.listIDs() == [fixture.january, fixture.morning, fixture.evening])
        }
    }

    @Test(arguments: [
        (["--area", "East Marsh"], ["january", "evening"]),
        (["--tag", "housing"], ["morning", "evening"]),
        (["--kind", "observation"], ["morning"]),
        (["--kind", "interview"], ["january"]),
        (["--since", "2026-02-15"], ["morning", "evening"]),
        (["--since", "2026-02-15T12:00"], ["evening"]),
        (["--until", "2026-02-15"], ["january", "morning", "evening"]),
        (["--until", "2026-02-15T09:00"], ["january", "morning"]),
        (["--until", "2026-02-14"], ["january"]),
        (["--since", "2026-02-01", "--until", "2026-02-15T10:00"], ["morning"]),
        (["--since", "2026-02-15T10:00+02:00", "--until", "2026-02-16T00:30+01:00"], ["morning", "evening"]),
        (["--since", "2026-02-15T11:00+02:00", "--until", "2026-02-16T00:29+01:00"], ["morning"]),
        (["--area", "East Marsh", "--tag", "housing"], ["evening"]),
        (["--include-deleted"], ["january", "morning", "evening", "deleted"]),
        (["--include-deleted", "--kind", "interview"], ["january", "deleted"]),
        (["--limit", "2"], ["january", "morning"]),
        (["--limit", "0"], []),
        (["--area", "Nowhere"], []),
    ] as [([String], [String])])
    func listFilters(_ arguments: [String], _ expected: [String]) throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            let ids = ["january": fixture.january, "morning": fixture.morning, "evening": fixture.evening, "deleted": fixture.deleted]
            let listed = try fixture.store.run(["list", "--format", "json"] + arguments)
            expectSuccess(listed)
            #expect(try parseArray(listed.stdout).compactMap { $0.string("id") } == expected.compactMap { ids[$0] })
        }
    }

    @Test func listJSONUsesTheSameStableKeysAsShow() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Only", "--body", "body", "--measure", "steps=3")
            let listed = try store.run("list", "--format", "json")
            expectSuccess(listed)
            #expect(objectKeys(listed.stdout, depth: 2) == noteKeys)
            let notes = try parseArray(listed.stdout)
            #expect(notes.count == 1)
            let shown = try store.show(id)
            #expect(try canonicalJSON(notes[0]) == canonicalJSON(shown))
        }
    }

    /// `list --format json` reads the notes in pieces and makes their text on
    /// another thread: with enough notes for several pieces (128 notes each)
    /// and several 64 KiB pieces of text, read by rids (one tag's notes) or by
    /// ranges (all of them), the output is still one array of every note,
    /// oldest first, each exactly as `show` gives it.
    @Test func aLongJSONListIsEveryNoteInOrderAsShowGivesIt() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            // 600 notes, dated out of the order they are written, so rid order is not date order.
            let lines = (0..<600).map { index in
                let day = 1 + (index * 7) % 28, hour = (index * 5) % 24
                return #"{"title": "Note \#(index)", "body": "\#(String(repeating: "Words of note \(index). ", count: 20))", "#
                    + #""area": "East Marsh", "occurred_at": "2026-02-\#(day < 10 ? "0" : "")\#(day)T\#(hour < 10 ? "0" : "")\#(hour):00:00Z", "#
                    + #""tags": ["\#(index % 2 == 0 ? "transport" : "housing")"], "measures": {"ucla3": \#(3 + index % 7)}}"#
            }
            expectSuccess(try store.run("import", try sandbox.write("notes.ndjson", lines.joined(separator: "\n") + "\n")))
            for (arguments, count) in [(["--tag", "transport"], 300), ([], 600)] {
                let listed = try store.run(["list", "--format", "json"] + arguments)
                expectSuccess(listed)
                #expect(listed.stdout.utf8.count > 3 * 65_536, "several pieces of text")
                let notes = try parseArray(listed.stdout)
                let dates = notes.compactMap { $0.string("occurred_at") }
                let ids = notes.compactMap { $0.string("id") }
                #expect(notes.count == count && dates.count == count && Set(ids).count == count)
                #expect(zip(zip(dates, ids), zip(dates, ids).dropFirst()).allSatisfy { $0 < $1 }, "oldest first, then by id")
                for index in [0, 127, 128, 255, 256, count - 1] {
                    #expect(try canonicalJSON(notes[index]) == canonicalJSON(try store.show(ids[index])), "note \(index) of \(count)")
                }
            }
        }
    }

    @Test func listTableHasAlignedColumnsAndShortIDs() throws {
        try Sandbox.with { sandbox in
            let fixture = try Fixture(sandbox)
            let listed = try fixture.store.run("list", "--include-deleted")
            expectSuccess(listed)
            let lines = listed.output.components(separatedBy: "\n")
            try #require(lines.count == 5, "\(listed)")
            let headers = ["ID", "WHEN", "KIND", "AREA", "TITLE", "TAGS"]
            #expect(lines[0].split(separator: " ").map(String.init) == headers)
            let columns = try headers.map { try #require(lines[0].range(of: $0)).lowerBound.utf16Offset(in: lines[0]) }
            let expected = [
                [String(fixture.january.prefix(8)), "2026-01-10 00:00", "interview", "East Marsh", "January", "transport"],
                [String(fixture.morning.prefix(8)), "2026-02-15 09:00", "observation", "West Marsh", "Morning", "housing"],
                [String(fixture.evening.prefix(8)), "2026-02-15 23:30", "conversation", "East Marsh", "Evening", "housing,transport"],
                [String(fixture.deleted.prefix(8)), "2026-03-01 00:00", "interview", "East Marsh", "(deleted) Gone", "transport"],
            ]
            for (line, cells) in zip(lines.dropFirst(), expected) {
                let utf16 = Array(line.utf16)
                for (column, cell) in zip(columns, cells) {
                    let text = String(decoding: utf16.dropFirst(column), as: UTF16.self)
                    #expect(text.hasPrefix(cell), "'\(cell)' is not at column \(column) of '\(line)'")
                    #expect(column == 0 || utf16[column - 1] == 0x20, "'\(line)' has no gap before column \(column)")
                }
            }
        }
    }

    @Test func anEmptyListSaysSoOnStandardError() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let listed = try store.run("list")
            expectSuccess(listed, stderr: "fieldnotes: no notes match")
            #expect(listed.output.split(separator: " ") == ["ID", "WHEN", "KIND", "AREA", "TITLE", "TAGS"])
            let json = try store.run("list", "--format", "json")
            expectSuccess(json)
            #expect(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [Any] != nil)
            #expect(try parseArray(json.stdout).isEmpty)
        }
    }

    @Test func listRefusesBadFilters() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            expectFailure(try store.run("list", "--kind", "party"), status: 1, mentioning: ["unknown kind", "party"])
            expectFailure(try store.run("list", "--since", "last week"), status: 1, mentioning: ["last week"])
            expectFailure(try store.run("list", "--until", "2026-02-30"), status: 1, mentioning: ["2026-02-30"])
            expectFailure(try store.run("list", "--limit", "-1"), status: 2, mentioning: ["--limit"])
            expectFailure(try store.run("list", "--limit", "many"), status: 2, mentioning: ["--limit"])
        }
    }
}
