import Foundation
import Testing

/// Input over a limit is refused at the door by the real binary: exit 1, one
/// line naming the field, the limit and what to do, and the store unchanged.
@Suite struct LimitsTests {
    /// Runs `arguments` on a store holding one note, and checks the refusal.
    func expectRefused(_ arguments: [String], stdin: Data = Data(), mentioning fragments: [String],
                       prepare: (Sandbox, TestStore, String) throws -> [String] = { _, _, _ in [] },
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let note = try store.add("--title", "Number 9 bus cut", "--tag", "transport")
            let extra = try prepare(sandbox, store, note)
            let before = try store.digest()
            let refused = try store.run(arguments.map { $0 == "NOTE" ? note : $0 } + extra, stdin: stdin)
            expectFailure(refused, status: 1, mentioning: fragments, sourceLocation: sourceLocation)
            #expect(try store.digest() == before, "the store changed", sourceLocation: sourceLocation)
        }
    }

    @Test func addRefusesAHugeTitle() throws {
        try expectRefused(["add", "--title", String(repeating: "t", count: 2000)],
                          mentioning: ["the title is 2,000 bytes, over the 1 KiB limit", "shorten the title"])
    }

    @Test func addRefusesABodyFileOver512KiB() throws {
        try expectRefused(["add", "--title", "Long"], mentioning: ["the body is 600 KiB, over the 512 KiB limit", "split the note"]) { sandbox, _, _ in
            ["--body-file", try sandbox.write("body.txt", String(repeating: "b", count: 600 * 1024))]
        }
    }

    @Test func addRefusesABodyOnStandardInputOver512KiB() throws {
        try expectRefused(["add", "--title", "Long"], stdin: Data(repeating: UInt8(ascii: "b"), count: 513 * 1024),
                          mentioning: ["the body is 513 KiB, over the 512 KiB limit"])
    }

    @Test func addRefusesAHugeTag() throws {
        try expectRefused(["add", "--title", "Tagged", "--tag", String(repeating: "x", count: 300)],
                          mentioning: ["the tag is 300 bytes, over the 255-byte limit"])
    }

    @Test func editRefusesAHugeBody() throws {
        // A file: one argument can hold at most 128 KiB on Linux.
        try expectRefused(["edit", "NOTE"], mentioning: ["the body is 520 KiB, over the 512 KiB limit"]) { sandbox, _, _ in
            ["--body-file", try sandbox.write("body.txt", String(repeating: "b", count: 520 * 1024))]
        }
    }

    @Test func editRefusesAHugeArea() throws {
        try expectRefused(["edit", "NOTE", "--area", String(repeating: "a", count: 256), "--add-tag", "fine"],
                          mentioning: ["the area is 256 bytes, over the 255-byte limit"])
    }

    @Test func eraseRefusesAReasonOver1KiB() throws {
        try expectRefused(["erase", "NOTE", "--yes", "--reason", String(repeating: "r", count: 2000)],
                          mentioning: ["the erase reason is 2,000 bytes, over the 1 KiB limit", "shorten the reason"])
    }

    @Test func importRefusesACSVWithA10MBField() throws {
        try expectRefused(["import"], mentioning: ["line 3: the body is 9.6 MiB, over the 512 KiB limit", "nothing was imported"]) { sandbox, _, _ in
            let csv = "title,body\r\nFine,short\r\nHuge,\"" + String(repeating: "z", count: 10_000_000) + "\"\r\nAlso fine,short\r\n"
            return [try sandbox.write("notes.csv", csv)]
        }
    }

    @Test func importRefusesNDJSONWithAHugeTag() throws {
        try expectRefused(["import"], mentioning: ["line 2: the tag is 1,000 bytes, over the 255-byte limit"]) { sandbox, _, _ in
            let lines = ["{\"title\": \"Fine\"}", "{\"title\": \"Bad\", \"tags\": [\"" + String(repeating: "t", count: 1000) + "\"]}"]
            return [try sandbox.write("notes.ndjson", lines.joined(separator: "\n") + "\n")]
        }
    }

    @Test func themeInsightAndDecisionCommandsRefuseOverLimits() throws {
        try expectRefused(["theme", "add", String(repeating: "n", count: 256)], mentioning: ["the name is 256 bytes, over the 255-byte limit"])
        try expectRefused(["insight", "add", "--statement", String(repeating: "s", count: 5000)],
                          mentioning: ["the statement is 5,000 bytes, over the 4 KiB limit"])
        try expectRefused(["decision", "add", "--title", String(repeating: "d", count: 1100)],
                          mentioning: ["the title is 1,100 bytes, over the 1 KiB limit"])
    }

    @Test func initRefusesADeviceNameOver64Bytes() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("store.sqlite")
            let refused = try sandbox.run(["--store", path, "init", "--name", String(repeating: "d", count: 65)])
            expectFailure(refused, status: 1, mentioning: ["the device name is 65 bytes, over the 64-byte limit"])
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func valuesAtTheLimitsAreAccepted() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let body = try sandbox.write("body.txt", String(repeating: "b", count: 512 * 1024))
            let id = try store.add("--title", String(repeating: "t", count: 1024), "--body-file", body, "--tag", String(repeating: "x", count: 255))
            let erased = try store.run("erase", id, "--yes", "--reason", String(repeating: "r", count: 1024))
            expectSuccess(erased)
        }
    }

    @Test func importIsWrittenWholeAcrossSeveralTransactions() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let rows = (1...1_234).map { "Note \($0),body \($0)" }
            let file = try sandbox.write("notes.csv", "title,body\n" + rows.joined(separator: "\n") + "\n")
            expectSuccess(try store.run("import", file))
            #expect(try store.listIDs("--limit", "5000").count == 1_234)
        }
    }
}
