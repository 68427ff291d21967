import CRDT
import Foundation
import SQLite
import Store
import Sync
import Testing

extension SyncSuite {
    /// A store restored from an older backup, or copied to a second laptop,
    /// goes on writing under ids the hub already holds for other changes.
    /// Nothing may be dropped as a "duplicate": the forked copy re-issues its
    /// changes under a new replica id and every note reaches everyone.
    @Suite("forks")
    struct ForkTests {
        /// The reproduction, step by step: a laptop restored from a
        /// copy taken before five more notes were synced writes three more.
        @Test func aRestoredBackupLosesNothing() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let bob = try workspace.makeStore("bob.sqlite", device: "bob")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try bob.join(try hub.enroll("bob"))
                    for index in 1 ... 5 { try alice.add("--title", "A before backup \(index)") }
                    try alice.syncSucceeds()
                    try workspace.copyStore(alice.path, to: workspace.path("backup.sqlite"))
                    for index in 1 ... 5 { try alice.add("--title", "X after backup \(index)") }
                    try alice.syncSucceeds()

                    // The laptop dies; IT restores last week's copy.
                    try workspace.removeStore(alice.path)
                    try workspace.copyStore(workspace.path("backup.sqlite"), to: alice.path)
                    for index in 1 ... 3 { try alice.add("--title", "Y after restore \(index)") }
                    let recovered = try alice.sync()
                    try #require(recovered.status == 0, "\(recovered)")
                    #expect(recovered.stdout.contains("restored from a backup or copied") && recovered.stdout.contains("nothing was lost"),
                            "\(recovered)")
                    #expect(recovered.stdout.contains("(to 3 records)"), "\(recovered)")
                    let again = try alice.syncSucceeds()
                    #expect(again.sent == 0 && again.received == 0)
                    try bob.syncSucceeds()
                    try alice.syncSucceeds()

                    let expected = Set((1 ... 5).map { "A before backup \($0)" } + (1 ... 5).map { "X after backup \($0)" }
                                       + (1 ... 3).map { "Y after restore \($0)" })
                    for store in [alice, bob, hubStore] {
                        #expect(try store.titles() == expected, "\(store.name)")
                    }
                    #expect(try alice.digest() == (try hubStore.digest()))
                    #expect(try bob.digest() == (try hubStore.digest()))
                    // The restored store writes under a new replica id now, and the hub knows both as alice's.
                    #expect(try alice.currentReplica() != alice.replica)
                    let bound = try Store.open(at: hubStore.path).replicas(ofDevice: "alice")
                    #expect(Set(bound) == [alice.replica, try alice.currentReplica()])
                    let listed = try hubStore.devices()["alice"]?["replicas"] as? [String]
                    #expect(Set(listed ?? []) == Set(bound.map(\.hex)), "hub devices lists every replica id alice used")
                }
            }
        }

        /// A restored copy that wrote nothing new fetches its own later
        /// changes back from the hub, and keeps its replica id.
        @Test func aRestoredBackupThatWroteNothingFetchesItsOwnChangesBack() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try alice.add("--title", "before")
                    try alice.syncSucceeds()
                    try workspace.copyStore(alice.path, to: workspace.path("backup.sqlite"))
                    try alice.add("--title", "after")
                    try alice.syncSucceeds()
                    try workspace.removeStore(alice.path)
                    try workspace.copyStore(workspace.path("backup.sqlite"), to: alice.path)
                    let summary = try alice.syncSucceeds()
                    #expect(summary.received > 0)
                    #expect(try alice.titles() == ["before", "after"])
                    #expect(try alice.currentReplica() == alice.replica)
                    let next = try alice.add("--title", "written after the restore")
                    try alice.syncSucceeds()
                    #expect(try hubStore.show(next)["title"] as? String == "written after the restore")
                    #expect(try alice.digest() == (try hubStore.digest()))
                }
            }
        }

        /// One store file copied to a second laptop, and both used: each
        /// copy keeps everything it wrote, in either order of syncing.
        @Test func bothCopiesOfACopiedStoreKeepEverything() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let first = try workspace.makeStore("laptop-1.sqlite", device: "field")
                try HubProcess.with(hubStore) { hub in
                    try first.join(try hub.enroll("field"))
                    try first.add("--title", "shared start")
                    try first.syncSucceeds()
                    try workspace.copyStore(first.path, to: workspace.path("laptop-2.sqlite"))
                    let second = StoreHandle(workspace: workspace, path: workspace.path("laptop-2.sqlite"), name: "field", replica: first.replica)
                    var expected: Set<String> = ["shared start"]
                    for round in 1 ... 3 {
                        for index in 1 ... 2 {
                            try first.add("--title", "laptop 1 round \(round) note \(index)")
                            try second.add("--title", "laptop 2 round \(round) note \(index)")
                            expected.formUnion(["laptop 1 round \(round) note \(index)", "laptop 2 round \(round) note \(index)"])
                        }
                        // Alternate who syncs first.
                        let order = round % 2 == 0 ? [first, second] : [second, first]
                        for store in order { try store.syncSucceeds() }
                    }
                    for store in [first, second] { try store.syncSucceeds() }
                    for store in [first, second, hubStore] {
                        #expect(try store.titles() == expected, "\(store.path)")
                        #expect(try store.digest() == (try hubStore.digest()), "\(store.path)")
                    }
                    #expect(try first.currentReplica() != (try second.currentReplica()))
                }
            }
        }

        /// The hub restored from an older backup: a device holds more of the
        /// hub's own origin than the hub. The hub takes a fresh replica id
        /// before it writes again, so it never reuses its own seqs.
        @Test func aRestoredHubNeverReusesItsOwnSeqs() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let hubReplica = hubStore.replica
                try workspace.copyStore(hubStore.path, to: workspace.path("hub-backup.sqlite"))
                // The hub writes a change of its own (an export's audit event), which alice fetches.
                let address = try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try alice.add("--title", "alice's note")
                    try alice.syncSucceeds()
                    return hub.address
                }
                try hubStore.succeed("export", "csv", "--out", workspace.path("hub-export"))
                let heldBefore = try Store.open(at: hubStore.path).versionVector()[hubReplica]
                try HubProcess.with(hubStore, listen: address) { _ in _ = try alice.syncSucceeds() }
                #expect(try alice.versionVector()[hubReplica] == heldBefore)

                // Restore the hub's store from before alice's enrolment... keep alice enrolled: restore
                // only the log by copying the backup over, then re-enrol alice under the same name.
                try workspace.removeStore(hubStore.path)
                try workspace.copyStore(workspace.path("hub-backup.sqlite"), to: hubStore.path)
                try HubProcess.with(hubStore, listen: address, options: ["--restored"]) { hub in
                    let code = try hub.enroll("alice")
                    try alice.join(code)
                    try alice.syncSucceeds()
                }
                let restored = try Store.open(at: hubStore.path)
                #expect(restored.replica != hubReplica, "the restored hub kept its replica id")
                #expect(try restored.previousReplicas().contains(hubReplica))
                // The hub writes again: under its new id, so nothing collides with what alice holds.
                try hubStore.succeed("export", "csv", "--out", workspace.path("hub-export-2"))
                try HubProcess.with(hubStore, listen: address) { _ in _ = try alice.syncSucceeds() }
                let aliceStore = try Store.open(at: alice.path)
                #expect(try aliceStore.versionVector()[restored.replica] > 0)
                #expect(try aliceStore.versionVector()[hubReplica] == heldBefore, "alice lost none of the old hub changes")
                #expect(try restored.versionVector()[hubReplica] == heldBefore, "the hub took its lost changes back from alice")
                #expect(try alice.digest() == (try hubStore.digest()))
                #expect(try alice.titles() == (try hubStore.titles()))
            }
        }
    }
}

extension SyncSuite.ForkTests {
    /// The same restore without `--restored`: the hub still takes a fresh
    /// id, and says what to do, but takes none of its old id's changes back
    /// from a device, whose sync still succeeds.
    @Test func aRestoredHubStartedWithoutTheFlagTakesNothingBackAndSaysSo() throws {
        try Workspace.with { workspace in
            let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
            let alice = try workspace.makeStore("alice.sqlite", device: "alice")
            let hubReplica = hubStore.replica
            try workspace.copyStore(hubStore.path, to: workspace.path("hub-backup.sqlite"))
            let address = try HubProcess.with(hubStore) { hub in
                try alice.join(try hub.enroll("alice"))
                try alice.syncSucceeds()
                return hub.address
            }
            try hubStore.succeed("export", "csv", "--out", workspace.path("hub-export"))
            try HubProcess.with(hubStore, listen: address) { _ in _ = try alice.syncSucceeds() }
            let heldBefore = try Store.open(at: hubStore.path).versionVector()[hubReplica]
            try workspace.removeStore(hubStore.path)
            try workspace.copyStore(workspace.path("hub-backup.sqlite"), to: hubStore.path)
            let heldAfterRestore = try Store.open(at: hubStore.path).versionVector()[hubReplica]
            #expect(heldAfterRestore < heldBefore)
            try HubProcess.with(hubStore, listen: address) { hub in
                try alice.join(try hub.enroll("alice"))
                try alice.syncSucceeds()
                #expect(hub.child.stderrText.contains("--restored"), "the hub says how to take its changes back")
            }
            let restored = try Store.open(at: hubStore.path)
            #expect(restored.replica != hubReplica, "the restored hub kept its replica id")
            #expect(try restored.versionVector()[hubReplica] == heldAfterRestore, "the hub took back changes without --restored")
            #expect(try alice.versionVector()[hubReplica] == heldBefore, "alice lost none of the old hub changes")
        }
    }
}

extension Workspace {
    /// Copies a store file and its key file as a backup tool would (the
    /// commands have checkpointed and removed their write-ahead logs on exit).
    func copyStore(_ from: String, to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
        try copyKey(from, to: to)
    }

    /// The store's key file goes with it, as in a backup of the folder.
    func copyKey(_ from: String, to: String) throws {
        let key = KeyFile.path(forStore: from)
        guard FileManager.default.fileExists(atPath: key), key != KeyFile.path(forStore: to) else { return }
        try? FileManager.default.removeItem(atPath: KeyFile.path(forStore: to))
        try FileManager.default.copyItem(atPath: key, toPath: KeyFile.path(forStore: to))
    }

    func removeStore(_ path: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

extension StoreHandle {
    /// The titles of every note, as `list --format json` shows them.
    func titles(sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
        let result = try succeed("list", "--format", "json", sourceLocation: sourceLocation)
        return Set(try parseArray(result.stdout, sourceLocation: sourceLocation).compactMap { $0["title"] as? String })
    }

    /// The replica id the store writes under now (it changes after a fork).
    func currentReplica() throws -> ReplicaID {
        try Store.open(at: path).replica
    }
}
