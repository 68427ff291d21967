import Foundation
import Testing

@Suite("memo")
struct MemoTests {
    func memos(_ store: TestStore, _ arguments: String...) throws -> [[String: Any]] {
        let listed = try store.run(["memo", "list", "--format", "json"] + arguments)
        expectSuccess(listed)
        return try parseArray(listed.stdout)
    }

    @Test func memosAreWrittenEditedListedAndDeletedOnNotesPassagesThemesAndCases() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore(device: "alice-laptop")
            expectSuccess(try store.run("theme", "add", "transport"))
            let note = try store.add("--title", "Bus", "--body", "The 9 bus never came.")
            let passage = try store.run("code", note, "--theme", "transport", "--quote", "9 bus").output
            let onTheme = try store.run("memo", "add", "Transport", "--body", "Buses in every East Marsh note").output
            let onNote = try store.run("memo", "add", String(note.prefix(8)), "--body-file", try sandbox.write("memo.txt", "Ask about the 9.")).output
            let onPassage = try store.run(["memo", "add", passage, "--body-file", "-"], stdin: Data("the words that matter".utf8)).output
            let fromStdin = try store.run(["memo", "add", note], stdin: Data("piped in".utf8)).output
            for id in [onTheme, onNote, onPassage, fromStdin] { #expect(id.isHex32, "memo add printed '\(id)'") }

            let listed = try memos(store)
            #expect(objectKeys(try store.run("memo", "list", "--format", "json").stdout, depth: 2).prefix(8)
                    == ["id", "type", "target_id", "target_type", "author", "written_at", "text_withheld", "body"])
            let byID = Dictionary(uniqueKeysWithValues: listed.compactMap { memo in memo.string("id").map { ($0, memo) } })
            #expect(byID[onNote]?.string("target_id") == note && byID[onNote]?.string("target_type") == "note")
            #expect(byID[onPassage]?.string("target_id") == passage && byID[onPassage]?.string("target_type") == "passage")
            #expect(byID[onTheme]?.string("target_type") == "theme" && byID[onTheme]?.string("body") == "Buses in every East Marsh note")
            #expect(byID[onPassage]?.string("body") == "the words that matter" && byID[fromStdin]?.string("body") == "piped in")
            #expect(byID[onNote]?.string("author") == "alice-laptop" && byID[onNote]?.bool("text_withheld") == false)
            #expect(try memos(store, "--target", note).compactMap { $0.string("id") }.sorted() == [onNote, fromStdin].sorted())

            expectSuccess(try store.run("memo", "edit", onNote, "--append", " And the 10."))
            expectSuccess(try store.run("memo", "edit", onTheme, "--body", "Buses in most East Marsh notes"))
            let edited = Dictionary(uniqueKeysWithValues: try memos(store).compactMap { memo in memo.string("id").map { ($0, memo) } })
            #expect(edited[onNote]?.string("body") == "Ask about the 9. And the 10.")
            #expect(edited[onTheme]?.string("body") == "Buses in most East Marsh notes")

            let table = try store.run("memo", "list")
            expectSuccess(table)
            #expect(table.output.components(separatedBy: "\n").first?.split(separator: " ") == ["MEMO", "ABOUT", "AUTHOR", "WRITTEN", "TEXT"])
            #expect(table.output.contains("theme transport") && table.output.contains("note \(note.prefix(8))"))

            expectSuccess(try store.run("memo", "delete", String(onTheme.prefix(8))))
            #expect(try memos(store).compactMap { $0.string("id") }.contains(onTheme) == false)
            expectFailure(try store.run("memo", "edit", onTheme, "--append", "x"), status: 1, mentioning: ["deleted"])
        }
    }

    @Test func aMemoOnANoteWithoutConsentIsListedWithoutItsText() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            expectSuccess(try store.run("theme", "add", "transport"))
            let note = try store.add("--title", "Declined", "--body", "The 9 bus", "--consent", "given")
            let passage = try store.run("code", note, "--theme", "transport", "--quote", "9 bus").output
            let onNote = try store.run("memo", "add", note, "--body", "MEMO-SECRET-ONE").output
            let onPassage = try store.run("memo", "add", passage, "--body", "MEMO-SECRET-TWO").output
            expectSuccess(try store.run("edit", note, "--consent", "withdrawn"))
            let listed = try memos(store)
            #expect(Set(listed.compactMap { $0.string("id") }) == [onNote, onPassage])
            for memo in listed {
                #expect(memo.bool("text_withheld") == true && memo.isNull("body"))
            }
            let table = try store.run("memo", "list")
            expectSuccess(table)
            #expect(!table.stdout.contains("MEMO-SECRET") && table.stdout.contains("withheld"))
        }
    }

    @Test func erasingANoteErasesItsMemosFromTheStoreFile() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            expectSuccess(try store.run("theme", "add", "transport"))
            let note = try store.add("--title", "To erase", "--body", "The 9 bus")
            let kept = try store.add("--title", "To keep", "--body", "The 10 bus")
            let passage = try store.run("code", note, "--theme", "transport", "--quote", "9 bus").output
            _ = try store.run("memo", "add", note, "--body", "ERASE-ME-MEMO-ON-NOTE").output
            _ = try store.run("memo", "add", passage, "--body", "ERASE-ME-MEMO-ON-PASSAGE").output
            let survivor = try store.run("memo", "add", kept, "--body", "KEEP-ME-MEMO").output
            expectSuccess(try store.run("erase", note, "--reason", "consent withdrawn", "--yes"))
            #expect(try memos(store).compactMap { $0.string("id") } == [survivor])
            let bytes = try store.bytes()
            for text in ["ERASE-ME-MEMO-ON-NOTE", "ERASE-ME-MEMO-ON-PASSAGE"] {
                #expect(bytes.range(of: Data(text.utf8)) == nil, "\(text) is still in the store file")
            }
            #expect(bytes.range(of: Data("KEEP-ME-MEMO".utf8)) != nil, "the check would see memo text if it were there")
        }
    }

    @Test func badInputIsOneLineAndLeavesTheStoreAsItWas() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            expectSuccess(try store.run("theme", "add", "transport"))
            let note = try store.add("--title", "Bus", "--body", "The 9 bus")
            let memo = try store.run("memo", "add", note, "--body", "a memo").output
            let before = try store.digest()
            expectFailure(try store.run("memo", "add", "weather", "--body", "x"), status: 1, mentioning: ["no theme is named 'weather'"])
            expectFailure(try store.run("memo", "add", "0000000000", "--body", "x"), status: 1, mentioning: ["no note, passage, theme or case"])
            expectFailure(try store.run("memo", "add", note), status: 2, mentioning: ["--body"])
            expectFailure(try store.run("memo", "add", note, "--body", "   "), status: 1, mentioning: ["the memo is empty"])
            expectFailure(try store.run("memo", "add", note, "--body", "x", "--body-file", "y"), status: 2, mentioning: ["not both"])
            expectFailure(try store.run("memo", "add", note, "--body-file", sandbox.path("absent.txt")), status: 1, mentioning: ["cannot read"])
            let huge = try sandbox.write("huge.txt", String(repeating: "x", count: 600_000))
            expectFailure(try store.run("memo", "add", note, "--body-file", huge), status: 1, mentioning: ["body"])
            expectFailure(try store.run("memo", "edit", memo), status: 2, mentioning: ["nothing to change"])
            expectFailure(try store.run("memo", "edit", memo, "--body", ""), status: 1, mentioning: ["empty"])
            expectFailure(try store.run("memo", "edit", note, "--append", "x"), status: 1, mentioning: ["no record matches"])
            expectFailure(try store.run("memo", "delete", "zz"), status: 1, mentioning: ["not a record id"])
            expectFailure(try store.run("memo", "list", "--target", "weather"), status: 1, mentioning: ["weather"])
            #expect(try store.digest() == before)
            expectSuccess(try store.run("erase", note, "--reason", "test", "--yes"))
            let erasedBefore = try store.digest()
            expectFailure(try store.run("memo", "add", note, "--body", "x"), status: 1, mentioning: ["erased"])
            #expect(try store.digest() == erasedBefore)
        }
    }
}
