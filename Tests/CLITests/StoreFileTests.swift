import Foundation
import Testing
import TestSupport

/// Stores that are missing, foreign, too new or unwritable: every command
/// fails with a message that says what to do, and nothing is written.
@Suite("store files")
struct StoreFileTests {
    static let commands: [[String]] = [["status"], ["list"], ["add", "--title", "x"], ["search", "x"], ["conflicts"], ["show", "abcdef"]]

    static var hasSQLite3: Bool { sqlite3Path != nil }
    static let sqlite3Path: String? = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/bin/sqlite3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs the sqlite3 shell on `path`.
    static func sqlite3(_ path: String, _ sql: String) throws -> String {
        let shell = try Child.run(URL(fileURLWithPath: try #require(sqlite3Path)), [path, sql])
        #expect(shell.status == 0, "sqlite3: \(shell.stderr)")
        return shell.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aMissingStoreIsReportedWithAHintToInitAndNotCreated() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("nowhere.sqlite")
            for command in Self.commands {
                let failed = try sandbox.run(["--store", path] + command)
                expectFailure(failed, status: 1, mentioning: ["no fieldnotes store at \(path)", "fieldnotes init"])
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aMissingDefaultStoreIsReportedWithAHintToInit() throws {
        try Sandbox.with { sandbox in
            let failed = try sandbox.run(["list"])
            expectFailure(failed, status: 1, mentioning: [sandbox.path("xdg/fieldnotes/store.sqlite"), "fieldnotes init"])
            #expect(!FileManager.default.fileExists(atPath: sandbox.path("xdg/fieldnotes")))
        }
    }

    @Test func aPlainTextFileIsNotAStoreAndIsLeftAlone() throws {
        try Sandbox.with { sandbox in
            let path = try sandbox.write("notes.txt", "Shopping: milk, eggs.\n")
            for command in Self.commands {
                expectFailure(try sandbox.run(["--store", path] + command), status: 1, mentioning: ["not a fieldnotes store"])
            }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "Shopping: milk, eggs.\n")
        }
    }

    @Test func anEmptyFileIsNotAStoreAndStaysEmpty() throws {
        try Sandbox.with { sandbox in
            let path = try sandbox.write("empty.sqlite", Data())
            for command in Self.commands {
                expectFailure(try sandbox.run(["--store", path] + command), status: 1, mentioning: ["not a fieldnotes store"])
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
        }
    }

    @Test(.enabled(if: StoreFileTests.hasSQLite3, "needs the sqlite3 shell"))
    func anotherSQLiteDatabaseIsNotAStoreAndIsLeftAlone() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("other.sqlite")
            _ = try Self.sqlite3(path, "CREATE TABLE recipes(name TEXT); INSERT INTO recipes VALUES ('soup');")
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            for command in Self.commands {
                expectFailure(try sandbox.run(["--store", path] + command), status: 1, mentioning: ["not a fieldnotes store", "SQLite"])
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try Self.sqlite3(path, "SELECT name FROM recipes") == "soup")
            #expect(try Self.sqlite3(path, "PRAGMA user_version") == "0")
        }
    }

    @Test func aDatabaseOfAnotherApplicationIsNotAStore() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "x")
            // PRAGMA application_id is the big-endian integer at offset 68 of the header.
            var bytes = try store.bytes()
            bytes.replaceSubrange(68..<72, with: [0x41, 0x42, 0x43, 0x44])
            try bytes.write(to: URL(fileURLWithPath: store.path))
            for command in Self.commands {
                expectFailure(try store.run(command), status: 1, mentioning: ["not a fieldnotes store", "another application"])
            }
            #expect(try store.bytes() == bytes)
        }
    }

    @Test func aStoreFromANewerVersionIsRefusedAndNotDowngraded() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "From the future")
            // PRAGMA user_version is the big-endian integer at offset 60 of the header.
            var bytes = try store.bytes()
            bytes.replaceSubrange(60..<64, with: [0, 0, 0, 99])
            try bytes.write(to: URL(fileURLWithPath: store.path))
            let csv = try sandbox.write("x.csv", "title\nx\n")
            for command in Self.commands + [["edit", "abcdef", "--title", "y"], ["import", csv]] {
                expectFailure(try store.run(command), status: 1, mentioning: ["newer fieldnotes", "schema 99", "upgrade fieldnotes"])
            }
            let after = try store.bytes()
            #expect(Array(after[60..<64]) == [0, 0, 0, 99])
            #expect(after == bytes)
            if Self.hasSQLite3 {
                #expect(try Self.sqlite3(store.path, "PRAGMA user_version") == "99")
            }
        }
    }

    /// Permission bits do not stop root, so use a place nobody can create files: /proc.
    @Test func aStoreInAnUnwritablePlaceIsReported() throws {
        try Sandbox.with { sandbox in
            let path = "/proc/fieldnotes-test/store.sqlite"
            expectFailure(try sandbox.run(["--store", path, "init", "--name", "x"]), status: 1, mentioning: ["cannot write \(path)"])
            expectFailure(try sandbox.run(["--store", path, "add", "--title", "x"]), status: 1, mentioning: ["fieldnotes init"])
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    /// A directory named as the store is called one (it was "cannot write
    /// DIR; check that the directory exists and is writable": a new user's try).
    @Test func aDirectoryIsNotAStore() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("folder")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            for command in Self.commands {
                expectFailure(try sandbox.run(["--store", path] + command), status: 1, mentioning: ["\(path) is not a fieldnotes store (a directory)"])
            }
            expectFailure(try sandbox.run(["--store", path, "init", "--name", "x"]), status: 1, mentioning: ["already exists"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: path).isEmpty)
        }
    }
}
