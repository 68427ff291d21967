import CRDT
import Foundation
import SQLite
import Store
import Sync
import Testing

extension SyncSuite {
    /// `hub backup` and `backup` while stores are in use, and `hub restore`
    /// and `restore-backup` losing nothing, against real hubs and devices.
    @Suite("backup and restore")
    struct BackupRestoreTests {
        static func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }

        /// What SQLite itself says of a file, opened read-only.
        static func integrity(_ path: String) throws -> [String] {
            try Database(path: path, mode: .readOnly).query("PRAGMA integrity_check") { $0.text(0) }
        }

        @Test func aHubBackupTakenWhileDevicesSyncIsWholeAndHoldsWhatWasSyncedBefore() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let bob = try workspace.makeStore("bob.sqlite", device: "bob")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try bob.join(try hub.enroll("bob"))
                    let before = Set((1 ... 20).map { "before backup \($0)" })
                    for title in before { try alice.add("--title", title) }
                    try alice.syncSucceeds()
                    // Bob sends 1,500 notes (16,500 operations, many batches) while three backups run.
                    try bob.succeed("import", try workspace.notesFile("bulk.ndjson", count: 1500, prefix: "bulk"))
                    let syncing = try bob.start(["sync", "--timeout", "60"])
                    // Backups one after another until the sync ends (at least three, at most ten).
                    var backups: [String] = []
                    while backups.count < 3 || (syncing.isRunning && backups.count < 10) {
                        let path = workspace.path("backup-\(backups.count + 1).sqlite")
                        let made = try hubStore.run(["hub", "backup", path])
                        try #require(made.status == 0, "\(made)")
                        #expect(made.stdout.contains("and its key to \(path).key"), "\(made)")
                        backups.append(path)
                    }
                    let synced = syncing.finish(within: 180)
                    try #require(synced.status == 0, "\(synced)")
                    var bulkCounts: [Int] = []
                    for path in backups {
                        #expect(try Self.integrity(path) == ["ok"], "\(path)")
                        #expect(try Self.mode(path) == 0o600)
                        #expect(try Self.mode(path + ".key") == 0o600)
                        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "a backup is one file")
                        let copy = StoreHandle(workspace: workspace, path: path, name: "backup", replica: hubStore.replica)
                        let titles = try copy.titles()
                        #expect(titles.isSuperset(of: before), "\(path) lacks notes synced before it began")
                        // A cut at a commit: the hub takes each origin's operations with no gap, one batch
                        // per transaction, so each origin's log in the copy runs 1...max with none missing.
                        let logs = try Database(path: path, mode: .readOnly)
                            .query("SELECT count(*), max(seq) FROM ops GROUP BY origin") { ($0.int64(0), $0.int64(1)) }
                        #expect(!logs.isEmpty && logs.allSatisfy { $0.0 == $0.1 }, "\(logs)")
                        bulkCounts.append(titles.filter { $0.hasPrefix("bulk ") }.count)
                    }
                    // Each backup is a later cut of the same history: never fewer of bob's notes than the one before.
                    #expect(bulkCounts == bulkCounts.sorted(), "\(bulkCounts)")
                    let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.directory.path).filter { $0.contains(".partial-") }
                    #expect(leftovers.isEmpty, "\(leftovers)")

                    // An existing file is kept unless --force.
                    let sizeBefore = try FileManager.default.attributesOfItem(atPath: backups[0])[.size] as? Int
                    let refused = try hubStore.run(["hub", "backup", backups[0]])
                    #expect(refused.status == 1 && refused.stderr.contains("already exists") && refused.stderr.contains("--force"), "\(refused)")
                    #expect(try FileManager.default.attributesOfItem(atPath: backups[0])[.size] as? Int == sizeBefore)
                    try hubStore.succeed("hub", "backup", backups[0], "--force")
                    #expect(try Self.integrity(backups[0]) == ["ok"])
                    #expect(try StoreHandle(workspace: workspace, path: backups[0], name: "backup", replica: hubStore.replica).titles().count == 1520)

                    // hub status: serving, the time of the last backup.
                    let status = try parseArray(try hubStore.run(["hub", "status", "--format", "json"]).stdout)
                    let byName = Dictionary(status.compactMap { row in (row["check"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
                    #expect(byName["hub"]?["status"] as? String == "OK")
                    #expect((byName["hub"]?["message"] as? String)?.contains("serving") == true)
                    #expect(byName["backup"]?["status"] as? String == "OK")
                    #expect((byName["backup"]?["message"] as? String)?.hasPrefix("last backup 20") == true, "\(byName["backup"] ?? [:])")
                }
            }
        }

        /// The issue's scenario: back up the hub, sync more notes (and the hub
        /// writes a change of its own), restore the backup, write on the hub
        /// again before any device returns, sync: nothing is lost anywhere.
        @Test func aHubRestoredFromItsBackupLosesNothing() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let bob = try workspace.makeStore("bob.sqlite", device: "bob")
                let backup = workspace.path("hub-backup.sqlite")
                let oldHub = hubStore.replica
                let address = try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try bob.join(try hub.enroll("bob"))
                    for index in 1 ... 3 { try alice.add("--title", "A before \(index)") }
                    try alice.syncSucceeds()
                    try bob.add("--title", "B before")
                    try bob.syncSucceeds()
                    try hubStore.succeed("hub", "backup", backup)
                    let refused = try hubStore.run(["hub", "restore", backup])
                    #expect(refused.status == 1 && refused.stderr.contains("a hub is serving"), "\(refused)")

                    for index in 1 ... 3 { try alice.add("--title", "A after \(index)") }
                    try alice.syncSucceeds()
                    for index in 1 ... 2 { try bob.add("--title", "B after \(index)") }
                    try bob.syncSucceeds()
                    // The hub writes a change of its own (an export's audit event), which both fetch.
                    try hubStore.succeed("export", "csv", "--out", workspace.path("export-1"))
                    try alice.syncSucceeds()
                    try bob.syncSucceeds()
                    return hub.address
                }
                let hubOwnBefore = try hubStore.versionVector()[oldHub]
                #expect(try alice.versionVector()[oldHub] == hubOwnBefore)

                let restored = try hubStore.succeed("hub", "restore", backup)
                #expect(restored.stdout.contains("restored the hub store"), "\(restored)")
                // The backup restored is the last one taken (hub status said "never backed up": a new user's try).
                let status = try parseArray(try hubStore.run(["hub", "status", "--format", "json"]).stdout)
                let backupRow = status.first { $0["check"] as? String == "backup" }
                #expect(backupRow?["status"] as? String == "OK" && (backupRow?["message"] as? String)?.hasPrefix("last backup 20") == true,
                        "\(backupRow ?? [:])")
                let afterRestore = try Store.open(at: hubStore.path)
                let newHub = afterRestore.replica
                #expect(newHub != oldHub, "the restored hub writes under a fresh id")
                #expect(try afterRestore.versionVector()[oldHub] < hubOwnBefore, "the backup predates the hub's audit event")
                #expect(try hubStore.titles() == ["A before 1", "A before 2", "A before 3", "B before"])
                // The hub writes again before any device returns: under its new id, so no seq of the old one is reused.
                try hubStore.succeed("export", "csv", "--out", workspace.path("export-2"))
                #expect(try hubStore.versionVector()[oldHub] < hubOwnBefore)

                try HubProcess.with(hubStore, listen: address) { hub in
                    try alice.syncSucceeds()
                    try bob.syncSucceeds()
                    try alice.syncSucceeds()
                    try bob.syncSucceeds()
                    #expect(hub.child.stderrText.contains("restored from a backup"), "the hub says it is taking back what the backup lacked")
                }
                let expected: Set<String> = ["A before 1", "A before 2", "A before 3", "B before", "A after 1", "A after 2", "A after 3",
                                             "B after 1", "B after 2"]
                for store in [alice, bob, hubStore] {
                    #expect(try store.titles() == expected, "\(store.name)")
                }
                #expect(try hubStore.versionVector()[oldHub] == hubOwnBefore, "the hub took its lost audit event back")
                #expect(try alice.versionVector()[newHub] > 0, "the devices fetched what the hub wrote after the restore")
                #expect(try alice.digest() == (try hubStore.digest()))
                #expect(try bob.digest() == (try hubStore.digest()))
            }
        }

        /// A laptop lost after its backup: restored from it (store and key) on
        /// a fresh path, it writes more, syncs, and nothing is lost.
        @Test func aDeviceRestoredFromItsBackupLosesNothing() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let bob = try workspace.makeStore("bob.sqlite", device: "bob")
                let backup = workspace.path("alice-backup.sqlite")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try bob.join(try hub.enroll("bob"))
                    for index in 1 ... 3 { try alice.add("--title", "A before \(index)") }
                    try alice.syncSucceeds()
                    let made = try alice.succeed("backup", backup)
                    #expect(made.stdout.contains("and its key"), "\(made)")
                    #expect(try Self.integrity(backup) == ["ok"])
                    for index in 1 ... 3 { try alice.add("--title", "A after \(index)") }
                    try alice.syncSucceeds()
                    try bob.syncSucceeds()

                    // Restoring over a store that exists needs --force, and leaves it alone without.
                    let refused = try alice.run(["restore-backup", backup])
                    #expect(refused.status == 1 && refused.stderr.contains("--force"), "\(refused)")
                    #expect(try alice.titles().count == 6)

                    // The laptop is lost: a new one gets the backup, store and key.
                    for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: alice.path + suffix) }
                    let restored = try alice.succeed("restore-backup", backup)
                    #expect(restored.stdout.contains("with its key file"), "\(restored)")
                    #expect(try Self.mode(alice.path) == 0o600)
                    #expect(try alice.titles() == ["A before 1", "A before 2", "A before 3"])
                    // It writes before syncing, under ids the hub already holds for "A after".
                    for index in 1 ... 2 { try alice.add("--title", "A restored \(index)") }
                    try alice.syncSucceeds()
                    try alice.syncSucceeds()
                    try bob.syncSucceeds()
                    try alice.syncSucceeds()
                }
                let expected: Set<String> = ["A before 1", "A before 2", "A before 3", "A after 1", "A after 2", "A after 3",
                                             "A restored 1", "A restored 2"]
                for store in [alice, bob, hubStore] {
                    #expect(try store.titles() == expected, "\(store.name)")
                }
                #expect(try alice.digest() == (try hubStore.digest()))
                #expect(try bob.digest() == (try hubStore.digest()))
            }
        }

        /// Restoring over a store that never joined a hub: its changes the
        /// backup lacks are in no hub either, so the refusal counts them (it
        /// said nothing, and --force then dropped a note: a new user's try);
        /// a backup of another store is named as such; a bad backup is named
        /// before anyone is asked for --force.
        @Test func restoringOverAStoreSaysWhatWouldBeLostFirst() throws {
            try Workspace.with { workspace in
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let bob = try workspace.makeStore("bob.sqlite", device: "bob")
                try alice.add("--title", "in the backup")
                let backup = workspace.path("alice-backup.sqlite")
                try alice.succeed("backup", backup)
                try alice.add("--title", "after the backup")
                try alice.add("--title", "after it too")
                let refused = try alice.run(["restore-backup", backup])
                #expect(refused.status == 1 && lastErrorLine(refused).contains("6 of its changes are not in the backup")
                        && lastErrorLine(refused).contains("--force"), "\(refused)")
                let foreign = try bob.run(["restore-backup", backup])
                #expect(foreign.status == 1 && lastErrorLine(foreign).contains("the backup is of another store"), "\(foreign)")
                let missing = try alice.run(["restore-backup", workspace.path("missing.sqlite")])
                #expect(missing.status == 1 && lastErrorLine(missing).contains("cannot read the backup") && !lastErrorLine(missing).contains("--force"),
                        "\(missing)")
                let directory = try alice.run(["restore-backup", workspace.path(".")])
                #expect(directory.status == 1 && lastErrorLine(directory).contains("is a directory"), "\(directory)")
                // The store given as its own backup ("restored s.sqlite from s.sqlite", a reviewer's try), and a hub's backup.
                let itself = try alice.run(["restore-backup", alice.path, "--force"])
                #expect(itself.status == 1 && lastErrorLine(itself).contains("is the store itself"), "\(itself)")
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                try hubStore.succeed("hub", "enroll", "field-1", "--address", "127.0.0.1:7420")
                let hubBackup = workspace.path("hub-backup.sqlite")
                try hubStore.succeed("hub", "backup", hubBackup)
                let fromHub = try alice.run(["restore-backup", hubBackup, "--force"])
                #expect(fromHub.status == 1 && lastErrorLine(fromHub).contains("hub restore"), "\(fromHub)")
                #expect(try alice.titles() == ["in the backup", "after the backup", "after it too"])
            }
        }

        /// `backup STORE.key --force` once wrote the database over the key file
        /// (and the key to STORE.key.key), and the next sync failed. Every one
        /// of the store's own files is refused, with --force or without, for
        /// `backup` and `hub backup`; the key and the store stay as they were.
        @Test func backupRefusesTheStoresOwnFilesAndTheKeyStillSyncs() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try alice.add("--title", "before")
                    try alice.syncSucceeds()
                    for (store, command) in [(alice, ["backup"]), (hubStore, ["hub", "backup"])] {
                        let key = store.path + ".key"
                        let keyBytes = try Data(contentsOf: URL(fileURLWithPath: key))
                        let digest = try store.digest()
                        let targets = [(key, "the store's key file"), (workspace.path("./\(store.name).sqlite.key"), "the store's key file"),
                                       (store.path, "the store itself"), (store.path + "-wal", "the store's write-ahead log"),
                                       (store.path + "-shm", "the store's shared-memory file"), (store.path + "-journal", "the store's rollback journal"),
                                       // Overwritten while a hub serves, it let a second hub serve the same store (a reviewer's try).
                                       (store.path + ".hub", "the hub's status and lock file")]
                        for (target, what) in targets {
                            for force in [["--force"], []] {
                                let run = try store.run(command + [target] + force)
                                #expect(run.status == 1 && run.stdout.isEmpty, "\(run)")
                                #expect(run.stderrLines == ["fieldnotes: error: \(target) is \(what); choose another FILE for the backup; nothing was written"], "\(run)")
                            }
                        }
                        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == keyBytes, "the key file is untouched")
                        #expect(!FileManager.default.fileExists(atPath: key + ".key"))
                        #expect(!FileManager.default.fileExists(atPath: store.path + "-journal"))
                        #expect(try store.digest() == digest)
                    }
                    try alice.add("--title", "after")
                    try alice.syncSucceeds()
                }
                #expect(try hubStore.titles() == Set(["before", "after"]))
            }
        }

        @Test func aDamagedOrForeignBackupIsRefusedAndTheStoreKept() throws {
            try Workspace.with { workspace in
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                try alice.add("--title", "kept")
                let junk = workspace.path("junk.sqlite")
                try Data("not a database at all, just text that is long enough to look like a header".utf8).write(to: URL(fileURLWithPath: junk))
                let refused = try alice.run(["restore-backup", junk, "--force"])
                #expect(refused.status == 1 && refused.stderr.contains("nothing was changed"), "\(refused)")
                #expect(try alice.titles() == ["kept"])
                let missing = try alice.run(["restore-backup", workspace.path("missing.sqlite"), "--force"])
                #expect(missing.status == 1 && missing.stderr.contains("cannot read the backup"), "\(missing)")
                #expect(try alice.titles() == ["kept"])
            }
        }

        /// doctor on a joined laptop: the hub answering, then not; unsynced changes counted.
        @Test func doctorChecksTheHubAndUnsyncedChanges() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                func checks(_ store: StoreHandle, _ arguments: [String]) throws -> (Int32, [String: [String: Any]]) {
                    let result = try store.run(arguments + ["--format", "json"])
                    let rows = try parseArray(result.stdout)
                    let needsAction = rows.contains { $0["status"] as? String != "OK" }
                    #expect(result.status == (needsAction ? 1 : 0), "\(result)")
                    return (result.status, Dictionary(rows.compactMap { row in (row["check"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a }))
                }
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try alice.add("--title", "synced")
                    try alice.syncSucceeds()
                    var (_, rows) = try checks(alice, ["doctor"])
                    #expect(rows["hub"]?["status"] as? String == "OK", "\(rows)")
                    #expect(rows["clock"]?["status"] as? String == "OK")
                    #expect((rows["clock"]?["message"] as? String)?.contains("agreed") == true, "the skew was recorded at the sync")
                    #expect((rows["unsynced"]?["message"] as? String)?.contains("every change has reached the hub") == true)
                    for index in 1 ... 2 { try alice.add("--title", "waiting \(index)") }
                    (_, rows) = try checks(alice, ["doctor"])
                    #expect((rows["unsynced"]?["message"] as? String)?.hasPrefix("2 records") == true, "\(rows["unsynced"] ?? [:])")
                    for name in ["store", "permissions", "encryption", "disk", "schema"] { #expect(rows[name] != nil, "\(name)") }
                    #expect(rows["key"]?["status"] as? String == "OK", "\(rows["key"] ?? [:])")
                    // Its key moved away (a store copied without it): doctor says this laptop cannot sync (it said all was well).
                    let key = alice.path + ".key"
                    try FileManager.default.moveItem(atPath: key, toPath: key + ".aside")
                    (_, rows) = try checks(alice, ["doctor"])
                    #expect(rows["key"]?["status"] as? String == "FAIL" && (rows["key"]?["message"] as? String)?.contains("no key file") == true,
                            "\(rows["key"] ?? [:])")
                    try FileManager.default.moveItem(atPath: key + ".aside", toPath: key)

                    // hub status: a pending code, and a device not seen for 20 days.
                    _ = try hub.enroll("carol")
                    let database = try Database(path: hubStore.path)
                    try database.run("UPDATE devices SET last_seen_ms = ? WHERE name = 'alice'", [.integer(Int64(Store.systemMillis()) - 20 * 86_400_000)])
                    let (status, hubRows) = try checks(hubStore, ["hub", "status"])
                    #expect(status == 1)
                    #expect(hubRows["devices"]?["status"] as? String == "WARN")
                    #expect((hubRows["devices"]?["message"] as? String)?.contains("alice (20 days)") == true, "\(hubRows["devices"] ?? [:])")
                    #expect((hubRows["codes"]?["message"] as? String)?.contains("carol") == true)
                    #expect(hubRows["backup"]?["status"] as? String == "WARN", "never backed up")
                    let (_, quiet) = try checks(hubStore, ["hub", "status", "--stale-days", "30"])
                    #expect(quiet["devices"]?["status"] as? String == "OK")
                }
                // The hub has stopped: doctor says so and exits 1; hub status too.
                let (status, rows) = try checks(alice, ["doctor"])
                #expect(status == 1)
                #expect(rows["hub"]?["status"] as? String == "WARN")
                #expect((rows["hub"]?["message"] as? String)?.contains("cannot reach the hub") == true)
                let (_, hubRows) = try checks(hubStore, ["hub", "status"])
                #expect(hubRows["hub"]?["status"] as? String == "WARN")
                #expect((hubRows["hub"]?["message"] as? String)?.contains("no hub is serving") == true)
            }
        }
    }
}
