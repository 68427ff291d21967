import Foundation
import Glibc
import Testing

extension SyncSuite {
    @Suite("crash recovery")
    struct CrashRecoveryTests {
        /// The hub is SIGKILLed while a device is sending it a large log.
        /// Every batch it committed survives; restarted on the same store and
        /// address, the next sync sends exactly what the hub lacks, and both
        /// stores end with the same operations and digest.
        @Test(.timeLimit(.minutes(2)))
        func hubKilledMidSyncLosesAndDuplicatesNothing() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.succeed("import", try workspace.notesFile("notes.ndjson", count: 3000))
                let total = try device.operationCount()
                let hubOwn = try hubStore.operationCount()
                #expect(total > 30_000)

                let address = try HubProcess.with(hubStore) { hub -> String in
                    try device.join(try hub.enroll("field-1"))
                    let sync = try device.start(["sync", "--timeout", "20"])
                    defer { sync.kill() }
                    // Kill once the hub has committed a few batches, well before the end.
                    let deadline = Date().addingTimeInterval(60)
                    var held: UInt64 = 0
                    while held < 3000, sync.isRunning, Date() < deadline {
                        Thread.sleep(forTimeInterval: 0.01)
                        held = (try? hubStore.versionVector()[device.replica]) ?? 0
                    }
                    hub.kill()
                    let interrupted = sync.finish(within: 30)
                    #expect(interrupted.status == 1, "\(interrupted)")
                    #expect(interrupted.stderr.contains("your notes are safe"), "\(interrupted)")
                    return hub.address
                }

                let committed = try hubStore.operationCount() - hubOwn
                #expect(committed >= 3000 && committed < total, "the hub must have died mid-sync: it holds \(committed) of \(total)")
                #expect(try hubStore.versionVector()[device.replica] == UInt64(committed), "the hub's operations are a gap-free prefix")
                #expect(try device.status()["unacknowledged_operations"] as? Int == total)

                try HubProcess.with(hubStore, listen: address) { _ in
                    let resumed = try device.syncSucceeds()
                    #expect(resumed.sent == total - committed, "only what the hub lacked is sent again")
                    #expect(resumed.received == 0)
                }
                #expect(try hubStore.operationCount() == hubOwn + total)
                #expect(try device.operationCount() == hubOwn + total)
                #expect(try hubStore.digest() == (try device.digest()))
                #expect(try device.status()["unacknowledged_operations"] as? Int == 0)
            }
        }
    }
}
