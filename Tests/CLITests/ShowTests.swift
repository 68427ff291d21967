import Foundation
import Testing

@Suite("show")
struct ShowTests {
    @Test func showJSONHasExactlyTheStableKeysInOrder() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Keys", "--measure", "ucla3=4", "--tag", "x")
            let shown = try store.run("show", id, "--format", "json")
            expectSuccess(shown)
            #expect(objectKeys(shown.stdout, depth: 1) == noteKeys)
            #expect(Set(try parseObject(shown.stdout).keys) == Set(noteKeys))
        }
    }

    @Test func showTableListsFieldsThenTheBody() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Market day", "--body", "Stalls were busy.\nMrs B came alone.", "--kind", "observation",
                                   "--area", "Old Town", "--new-area", "--at", "2026-05-04T10:20", "--participant", "P-3", "--consent", "not-required",
                                   "--measure", "ons_lonely=3", "--tag", "market")
            let shown = try store.run("show", id)
            expectSuccess(shown)
            let lines = shown.output.components(separatedBy: "\n")
            #expect(lines.first?.hasPrefix("FIELD") == true)
            func row(_ field: String) -> String? {
                lines.first { $0.hasPrefix(field + " ") }.map { String($0.dropFirst(field.count)).trimmingCharacters(in: .whitespaces) }
            }
            #expect(row("id") == id)
            #expect(row("title") == "Market day")
            #expect(row("kind") == "observation")
            #expect(row("area") == "Old Town")
            #expect(row("occurred_at") == "2026-05-04T10:20:00Z")
            #expect(row("participant") == "P-3")
            #expect(row("consent") == "not-required")
            #expect(row("tags") == "market")
            #expect(row("measures") == "ons_lonely=3")
            #expect(shown.output.hasSuffix("\n\nStalls were busy.\nMrs B came alone."))
        }
    }

    @Test func showAcceptsAUniquePrefixOfSixDigitsInAnyCase() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Prefix")
            for prefix in [String(id.prefix(6)), String(id.prefix(6)).uppercased(), String(id.prefix(20))] {
                #expect(try store.show(prefix).string("id") == id)
            }
        }
    }

    @Test func anAmbiguousPrefixIsRefusedAndNamesTheCandidates() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let first = "abcdef00000000000000000000000001", second = "abcdef00000000000000000000000002"
            let file = try sandbox.write("two.ndjson", """
                {"id": "\(first)", "title": "One"}
                {"id": "\(second)", "title": "Two"}
                """)
            expectSuccess(try store.run("import", file))
            let digest = try store.digest()
            expectFailure(try store.run("show", "abcdef"), status: 1, mentioning: ["abcdef", "matches 2", first, second])
            expectFailure(try store.run("edit", "abcdef0000", "--title", "Which?"), status: 1, mentioning: ["matches 2"])
            expectFailure(try store.run("delete", "ABCDEF"), status: 1, mentioning: ["matches 2"])
            #expect(try store.show("abcdef00000000000000000000000002").string("title") == "Two")
            #expect(try store.digest() == digest)
        }
    }

    @Test func theDeviceRecordIsNotANote() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            // The replica names itself with a record whose id is the replica id.
            expectFailure(try store.run("show", store.replica), status: 1, mentioning: ["no record matches"])
            #expect(try store.listIDs("--include-deleted").isEmpty)
        }
    }
}
