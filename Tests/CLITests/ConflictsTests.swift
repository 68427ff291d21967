import Foundation
import Store
import Testing

@Suite("conflicts")
struct ConflictsTests {
    @Test func aStoreWithoutConflictsSaysSo() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Calm")
            expectSuccess(try store.run("edit", id, "--title", "Still calm"))
            let table = try store.run("conflicts")
            expectSuccess(table, stderr: "fieldnotes: no conflicts")
            #expect(table.output.split(separator: " ") == ["RECORD", "FIELD", "VALUE", "AUTHOR", "AT", "SHOWN"])
            let json = try store.run("conflicts", "--format", "json")
            expectSuccess(json)
            #expect(json.output == "[]")
        }
    }

    /// There is no sync command yet, so the operations move between the two
    /// stores through the Store API, as sync will; everything else is the CLI.
    @Test func concurrentEditsShowAsAConflictUntilSomeoneEdits() throws {
        try Sandbox.with { sandbox in
            let alice = try sandbox.makeStore("alice.sqlite", device: "alice")
            let bob = try sandbox.makeStore("bob.sqlite", device: "bob")
            let id = try alice.add("--title", "Original", "--area", "Docks", "--new-area")
            try deliver(from: alice, to: bob)
            #expect(try bob.show(id).string("title") == "Original")

            expectSuccess(try alice.run("edit", id, "--title", "Alice's title"))
            expectSuccess(try bob.run("edit", id, "--title", "Bob's title"))
            try deliver(from: alice, to: bob)
            try deliver(from: bob, to: alice)
            #expect(try alice.digest() == bob.digest())

            for store in [alice, bob] {
                #expect(try store.status()["conflicts"] as? Int == 1)
                let json = try store.run("conflicts", "--format", "json")
                expectSuccess(json)
                let conflicts = try parseArray(json.stdout)
                #expect(conflicts.count == 1)
                let conflict = try #require(conflicts.first)
                #expect(conflict.string("record") == id)
                #expect(conflict.string("type") == "note")
                #expect(conflict.string("field") == "title")
                let values = try #require(conflict["values"] as? [[String: Any]])
                #expect(Set(values.compactMap { $0.string("value") }) == ["Alice's title", "Bob's title"])
                #expect(Set(values.compactMap { $0.string("author") }) == ["alice", "bob"])
                #expect(Set(values.compactMap { $0.string("replica") }) == [alice.replica, bob.replica])
                #expect(values.map { $0.bool("shown") } == [true, false])
                #expect(objectKeys(json.stdout, depth: 4) == ["value", "author", "replica", "at", "shown", "value", "author", "replica", "at", "shown"])

                let note = try store.show(id)
                #expect(note.string("title") == values.first?.string("value"))
                #expect(note.string("area") == "Docks")
                #expect((note["conflicts"] as? [Any])?.count == 1)

                let table = try store.run("conflicts")
                expectSuccess(table)
                let rows = table.output.components(separatedBy: "\n").dropFirst()
                #expect(rows.count == 2)
                #expect(rows.allSatisfy { $0.hasPrefix(String(id.prefix(8)) + "  title") })
                #expect(rows.contains { $0.contains("Alice's title") && $0.contains("alice") })
                #expect(rows.contains { $0.contains("Bob's title") && $0.contains("bob") })
                #expect(rows.filter { $0.hasSuffix("yes") }.count == 1)

                let list = try store.run("list")
                expectSuccess(list)
                #expect(list.stdout.contains("[conflict]"))
                let shown = try store.run("show", id)
                expectSuccess(shown)
                #expect(shown.stdout.contains("conflict"))
                #expect(shown.stdout.contains("(by alice") && shown.stdout.contains("(by bob"))
            }

            expectSuccess(try bob.run("edit", id, "--title", "Agreed"))
            try deliver(from: bob, to: alice)
            for store in [alice, bob] {
                expectSuccess(try store.run("conflicts"), stderr: "fieldnotes: no conflicts")
                #expect(try store.status()["conflicts"] as? Int == 0)
                #expect(try store.show(id).string("title") == "Agreed")
            }
            #expect(try alice.digest() == bob.digest())
        }
    }

    /// Hands `target` every operation `source` holds that it lacks.
    func deliver(from source: TestStore, to target: TestStore) throws {
        let from = try Store.open(at: source.path)
        let to = try Store.open(at: target.path)
        for range in try from.versionVector().missing(from: try to.versionVector()) {
            try to.apply(try from.operations(range, limit: Int(range.count)))
        }
    }
}
