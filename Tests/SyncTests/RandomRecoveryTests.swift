import Foundation
import Synthetic
import Testing

extension SyncSuite {
    /// Randomized recovery: devices write and sync while some of their
    /// stores are restored from older copies, some copied to a second
    /// laptop, and some syncs killed midway. At the end every note that
    /// survived (was on the hub, in a copy, or in the restored backup when
    /// its laptop "died") is on the hub and on every store, and all digests
    /// are equal. `FIELDNOTES_RECOVERY_TRIALS` sets the number of trials.
    @Suite("randomized recovery")
    struct RandomRecoveryTests {
        static var trials: Int { Int(ProcessInfo.processInfo.environment["FIELDNOTES_RECOVERY_TRIALS"] ?? "") ?? 2 }

        @Test func restoredCopiedAndInterruptedStoresLoseNothing() throws {
            var report: [String] = []
            for trial in 0 ..< Self.trials {
                report.append(try runTrial(seed: 0xF0_4C + UInt64(trial)))
            }
            print("randomized recovery: \(report.count) trials; " + report.joined(separator: "; "))
        }

        /// One laptop's store: its handle, the titles written on it since its
        /// last successful sync, and its backup with the titles it held.
        private final class Laptop {
            let store: StoreHandle
            var unsynced: Set<String> = []
            var backup: (path: String, titles: Set<String>)?
            init(_ store: StoreHandle) { self.store = store }
        }

        private func runTrial(seed: UInt64) throws -> String {
            var random = SplitMix64(seed: seed)
            var counts = (notes: 0, syncs: 0, killed: 0, restored: 0, copied: 0, lost: 0)
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                var laptops: [Laptop] = []
                var expected: Set<String> = []
                try HubProcess.with(hubStore) { hub in
                    for name in ["ana", "ben", "cai"] {
                        let store = try workspace.makeStore("\(name).sqlite", device: name)
                        try store.join(try hub.enroll(name))
                        laptops.append(Laptop(store))
                    }
                    for step in 0 ..< 40 {
                        let laptop = laptops[Int.random(in: 0 ..< laptops.count, using: &random)]
                        switch Int.random(in: 0 ..< 100, using: &random) {
                        case 0 ..< 45:
                            let title = "seed \(seed) step \(step) on \(laptop.store.path.split(separator: "/").last ?? "")"
                            try laptop.store.add("--title", title, "--tag", "t\(step % 3)")
                            laptop.unsynced.insert(title)
                            expected.insert(title)
                            counts.notes += 1
                        case 45 ..< 70:
                            let result = try laptop.store.sync()
                            #expect(result.status == 0, "seed \(seed) step \(step): \(result)")
                            if result.status == 0 { laptop.unsynced = [] }
                            counts.syncs += 1
                        case 70 ..< 80:
                            // A sync killed at a random moment: what it committed stays, on both sides.
                            let child = try laptop.store.start(["sync", "--timeout", "20"])
                            Thread.sleep(forTimeInterval: Double.random(in: 0 ... 0.04, using: &random))
                            child.kill()
                            counts.killed += 1
                        case 80 ..< 90:
                            let path = workspace.path("backup-\(step).sqlite")
                            try workspace.copyStoreWithLog(laptop.store.path, to: path)
                            laptop.backup = (path, try laptop.store.titles())
                        case 90 ..< 95:
                            guard let backup = laptop.backup else { continue }
                            // The laptop dies: what it wrote since the backup and the hub never got is gone with it.
                            let onHub = try hubStore.titles()
                            let gone = laptop.unsynced.subtracting(backup.titles).subtracting(onHub)
                                .subtracting(laptops.filter { $0 !== laptop }.map { $0.unsynced }.reduce(Set(), { $0.union($1) }))
                            expected.subtract(gone)
                            counts.lost += gone.count
                            try workspace.removeStore(laptop.store.path)
                            try workspace.copyStoreWithLog(backup.path, to: laptop.store.path)
                            laptop.unsynced = backup.titles.subtracting(onHub)
                            counts.restored += 1
                        default:
                            guard laptops.count < 5 else { continue }
                            let path = workspace.path("copy-\(step).sqlite")
                            try workspace.copyStoreWithLog(laptop.store.path, to: path)
                            let copy = Laptop(StoreHandle(workspace: workspace, path: path, name: laptop.store.name, replica: laptop.store.replica))
                            copy.unsynced = laptop.unsynced
                            laptops.append(copy)
                            counts.copied += 1
                        }
                    }
                    // Everyone syncs until nothing moves: twice round is enough for the last writer's changes to reach all.
                    for _ in 0 ..< 2 {
                        for laptop in laptops {
                            let result = try laptop.store.sync()
                            try #require(result.status == 0, "seed \(seed), final sync: \(result)")
                        }
                    }
                }
                let hubDigest = try hubStore.digest()
                let hubTitles = try hubStore.titles()
                #expect(expected.isSubset(of: hubTitles), "seed \(seed): the hub lacks \(expected.subtracting(hubTitles).sorted())")
                for laptop in laptops {
                    let titles = try laptop.store.titles()
                    #expect(expected.isSubset(of: titles), "seed \(seed): \(laptop.store.path) lacks \(expected.subtracting(titles).sorted())")
                    #expect(try laptop.store.digest() == hubDigest, "seed \(seed): \(laptop.store.path) differs from the hub")
                }
            }
            return "seed \(seed): \(counts.notes) notes, \(counts.syncs) syncs, \(counts.killed) killed, \(counts.restored) restores, \(counts.copied) copies, \(counts.lost) notes lost with their laptops"
        }
    }
}

extension Workspace {
    /// Copies a store with its write-ahead log, as a file-level backup
    /// would (a killed command may leave committed pages in the log).
    func copyStoreWithLog(_ from: String, to: String) throws {
        try removeStore(to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
        if FileManager.default.fileExists(atPath: from + "-wal") {
            try FileManager.default.copyItem(atPath: from + "-wal", toPath: to + "-wal")
        }
        try copyKey(from, to: to)
    }
}
