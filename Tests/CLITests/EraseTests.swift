import Foundation
import SQLite
import Store
import Testing
import TestSupport

@Suite("erase")
struct EraseTests {
    @Test func eraseWithoutYesAndNoTerminalErasesNothing() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Not yet", "--body", "keep this")
            let before = try store.run("show", id, "--format", "json")
            let digest = try store.digest()
            // Standard input is a pipe, even one that says "erase".
            let refused = try store.run(["erase", id, "--reason", "consent withdrawn"], stdin: Data("erase\n".utf8))
            expectFailure(refused, status: 1, mentioning: ["--yes"])
            #expect(try store.run("show", id, "--format", "json").stdout == before.stdout)
            #expect(try store.digest() == digest)
        }
    }

    static let scriptPath = "/usr/bin/script"

    /// On a terminal (a pseudo-terminal from util-linux `script`), erase asks,
    /// and only the word "erase" confirms.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: EraseTests.scriptPath), "needs util-linux script for a terminal"))
    func eraseOnATerminalAsksAndOnlyEraseConfirms() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Ask first", "--body", "maybe keep")
            func onTerminal(typing answer: String) throws -> Execution {
                try store.runOnTerminal(["erase", id, "--reason", "consent withdrawn"], typed: answer + "\n")
            }

            let declined = try onTerminal(typing: "yes")
            #expect(declined.status == 1, "\(declined)")
            #expect(declined.stdout.contains("Type 'erase' to confirm"))
            #expect(declined.stdout.contains("Ask first"))
            #expect(declined.stdout.contains("fieldnotes: error: not confirmed; nothing was erased"))
            #expect(try store.show(id).string("body") == "maybe keep")

            let confirmed = try onTerminal(typing: "erase")
            #expect(confirmed.status == 0, "\(confirmed)")
            #expect(confirmed.stdout.contains(id))
            #expect(try store.show(id).bool("erased") == true)
        }
    }

    @Test func eraseNeedsAReason() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Reasonless")
            let digest = try store.digest()
            expectFailure(try store.run("erase", id, "--yes"), status: 2, mentioning: ["--reason"])
            expectFailure(try store.run("erase", id, "--yes", "--reason", "  "), status: 2, mentioning: ["--reason"])
            #expect(try store.digest() == digest)
        }
    }

    @Test func anErasedNoteShowsOnlyThatItWasErased() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let kept = try store.add("--title", "Neighbour", "--body", "unrelated")
            let id = try store.add("--title", "Withdrawn", "--body", "private words", "--kind", "interview", "--area", "Docks", "--new-area",
                                   "--participant", "P-44", "--consent", "withdrawn", "--measure", "ucla3=8", "--tag", "secret")
            let digest = try store.digest()

            let erased = try store.run("erase", String(id.prefix(10)), "--reason", "consent withdrawn", "--yes")
            expectSuccess(erased)
            #expect(erased.output == id)
            #expect(try store.digest() != digest)

            let note = try store.show(id)
            #expect(objectKeys(try store.run("show", id, "--format", "json").stdout, depth: 1) == noteKeys)
            #expect(note.string("id") == id)
            #expect(note.bool("erased") == true)
            for field in ["title", "body", "kind", "area", "occurred_at", "participant", "consent"] {
                #expect(note.isNull(field), "\(field) survived the erase")
            }
            #expect(note.strings("tags") == [])
            #expect(note.measures == [:])

            let table = try store.run("show", id)
            expectSuccess(table)
            #expect(table.stdout.contains("erased"))
            for word in ["Withdrawn", "private", "Docks", "P-44", "secret", "ucla3"] {
                #expect(!table.stdout.contains(word), "show still prints \(word)")
            }

            #expect(try store.listIDs() == [kept])
            let all = try store.run("list", "--include-deleted")
            expectSuccess(all)
            #expect(all.stdout.contains("(erased)"))
            #expect(!all.stdout.contains("Withdrawn"))
            let found = try store.run("search", "private")
            expectSuccess(found, stderr: "fieldnotes: nothing matches")
            #expect((try store.status()["notes"] as? [String: Int]) == ["live": 1, "deleted": 0, "erased": 1])
            #expect(try store.show(kept).string("body") == "unrelated")
        }
    }

    @Test func anErasedNoteCannotBeEditedDeletedRestoredOrErasedAgain() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Gone")
            expectSuccess(try store.run("erase", id, "--reason", "test", "--yes"))
            let digest = try store.digest()
            expectFailure(try store.run("edit", id, "--title", "Back"), status: 1, mentioning: ["erased"])
            expectFailure(try store.run("delete", id), status: 1, mentioning: ["erased"])
            expectFailure(try store.run("restore", id), status: 1, mentioning: ["erased"])
            expectFailure(try store.run("erase", id, "--reason", "again", "--yes"), status: 1, mentioning: ["already erased"])
            #expect(try store.digest() == digest)
        }
    }

    /// The strongest promise erase makes: the words are gone from the bytes on
    /// disk, including the write-ahead log. A second connection stays open so
    /// the WAL outlives each CLI process; the files are read by `cat`, because
    /// opening and closing them in this process would drop that connection's
    /// POSIX locks and let the CLI fold the WAL away as the last connection.
    @Test func erasePurgesTheTextFromTheDatabaseAndWALFiles() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "Neighbour", "--body", "An ordinary note that stays.")
            let secrets = ["zephyrwhistle", "marmaladeventure", "thunderquokka", "pseudoflamingo", "wolds", "glockenspielery"]
            let id = try store.add("--title", "Quixotic Zephyrwhistle", "--body", "Marmaladeventure, she said, twice: marmaladeventure.",
                                   "--participant", "Pseudoflamingo", "--area", "Wolds", "--tag", "glockenspielery")
            expectSuccess(try store.run("edit", id, "--body", "A second version about the thunderquokka."))
            let wal = store.path + "-wal"

            let holder = try Store.open(at: store.path)
            try withExtendedLifetime(holder) {
                expectSuccess(try store.run("edit", id, "--add-tag", "glockenspielery-two"))
                let walBefore = try #require(try Self.lowercasedBytes(of: wal), "the held connection should keep the WAL")
                for secret in ["zephyrwhistle", "thunderquokka", "glockenspielery"] {
                    #expect(walBefore.range(of: Data(secret.utf8)) != nil, "\(secret) never reached the WAL, so this test proves nothing")
                }

                expectSuccess(try store.run("erase", id, "--reason", "consent withdrawn", "--yes"))
                let database = try #require(try Self.lowercasedBytes(of: store.path))
                let walAfter = try #require(try Self.lowercasedBytes(of: wal), "the WAL should still exist, truncated")
                for secret in secrets {
                    #expect(database.range(of: Data(secret.utf8)) == nil, "\(secret) is still in the database file")
                    #expect(walAfter.range(of: Data(secret.utf8)) == nil, "\(secret) is still in the WAL")
                }
                #expect(try store.show(id).bool("erased") == true)
            }
            for path in [store.path, wal] {
                let bytes = try Self.lowercasedBytes(of: path) ?? Data()
                for secret in secrets { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) came back in \(path)") }
            }
            #expect(try store.list().count == 1)
        }
    }

    /// Another program holding a read transaction open stops the checkpoint
    /// that wipes the files, as long as it likes. The erase still commits,
    /// exits 0 and says the wiping waits (before, it waited 10 s and reported
    /// "database is locked"); the next command after the reader finishes wipes
    /// the text before anything else. A second connection stays open all
    /// along, so no process's closing folds the WAL away instead.
    @Test func eraseBesideAReaderCommitsAndTheNextCommandWipesTheFiles() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let secrets = ["zephyrwhistle", "marmaladeventure", "pseudoflamingo"]
            let id = try store.add("--title", "Quixotic Zephyrwhistle", "--body", "Marmaladeventure, she said.", "--participant", "Pseudoflamingo")
            let files = [store.path, store.path + "-wal"]
            func secretsOnDisk() throws -> [String] {
                let contents = try files.compactMap { try Self.lowercasedBytes(of: $0) }
                return secrets.filter { secret in contents.contains { $0.range(of: Data(secret.utf8)) != nil } }
            }

            let holder = try Database(path: store.path, mode: .readOnly)
            _ = try holder.first("SELECT 1 FROM meta") { $0.int64(0) }
            try withExtendedLifetime(holder) {
                let reader = try Database(path: store.path, mode: .readOnly)
                try reader.execute("BEGIN")
                #expect(try reader.first("SELECT count(*) FROM records") { $0.int64(0) } ?? 0 > 0)

                let started = ContinuousClock.now
                let erased = try store.run("erase", id, "--reason", "consent withdrawn", "--yes")
                #expect(ContinuousClock.now - started < .seconds(8), "erase waited for the reader as if it were a writer")
                #expect(erased.status == 0, "\(erased)")
                #expect(erased.output == id)
                #expect(erased.stderrLines == ["fieldnotes: erased note \(id.prefix(8)), but another program is using the store, so its old "
                                               + "text stays in the store's files until the next fieldnotes command after that program "
                                               + "finishes; that command wipes it first"], "\(erased)")
                #expect(try reader.first("SELECT count(*) FROM records WHERE erased = 1") { $0.int64(0) } == 0, "the reader's snapshot moved")
                #expect(try secretsOnDisk() == secrets, "the reader did not keep the text in the files, so this test proves nothing")

                try reader.execute("COMMIT")
                let listed = try store.run("list", "--include-deleted")
                expectSuccess(listed)
                #expect(listed.stdout.contains("(erased)"))
                #expect(try secretsOnDisk() == [], "the next command after the reader left the text in the files")
                #expect(try store.show(id).bool("erased") == true)
            }
        }
    }

    /// A file's bytes with ASCII letters lowercased (the text index stores
    /// lowercase tokens), read by `cat` in a child process; nil if it does not exist.
    static func lowercasedBytes(of path: String) throws -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cat")
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let bytes = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return Data(bytes.map { (65...90).contains($0) ? $0 + 32 : $0 })
    }
}
