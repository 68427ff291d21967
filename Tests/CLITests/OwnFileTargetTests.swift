import Foundation
import Testing

/// Commands that write a path a person gives (`export --out`, `subject-access
/// --out`, `backup FILE`) refuse the store's own files, whether they exist yet
/// or not and with `--force` or without: `export json --out STORE.key --force`
/// on a store that had not joined a hub once wrote the notes where its key goes.
@Suite("the store's own files as a target")
struct OwnFileTargetTests {
    /// The names in the sandbox's directory (the store's `-wal` and `-shm` come and go with SQLite, so left out).
    static func names(_ sandbox: Sandbox) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path)
            .filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }.sorted()
    }

    @Test func everyWritingCommandRefusesTheStoresFilesThatDoNotExistYet() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore("v.sqlite")
            try store.add("--title", "Visit", "--body", "She talks about the bus.", "--participant", "P07")
            let digest = try store.digest()
            let before = try Self.names(sandbox)
            #expect(!before.contains("v.sqlite.key"), "a store that has not joined has no key file yet")
            let targets = [(store.path + ".key", "the store's key file"), (store.path + "-journal", "the store's rollback journal"),
                           (sandbox.path("./v.sqlite.key"), "the store's key file")]
            for (target, what) in targets {
                for force in [[], ["--force"]] {
                    for format in ["json", "csv", "qdpx", "report"] {
                        expectFailure(try store.run(["export", format, "--out", target] + force), status: 1,
                                      mentioning: ["\(target) is \(what); choose another --out path; nothing was written"])
                    }
                    expectFailure(try store.run(["subject-access", "P07", "--out", target] + force), status: 1,
                                  mentioning: ["\(target) is \(what); choose another --out path; nothing was written"])
                    expectFailure(try store.run(["backup", target] + force), status: 1,
                                  mentioning: ["\(target) is \(what); choose another FILE for the backup; nothing was written"])
                }
            }
            #expect(try Self.names(sandbox) == before, "nothing was written beside the store")
            #expect(try store.digest() == digest)
            let audit = try parseArray(expectSuccess(try store.run("audit", "--format", "json")).stdout)
            #expect(audit.isEmpty, "no export or subject access happened: \(audit)")
        }
    }

    @Test func backupRefusesTheStoreItselfAndAnyNameItsKeyWouldTake() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore("a.sqlite")
            try store.add("--title", "Visit")
            let digest = try store.digest()
            try FileManager.default.createDirectory(atPath: sandbox.path("sub"), withIntermediateDirectories: false)
            let before = try Self.names(sandbox)
            for target in [store.path, sandbox.path("sub/../a.sqlite")] {
                expectFailure(try store.run("backup", target, "--force"), status: 1,
                              mentioning: ["\(target) is the store itself; choose another FILE for the backup"])
            }
            // A store whose name ends in .key: backing up to its name without .key would write the key over the store.
            let odd = try sandbox.makeStore("b.key")
            let oddDigest = try odd.digest()
            expectFailure(try odd.run("backup", sandbox.path("b"), "--force"), status: 1,
                          mentioning: ["the backup's key file \(sandbox.path("b.key")) would be the store itself"])
            #expect(try odd.digest() == oddDigest)
            #expect(!FileManager.default.fileExists(atPath: sandbox.path("b")))
            #expect(try Self.names(sandbox) == (before + ["b.key"]).sorted())
            #expect(try store.digest() == digest)
        }
    }
}
