import CRDT
import Foundation
import SQLite
import Store
@testable import Sync
import Testing

extension SyncSuite {
    /// A sync that brings a store more than it holds (a first sync to a new
    /// hub, a new laptop pulling the team's notes) applies it without the
    /// value indexes and builds them at the end (`Store+CatchUp.swift`):
    /// the stores end the same, indexes and all, and a small sync never
    /// drops them.
    @Suite("catching up")
    struct CatchUpTests {
        static func valueIndexes(_ path: String) throws -> [String] {
            try Database(path: path, mode: .readOnly)
                .query("SELECT name FROM sqlite_master WHERE name IN ('heads_shown', 'members_element') ORDER BY name", []) { $0.text(0) }
        }

        /// 3,000 notes (6,000 operations) from alice to an empty hub, then
        /// to bob's empty store: both catch up; alice's next ten notes do not.
        @Test func aFirstSyncAndANewDeviceCatchUpAndEndWithTheirIndexes() throws {
            try Workspace.with { workspace in
                let hub = try PipeHub.make(workspace)
                let alice = try hub.enrolled(workspace, "alice")
                let bob = try hub.enrolled(workspace, "bob")
                for chunk in 0 ..< 3 { try alice.write((0 ..< 1000).map { "note \(chunk)-\($0)" }) }
                try alice.store.commit([.add(try Store.newRecordID(), set: Note.tagSet, element: .text("bus"))])

                let (sent, sessions) = try alice.sync(with: hub)
                #expect(sent.sent > 6000)
                #expect(sessions.last?.hub.caughtUp == true, "the hub caught up")
                let hubStore = try Store.open(at: hub.storePath)
                #expect(try !hubStore.indexesDeferred)
                #expect(try Self.valueIndexes(hub.storePath) == ["heads_shown", "members_element"])
                #expect(try alice.store.digest() == (try hubStore.digest()))

                let (received, pulls) = try bob.sync(with: hub)
                #expect(received.received > 6000)
                #expect(pulls.last?.device.caughtUp == true, "bob caught up")
                #expect(try !bob.store.indexesDeferred)
                #expect(try Self.valueIndexes(bob.store.path) == ["heads_shown", "members_element"])
                #expect(try bob.store.digest() == (try hubStore.digest()))
                #expect(try bob.titles() == (try alice.titles()))

                try alice.write((0 ..< 10).map { "later \($0)" })
                let (_, small) = try alice.sync(with: hub)
                #expect(small.last?.hub.caughtUp == false)
                let (_, smallPull) = try bob.sync(with: hub)
                #expect(smallPull.last?.device.caughtUp == false)
                #expect(try bob.store.digest() == (try hubStore.digest()))
                #expect(try Self.valueIndexes(hub.storePath).count == 2 && (try Self.valueIndexes(bob.store.path)).count == 2)
            }
        }

        /// Catch-ups cut off (a killed hub, a killed sync) are finished by
        /// the hub when it starts and by the device's next sync, through the
        /// real binary; the hub's log line says which session caught up.
        @Test func aCutOffCatchUpIsFinishedByTheHubsStartAndTheNextSync() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                try Store.open(at: hubStore.path).deferValueIndexes()
                let file = try workspace.notesFile("notes.ndjson", count: 500)
                try alice.succeed("import", file)
                try HubProcess.with(hubStore) { hub in
                    #expect(try Self.valueIndexes(hubStore.path).count == 2, "the hub built them as it started")
                    try alice.join(try hub.enroll("alice"))
                    try Store.open(at: alice.path).deferValueIndexes()
                    try alice.syncSucceeds()
                    #expect(try Self.valueIndexes(alice.path).count == 2, "the sync built the device's")
                    let logged = hub.waitForSessionLog(moreThan: 1, within: 10)
                    #expect(logged.last?.contains("catch_up=yes") == true, "\(logged)")
                }
                #expect(try Self.valueIndexes(hubStore.path).count == 2)
                #expect(try !Store.open(at: hubStore.path).indexesDeferred)
                #expect(try alice.digest() == (try hubStore.digest()))
                let listed = try hubStore.succeed("list", "--area", "East Marsh", "--tag", "t3", "--format", "json")
                let notes = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [Any]
                #expect(notes?.count == 71, "notes 3, 10, ... 493 are tagged t3")
            }
        }
    }
}
