@testable import Health
import Store
import Testing
import TestSupport

/// The thresholds behind `doctor` and `hub status`, on real stores with a
/// chosen clock; the commands themselves run end to end in CLITests
/// ("doctor") and SyncTests ("backup and restore").
@Suite("health checks")
struct HealthTests {
    static let day: UInt64 = 86_400_000
    static let start: UInt64 = 1_790_000_000_000

    static func note(_ store: Store) throws {
        var input = Note.Input()
        input.title = "Lunch club, Tuesday"
        _ = try store.commit(try Note.changes(input, for: try Store.newRecordID(), creating: true, nowSeconds: Int64(start / 1000)))
    }

    @Test func unsyncedChangesWarnFromTheThirdDay() throws {
        try TemporaryDirectory.with { directory in
            let store = try Store.create(at: directory.path("device.sqlite"), name: "device", wallClock: { Self.start })
            // A new store has changes of its own (its setup), made at `start`.
            let setup = try DeviceHealth.unsynced(store, now: Self.start)
            #expect(setup.status == .ok && setup.message.contains("not synced for under a day"), "\(setup)")
            try Self.note(store)
            let fresh = try DeviceHealth.unsynced(store, now: Self.start + 3 * Self.day - 1)
            #expect(fresh.status == .ok && fresh.message.contains("not synced for 2 days; they go at the next 'fieldnotes sync'"), "\(fresh)")
            let old = try DeviceHealth.unsynced(store, now: Self.start + 3 * Self.day)
            #expect(old.status == .warn && old.message.contains("not synced for 3 days") && old.message.hasSuffix("run 'fieldnotes sync' when online"), "\(old)")
        }
    }

    @Test func theSchemaCheckSaysWhenACatchUpLeftTheValueIndexesOut() throws {
        try TemporaryDirectory.with { directory in
            let store = try Store.create(at: directory.path("device.sqlite"), name: "device")
            let current = try StoreChecks.schema(store)
            #expect(current.status == .ok && !current.message.contains("indexes"), "\(current)")
            try store.deferValueIndexes()
            let catchingUp = try StoreChecks.schema(store)
            #expect(catchingUp.status == .ok && catchingUp.message.contains("left out the indexes"), "\(catchingUp)")
            try store.finishCatchUp()
            #expect(try StoreChecks.schema(store) == current)
        }
    }

    @Test func aBackupWarnsFromItsSeventhDay() throws {
        try TemporaryDirectory.with { directory in
            let store = try Store.create(at: directory.path("hub.sqlite"), name: "hub", wallClock: { Self.start })
            #expect(try HubHealth.backup(store, now: Self.start).status == .warn)
            _ = try store.backup(to: directory.path("hub.backup"), replacing: false)
            #expect(try HubHealth.backup(store, now: Self.start + 7 * Self.day - 1).status == .ok)
            let late = try HubHealth.backup(store, now: Self.start + 7 * Self.day)
            #expect(late.status == .warn && late.message.contains("7 days ago"), "\(late)")
        }
    }

    @Test func devicesAreQuietAfterTheChosenDaysAndCodesExpire() throws {
        try TemporaryDirectory.with { directory in
            let store = try Store.create(at: directory.path("hub.sqlite"), name: "hub", wallClock: { Self.start })
            try store.enroll(device: "alice", tokenHash: Array(repeating: 1, count: 32), expiresMillis: Self.start + Self.day)
            let waiting = HubHealth.codes(try store.devices(), now: Self.start)
            #expect(waiting.status == .ok && waiting.message == "1 enrolment code not used yet: alice", "\(waiting)")
            let expired = HubHealth.codes(try store.devices(), now: Self.start + Self.day)
            #expect(expired.status == .warn && expired.message.hasPrefix("1 enrolment code expired unused: alice"), "\(expired)")
            // A code not yet used is not an active device: nothing to be quiet.
            let unused = HubHealth.quietDevices(try store.devices(), staleDays: 14, now: Self.start + 30 * Self.day)
            #expect(unused.status == .ok && unused.message.hasPrefix("0 active devices"), "\(unused)")
            // Redeemed at `start` and never synced: quiet from its 14th day, or the chosen one.
            try store.redeemEnrolment(device: "alice", tokenHash: Array(repeating: 1, count: 32), keyFingerprint: Array(repeating: 2, count: 32))
            #expect(HubHealth.quietDevices(try store.devices(), staleDays: 14, now: Self.start + 14 * Self.day - 1).status == .ok)
            let quiet = HubHealth.quietDevices(try store.devices(), staleDays: 14, now: Self.start + 14 * Self.day)
            #expect(quiet.status == .warn && quiet.message.hasPrefix("1 of 1 devices not seen for 14+ days: alice (never synced)"), "\(quiet)")
            #expect(HubHealth.quietDevices(try store.devices(), staleDays: 20, now: Self.start + 14 * Self.day).status == .ok)
        }
    }

    @Test func eachCheckNeedingActionIsCounted() {
        let checks = [HealthCheck(name: "a", status: .ok, message: "fine"), HealthCheck(name: "b", status: .warn, message: "soon"),
                      HealthCheck(name: "c", status: .fail, message: "now")]
        #expect(HealthCheck.needingAction(checks) == 2)
        #expect(HealthCheck.needingAction(Array(checks.prefix(1))) == 0)
    }
}
