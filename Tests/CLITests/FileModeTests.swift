import Foundation
import Testing

/// Stores, their -wal and -shm files and the default store's directory are
/// owner-only; `status` warns, with the chmod that fixes it, when they are not.
@Suite("file modes")
struct FileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    static func chmod(_ path: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func initCreatesAStoreReadableByItsOwnerOnly() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            #expect(try Self.mode(store.path) == 0o600)
        }
    }

    @Test func walAndShmFilesAreOwnerOnlyToo() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            // The CLI's last connection usually removes them on exit; StoreTests checks them while open.
            _ = try store.add("--title", "Kept in the WAL")
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: store.path + suffix) {
                #expect(try Self.mode(store.path + suffix) == 0o600, "\(suffix)")
            }
        }
    }

    @Test func theDefaultStoreDirectoryIsOwnerOnly() throws {
        try Sandbox.with { sandbox in
            expectSuccess(try sandbox.run(["init", "--name", "default"]), stderr: "fieldnotes: created \(sandbox.path("xdg/fieldnotes/store.sqlite")) for 'default'")
            #expect(try Self.mode(sandbox.path("xdg/fieldnotes")) == 0o700)
            #expect(try Self.mode(sandbox.path("xdg/fieldnotes/store.sqlite")) == 0o600)
            expectSuccess(try sandbox.run(["status"]))
        }
    }

    @Test func statusOnAnOwnerOnlyStoreDoesNotWarn() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "Private")
            let status = try store.run("status", "--format", "json")
            expectSuccess(status)
            #expect((try parseObject(status.stdout)["file_mode_warnings"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func statusWarnsWhenOthersCanReadTheStore() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try Self.chmod(store.path, 0o644)
            let status = try store.run("status", "--format", "json")
            #expect(status.status == 0, "\(status)")
            // status opened the store, so SQLite made -wal and -shm with the store's new mode: they are listed too
            // (and removed again when status closed it).
            let line = { (path: String) in "fieldnotes: warning: \(path) can be read or written by others (mode 0644); run chmod 600 \(path)" }
            #expect(status.stderrLines.first == line(store.path), "\(status)")
            #expect(Set(status.stderrLines).isSubset(of: [store.path, store.path + "-wal", store.path + "-shm"].map(line)), "\(status)")
            let warnings = try #require(try parseObject(status.stdout)["file_mode_warnings"] as? [[String: String]])
            #expect(warnings.first == ["path": store.path, "mode": "0644", "fix": "chmod 600 \(store.path)"])
            #expect(warnings.count == status.stderrLines.count)
            let table = try store.run("status")
            #expect(table.status == 0 && table.stderr.contains("run chmod 600 \(store.path)"), "\(table)")
        }
    }

    @Test func statusWarnsWhenTheDefaultStoreDirectoryIsOpen() throws {
        try Sandbox.with { sandbox in
            _ = try sandbox.run(["init", "--name", "default"])
            let directory = sandbox.path("xdg/fieldnotes")
            try Self.chmod(directory, 0o755)
            let status = try sandbox.run(["status"])
            #expect(status.status == 0, "\(status)")
            #expect(status.stderrLines == ["fieldnotes: warning: \(directory) can be read or written by others (mode 0755); run chmod 700 \(directory)"],
                    "\(status)")
        }
    }
}
