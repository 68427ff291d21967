import Foundation
import Testing
import TestSupport

/// `fieldnotes doctor` on a laptop that has not joined a hub, and `backup`
/// of such a store; the hub and sync checks run against a real hub in
/// SyncTests ("backup and restore").
@Suite("doctor")
struct DoctorTests {
    static func rows(_ result: Execution) throws -> [String: [String: Any]] {
        let rows = try parseArray(result.stdout)
        #expect(rows.allSatisfy { ["OK", "WARN", "FAIL"].contains($0["status"] as? String ?? "") && ($0["message"] as? String)?.isEmpty == false })
        let needsAction = rows.contains { $0["status"] as? String != "OK" }
        #expect(result.status == (needsAction ? 1 : 0), "\(result)")
        return Dictionary(rows.compactMap { row in (row["check"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
    }

    @Test func eachCheckIsOneLineWithAStatusWord() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: sandbox.directory.path)
            let table = try store.run("doctor")
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.count == 6, "\(table)")
            #expect(lines.allSatisfy { $0.hasPrefix("OK ") || $0.hasPrefix("WARN ") || $0.hasPrefix("FAIL ") }, "\(table)")
            let rows = try Self.rows(try store.run("doctor", "--format", "json"))
            #expect(Set(rows.keys) == ["store", "permissions", "encryption", "disk", "schema", "hub"])
            #expect(rows["permissions"]?["status"] as? String == "OK", "\(rows["permissions"] ?? [:])")
            #expect(rows["schema"]?["status"] as? String == "OK")
            #expect((rows["hub"]?["message"] as? String)?.contains("not joined") == true)
            // The exit status follows the lines: 1 exactly when one needs action.
            #expect(table.status == (lines.contains { !$0.hasPrefix("OK ") } ? 1 : 0))
        }
    }

    @Test func aStoreOthersCanReadFailsWithTheChmodThatFixesIt() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: store.path)
            let result = try store.run("doctor", "--format", "json")
            #expect(result.status == 1)
            let rows = try Self.rows(result)
            #expect(rows["permissions"]?["status"] as? String == "FAIL")
            #expect((rows["permissions"]?["message"] as? String)?.contains("chmod 600 '\(store.path)'") == true, "\(rows["permissions"] ?? [:])")
        }
    }

    @Test func aMissingStoreFailsAndSaysHowToMakeOne() throws {
        try Sandbox.with { sandbox in
            let result = try sandbox.run(["--store", sandbox.path("none.sqlite"), "doctor"])
            #expect(result.status == 1)
            #expect(result.stdout.hasPrefix("FAIL  store"), "\(result)")
            #expect(result.stdout.contains("fieldnotes init"), "\(result)")
        }
    }

    @Test func aBackupOfAStoreWithNoKeyIsOneOwnerOnlyFile() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "backed up")
            let file = sandbox.path("copy.sqlite")
            let made = try store.run("backup", file)
            #expect(made.status == 0 && made.stdout.contains("it has no key file"), "\(made)")
            #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600)
            let listed = try sandbox.run(["--store", file, "list", "--format", "json"])
            #expect(try parseArray(listed.stdout).compactMap { $0["title"] as? String } == ["backed up"])
            let usage = try store.run("backup")
            #expect(usage.status == 2, "\(usage)")
        }
    }
}
