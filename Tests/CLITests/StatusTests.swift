import Foundation
import Testing

@Suite("status")
struct StatusTests {
    @Test func statusJSONHasStableKeysInOrder() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore(device: "alice")
            _ = try store.add("--title", "Counted")
            let status = try store.run("status", "--format", "json")
            expectSuccess(status)
            #expect(objectKeys(status.stdout, depth: 1) == ["store", "replica", "name", "notes", "operations", "local_operations",
                                                            "unacknowledged_operations", "hub", "hub_device", "last_sync",
                                                            "conflicts", "digest", "file_mode_warnings"])
            #expect(objectKeys(status.stdout, depth: 2) == ["live", "deleted", "erased"])
            let parsed = try parseObject(status.stdout)
            #expect(parsed.string("store") == store.path)
            #expect(parsed.string("replica") == store.replica)
            #expect(parsed.string("name") == "alice")
            #expect((parsed["notes"] as? [String: Int]) == ["live": 1, "deleted": 0, "erased": 0])
            #expect(parsed["conflicts"] as? Int == 0)
            #expect(parsed.isNull("hub") && parsed.isNull("hub_device") && parsed.isNull("last_sync"), "never synced")
            let operations = try #require(parsed["operations"] as? Int)
            #expect(operations > 0)
            #expect(parsed["local_operations"] as? Int == operations)
        }
    }

    @Test func statusTableMatchesTheJSON() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore(device: "alice")
            let id = try store.add("--title", "One")
            _ = try store.add("--title", "Two")
            expectSuccess(try store.run("delete", id))
            let table = try store.run("status")
            expectSuccess(table)
            let lines = table.output.components(separatedBy: "\n")
            func row(_ name: String) -> String? {
                lines.first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count)).trimmingCharacters(in: .whitespaces) }
            }
            #expect(row("store") == store.path)
            #expect(row("replica") == "\(store.replica) (alice)")
            #expect(row("notes") == "1 live, 1 deleted, 0 erased")
            #expect(row("digest") == (try store.digest()))
        }
    }

    @Test func operationsGrowWithEachWrite() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let before = try #require(try store.status()["operations"] as? Int)
            // create, title, occurred_at
            _ = try store.add("--title", "Three operations")
            #expect(try store.status()["operations"] as? Int == before + 3)
        }
    }

    @Test func theDigestIsStableAcrossReadOnlyCommands() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Read me", "--body", "words to find", "--tag", "t", "--measure", "ucla3=5")
            let gone = try store.add("--title", "Deleted")
            expectSuccess(try store.run("delete", gone))
            let digest = try store.digest()
            let readers: [[String]] = [
                ["show", id], ["show", id, "--format", "json"], ["show", gone],
                ["list"], ["list", "--format", "json"], ["list", "--include-deleted"], ["list", "--tag", "t", "--since", "2000-01-01"],
                ["search", "words"], ["search", "find*", "--format", "json", "--include-deleted"],
                ["conflicts"], ["conflicts", "--format", "json"], ["status"], ["status", "--format", "json"],
                ["--help"], ["show", "--help"], ["show", "ffffff"], ["edit", id, "--measure", "ucla3=99"], ["list", "--since", "never"],
            ]
            for arguments in readers {
                let ran = try store.run(arguments)
                #expect(ran.status == 0 || ran.stderr.hasPrefix("fieldnotes: error:"), "\(ran)")
                #expect(try store.digest() == digest, "\(arguments) changed the digest")
            }
        }
    }

    @Test func everyWriteChangesTheDigest() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let file = try sandbox.write("one.ndjson", "{\"title\": \"Imported\"}\n")
            var digest = try store.digest()
            var id = ""
            let writes: [(String, () throws -> Void)] = [
                ("add", { id = try store.add("--title", "First") }),
                ("edit title", { expectSuccess(try store.run("edit", id, "--title", "Renamed")) }),
                ("edit tag", { expectSuccess(try store.run("edit", id, "--add-tag", "new")) }),
                ("edit measure", { expectSuccess(try store.run("edit", id, "--measure", "ucla3=3")) }),
                ("unset", { expectSuccess(try store.run("edit", id, "--unset", "ucla3")) }),
                ("delete", { expectSuccess(try store.run("delete", id)) }),
                ("restore", { expectSuccess(try store.run("restore", id)) }),
                ("import", { expectSuccess(try store.run("import", file)) }),
                ("erase", { expectSuccess(try store.run("erase", id, "--reason", "test", "--yes")) }),
            ]
            for (name, write) in writes {
                try write()
                let next = try store.digest()
                #expect(next != digest, "\(name) left the digest unchanged")
                digest = next
            }
        }
    }
}
