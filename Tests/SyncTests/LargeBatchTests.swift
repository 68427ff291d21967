import CRDT
import Foundation
import SQLite
import Store
import Testing

extension SyncSuite {
    /// Every set of operations whose values are each within the limits
    /// syncs, both ways: senders split runs of operations so that every
    /// Ops frame fits the 1 MiB frame limit.
    @Suite("large batches")
    struct LargeBatchTests {
        /// 200 notes of about 6 KB: 1.2 MB of operations that once went out
        /// as one oversized frame, failing every sync.
        @Test func twoHundredNotesOfSixKilobytesSyncBothWays() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let bob = try workspace.makeStore("bob.sqlite", device: "bob")
                let body = String(repeating: "The lunch club minibus did not come again. ", count: 140)
                #expect(body.utf8.count > 6000)
                var lines = ""
                for index in 0 ..< 200 { lines += "{\"title\": \"long note \(index)\", \"body\": \"\(body)\"}\n" }
                let file = workspace.path("long.ndjson")
                try Data(lines.utf8).write(to: URL(fileURLWithPath: file))
                try alice.succeed("import", file)
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try bob.join(try hub.enroll("bob"))
                    let sent = try alice.syncSucceeds()
                    #expect(sent.sent >= 600)
                    let received = try bob.syncSucceeds()
                    #expect(received.received >= 600)
                    try alice.syncSucceeds()
                }
                #expect(try bob.titles().count == 200)
                #expect(try alice.digest() == (try hubStore.digest()))
                #expect(try bob.digest() == (try hubStore.digest()))
            }
        }

        /// One note at the largest body the CLI accepts (512 KiB), beside
        /// ordinary ones, reaches the hub and a second device intact.
        @Test func theLargestBodyTheCLIAcceptsSyncs() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let bob = try workspace.makeStore("bob.sqlite", device: "bob")
                let largest = String(repeating: "é", count: Limits.text.bytes / 2)
                #expect(largest.utf8.count == Limits.text.bytes)
                let file = workspace.path("largest.txt")
                try Data(largest.utf8).write(to: URL(fileURLWithPath: file))
                try alice.add("--title", "before")
                let id = try alice.add("--title", "the largest body", "--body-file", file)
                try alice.add("--title", "after")
                // One byte more is refused at the door.
                try Data((largest + "x").utf8).write(to: URL(fileURLWithPath: file))
                let refused = try alice.run(["add", "--title", "too large", "--body-file", file])
                #expect(refused.status == 1 && refused.stderr.contains("512 KiB"), "\(refused)")
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try bob.join(try hub.enroll("bob"))
                    try alice.syncSucceeds()
                    try bob.syncSucceeds()
                    try alice.syncSucceeds()
                }
                #expect(try bob.show(id)["body"] as? String == largest)
                #expect(try bob.titles() == ["before", "the largest body", "after"])
                #expect(try bob.digest() == (try hubStore.digest()))
                #expect(try alice.digest() == (try hubStore.digest()))
            }
        }

        /// A store that already holds a value over the limits (written by an
        /// older version) does not block everything: sync sends what comes
        /// before it, names the note and how to fix it, and once the note is
        /// shortened everything goes.
        @Test func anOverLimitValueFromAnOlderVersionIsNamedAndThenFixed() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let early = try alice.add("--title", "written before")
                let big = try alice.add("--title", "the long one", "--body", "PLACEHOLDER")
                let late = try alice.add("--title", "written after")
                // What an older version let in: a 600 KiB body, written as a whole (a register write).
                let oversized = String(repeating: "x", count: 600 * 1024)
                let database = try Database(path: alice.path)
                try database.run("UPDATE ops SET kind = 2, refs = NULL, value = ? WHERE value = 'PLACEHOLDER'", [.text(oversized)])
                try database.run("UPDATE heads SET value = ? WHERE value = 'PLACEHOLDER'", [.text(oversized)])

                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    let blocked = try alice.sync()
                    #expect(blocked.status == 1, "\(blocked)")
                    #expect(blocked.stderr.contains(String(big.prefix(8))) && blocked.stderr.contains("--body-file"), "\(blocked)")
                    #expect(blocked.stdout.contains("synced with"), "what could go went: \(blocked)")
                    #expect(try hubStore.show(early)["title"] as? String == "written before")
                    #expect(try hubStore.run(["show", late]).status == 1, "nothing after the blocked value can go yet")

                    let short = workspace.path("short.txt")
                    try Data("the gist of it".utf8).write(to: URL(fileURLWithPath: short))
                    try alice.succeed("edit", big, "--body-file", short)
                    try alice.syncSucceeds()
                }
                #expect(try hubStore.show(late)["title"] as? String == "written after")
                #expect(try hubStore.show(big)["body"] as? String == "the gist of it")
                #expect(try alice.digest() == (try hubStore.digest()))
            }
        }

        /// Many such values, all since shortened, go in one `sync`: each
        /// cleared value costs a session, and none counts against the few a
        /// fork may take.
        @Test func manyShortenedOverLimitValuesAllGoInOneSync() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                var ids: [String] = []
                for index in 0 ..< 8 { ids.append(try alice.add("--title", "long \(index)", "--body", "PLACEHOLDER-\(index)")) }
                let database = try Database(path: alice.path)
                for index in 0 ..< 8 {
                    let oversized = String(repeating: "\(index)", count: 600 * 1024)
                    try database.run("UPDATE ops SET kind = 2, refs = NULL, value = ? WHERE value = ?", [.text(oversized), .text("PLACEHOLDER-\(index)")])
                    try database.run("UPDATE heads SET value = ? WHERE value = ?", [.text(oversized), .text("PLACEHOLDER-\(index)")])
                }
                for id in ids { try alice.succeed("edit", id, "--body", "short now") }
                try HubProcess.with(hubStore) { hub in
                    try alice.join(try hub.enroll("alice"))
                    try alice.syncSucceeds()
                }
                for id in ids { #expect(try hubStore.show(id)["body"] as? String == "short now") }
                #expect(try alice.digest() == (try hubStore.digest()))
            }
        }
    }
}
