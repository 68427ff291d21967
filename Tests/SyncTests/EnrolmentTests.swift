import CRDT
import Crypto
import Foundation
import SQLite
import Store
import Sync
import Testing
import TLS
import Wire

extension SyncSuite {
    /// `hub enroll`, `join` and the one-time token: what a person types and
    /// reads, and every way a code can be wrong.
    @Suite("enrolment")
    struct EnrolmentTests {
        @Test func enrolPrintsTheCodeAloneOnTheLastLine() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let enrolled = try hubStore.succeed("hub", "enroll", "field-1", "--address", "192.0.2.7:7420")
                let last = try #require(enrolled.lines.last)
                let code = try #require(EnrolmentCode(last), "last line is not a code: \(enrolled)")
                #expect(last == code.text, "the line holds the code and nothing else")
                #expect(code.device == "field-1" && code.address.description == "192.0.2.7:7420")
                let token = try #require(code.token)
                #expect(last.hasPrefix("fieldnotes://field-1@192.0.2.7:7420/") && last.hasSuffix("#\(token.text)"), "\(last)")
                #expect(token.text.count == 21 && token.text.split(separator: "-").map(\.count) == [4, 4, 4, 4, 1], "\(token.text)")
                #expect(!enrolled.stderr.contains(token.text), "the token is printed once, on stdout")

                // The fingerprint is the hub's own key, made on first use, readable by its owner only.
                let keyPath = KeyFile.path(forStore: hubStore.path)
                #expect(code.hubFingerprint == (try Identity.load(path: keyPath)).fingerprint)
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int)
                #expect(mode & 0o777 == 0o600, "the hub's key file is \(String(mode, radix: 8))")

                // The hub keeps the token's hash, not the token.
                let entry = try #require(try Store.open(at: hubStore.path).device(named: "field-1"))
                #expect(entry.tokenHash == token.hash && entry.tokenHash != token.bytes)
                #expect(entry.keyFingerprint == nil && entry.isPending)

                let again = try #require(EnrolmentCode(try hubStore.enroll("field-2", address: "192.0.2.7:7420")))
                #expect(again.token != token, "each enrolment has a fresh token")
                #expect(again.hubFingerprint == code.hubFingerprint, "one hub, one key")
            }
        }

        @Test func joinWithGarbageIsAUsageError() throws {
            try Workspace.with { workspace in
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                let fingerprint = String(repeating: "ab", count: 32)
                let token = try EnrolmentToken.random().text
                let cases: [([String], String)] = [
                    (["hello"], "enrolment code"),
                    (["fieldnotes://field-1@127.0.0.1:7420/abcd#\(token)"], "fingerprint"),
                    (["fieldnotes://field 1@127.0.0.1:7420/\(fingerprint)#\(token)"], "device name"),
                    (["fieldnotes://field-1@nowhere/\(fingerprint)#\(token)"], "HOST:PORT"),
                    (["fieldnotes://field-1@127.0.0.1:7420/\(fingerprint)"], "--token"),
                    (["fieldnotes://field-1@127.0.0.1:7420/\(fingerprint)#7K3M-Q9TD"], "17"),
                    (["fieldnotes://field-1@127.0.0.1:7420/\(fingerprint)", "--token", "not-a-token-at-all!"], "--token"),
                ]
                for (arguments, hint) in cases {
                    let joined = try device.run(["join"] + arguments)
                    #expect(joined.status == 2, "\(joined)")
                    #expect(joined.stderr.hasPrefix("fieldnotes: error: ") && joined.stderr.contains(hint), "\(joined)")
                }
                #expect(try device.status()["hub"] is NSNull, "a bad code must not be stored")
                #expect(!FileManager.default.fileExists(atPath: KeyFile.path(forStore: device.path)), "a bad code made a key")
            }
        }

        /// One changed symbol of the token is caught by its check symbol:
        /// `join` refuses before it connects (the hub logs no session), and
        /// the right token then works.
        @Test(arguments: [false, true])
        func aMistypedTokenIsRefusedBeforeConnecting(separately: Bool) throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try HubProcess.with(hubStore) { hub in
                    let code = try #require(EnrolmentCode(try hub.enroll("field-1")))
                    let token = try #require(code.token).text
                    let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
                    let first = try #require(alphabet.firstIndex(of: token.first!))
                    let mistyped = String(alphabet[(first + 1) % alphabet.count]) + token.dropFirst()
                    let withoutToken = String(code.text.prefix(while: { $0 != "#" }))
                    let arguments = separately ? [withoutToken, "--token", mistyped] : ["\(withoutToken)#\(mistyped)"]

                    let refused = try device.run(["join"] + arguments)
                    #expect(refused.status == 2, "\(refused)")
                    #expect(lastErrorLine(refused).contains("mistyped"), "\(refused)")
                    Thread.sleep(forTimeInterval: 0.3)
                    #expect(hub.sessionLog.isEmpty, "join connected: \(hub.sessionLog)")
                    #expect(try hubStore.devices()["field-1"]?["last_seen"] is NSNull)

                    let joined = try device.run(["join"] + (separately ? [withoutToken, "--token", token.lowercased()] : [code.text]))
                    #expect(joined.status == 0, "\(joined)")
                    #expect(hub.sessionLines(after: 0).first?.contains("outcome=enrolled") == true, "\(hub.sessionLog)")
                }
            }
        }

        /// A code works once. Whoever uses it second (another laptop, or
        /// someone who read it over a shoulder) is refused and told why; the
        /// laptop that enrolled keeps syncing.
        @Test func aReusedCodeIsRefusedAsAlreadyUsed() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                let other = try workspace.makeStore("other.sqlite", device: "field-1")
                try HubProcess.with(hubStore) { hub in
                    let code = try hub.enroll("field-1")
                    try device.join(code)
                    let key = try #require(try Store.open(at: hubStore.path).device(named: "field-1")?.keyFingerprint)

                    let reused = try other.run(["join", code])
                    #expect(reused.status == 1, "\(reused)")
                    #expect(lastErrorLine(reused).contains("already used"), "\(reused)")
                    #expect(try other.status()["hub"] is NSNull)
                    #expect(try Store.open(at: hubStore.path).device(named: "field-1")?.keyFingerprint == key, "the reused code moved the device")

                    let enrolAgain = try hubStore.run(["hub", "enroll", "field-1", "--address", hub.address])
                    #expect(enrolAgain.status == 1 && enrolAgain.stderr.contains("already enrolled"), "\(enrolAgain)")
                    try device.syncSucceeds()
                }
            }
        }

        /// A laptop that has joined one hub is not moved to another (another
        /// key) by a code pasted by mistake: `join` refuses, names both hubs
        /// and asks for --move, and nothing changes (a new user's try sent
        /// 64,037 operations to the wrong team's hub). With --move it joins.
        @Test func aJoinedLaptopMovesToAnotherHubOnlyWithMove() throws {
            try Workspace.with { workspace in
                let first = try workspace.makeStore("first.sqlite", device: "hub-1")
                let second = try workspace.makeStore("second.sqlite", device: "hub-2")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try HubProcess.with(first) { hub in
                    try device.join(try hub.enroll("field-1"))
                    let note = try device.add("--title", "Stays with its team")
                    try device.syncSucceeds()
                    try HubProcess.with(second) { other in
                        let code = try other.enroll("other-team")
                        let refused = try device.run(["join", code])
                        #expect(refused.status == 1, "\(refused)")
                        #expect(lastErrorLine(refused).contains("--move") && lastErrorLine(refused).contains(hub.address)
                                && lastErrorLine(refused).contains(other.address), "\(refused)")
                        #expect(try Store.open(at: second.path).device(named: "other-team")?.isPending == true, "the code was not used")
                        let status = try device.status()
                        #expect(status["hub"] as? String == hub.address, "\(status)")
                        try device.syncSucceeds()
                        #expect(try Store.open(at: second.path).record(RecordID(hex: note) ?? RecordID(high: 0, low: 0)) == nil)

                        try device.succeed("join", code, "--move")
                        try device.syncSucceeds()
                        #expect(try Store.open(at: second.path).record(RecordID(hex: note) ?? RecordID(high: 0, low: 0)) != nil)
                    }
                }
            }
        }

        /// Two syncs of one store at once (a scheduled one and a person's):
        /// the second waits for the first and then syncs, instead of the hub
        /// refusing it as a second session of the device (a new user's try).
        /// The first is played by this test holding the store's sync lock.
        @Test func aSecondSyncOfOneStoreWaitsForTheFirst() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try HubProcess.with(hubStore) { hub in
                    try device.join(try hub.enroll("field-1"))
                    try device.add("--title", "waits its turn")
                    let held = open(device.path + ".key", O_RDONLY | O_CLOEXEC)
                    try #require(held >= 0 && flock(held, LOCK_EX) == 0)
                    let second = try device.start(["sync"])
                    let deadline = Date().addingTimeInterval(30)
                    while second.isRunning, !second.stderrText.contains("waiting for another sync"), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                    #expect(second.isRunning && second.stderrText.contains("waiting for another sync of this store"), "\(second.stderrText)")
                    Thread.sleep(forTimeInterval: 0.3)
                    #expect(second.isRunning, "it went ahead while the other sync held the store")
                    close(held)
                    let finished = second.wait()
                    #expect(finished.status == 0, "\(finished)")
                    #expect(try hubStore.titles() == ["waits its turn"])
                }
            }
        }

        /// An expired code is refused with its own reason. (The hub's store
        /// is moved to after the expiry directly: a test cannot wait a minute.)
        @Test func anExpiredCodeIsRefused() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try HubProcess.with(hubStore) { hub in
                    let expiring = try hubStore.succeed("hub", "enroll", "field-1", "--address", hub.address, "--expires", "30m")
                    let code = try #require(expiring.lines.last)
                    let entry = try #require(try Store.open(at: hubStore.path).device(named: "field-1"))
                    let expires = try #require(entry.tokenExpiresMillis)
                    let lifetime = Int64(expires) - Int64(Store.systemMillis())
                    #expect(lifetime > 29 * 60_000 && lifetime <= 30 * 60_000, "expires in \(lifetime) ms")
                    try Database(path: hubStore.path).run("UPDATE devices SET token_expires_ms = ? WHERE name = 'field-1'",
                                                          [.integer(Int64(Store.systemMillis()) - 1000)])

                    let refused = try device.run(["join", code])
                    #expect(refused.status == 1, "\(refused)")
                    #expect(lastErrorLine(refused).contains("expired"), "\(refused)")
                    #expect(try device.status()["hub"] is NSNull)
                    #expect(try Store.open(at: hubStore.path).device(named: "field-1")?.keyFingerprint == nil)

                    // A new code works.
                    try device.join(try hub.enroll("field-1"))
                    try device.syncSucceeds()
                }
            }
        }

        @Test func syncWithoutJoiningSaysToJoin() throws {
            try Workspace.with { workspace in
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                let synced = try device.sync()
                #expect(synced.status == 1, "\(synced)")
                #expect(synced.stderr.hasPrefix("fieldnotes: error: ") && synced.stderr.contains("fieldnotes join"), "\(synced)")
            }
        }

        /// The hub has gone: the sync fails at once, and says the notes are
        /// still safe on this device.
        @Test func syncToAnAbsentHubFailsFastAndSaysTheNotesAreSafe() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try HubProcess.with(hubStore) { hub in
                    try device.join(try hub.enroll("field-1"))
                    hub.kill()
                }
                try device.add("--title", "offline note")
                let before = try device.digest()
                let started = Date()
                let synced = try device.sync()
                #expect(Date().timeIntervalSince(started) < 5)
                #expect(synced.status == 1, "\(synced)")
                let line = lastErrorLine(synced)
                #expect(line.hasPrefix("fieldnotes: error: ") && line.contains("notes are safe"), "\(synced)")
                #expect(try device.digest() == before)
            }
        }

        @Test func hubDevicesShowsTheBoundReplicaAndOperationsReceived() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.add("--title", "one", "--tag", "a")
                try device.add("--title", "two", "--body", "more")
                try HubProcess.with(hubStore) { hub in
                    try device.join(try hub.enroll("field-1"))
                    // Joining is a session of its own: it binds the store's replica id and sends nothing.
                    let fresh = try #require(try hubStore.devices()["field-1"])
                    #expect(fresh["replica"] as? String == device.replica.hex)
                    #expect(fresh["operations_received"] as? Int == 0)
                    #expect(fresh["last_seen"] is String)
                    #expect(try hubStore.versionVector()[device.replica] == 0)

                    let summary = try device.syncSucceeds()
                    let local = try #require(try device.status()["local_operations"] as? Int)
                    #expect(summary.sent == local)
                    let entry = try #require(try hubStore.devices()["field-1"])
                    #expect(entry["replica"] as? String == device.replica.hex)
                    #expect(entry["operations_received"] as? Int == local)
                    #expect(entry["last_seen"] is String)
                    #expect(entry["revoked"] is NSNull)

                    try device.add("--title", "three")
                    let second = try device.syncSucceeds()
                    #expect(try hubStore.devices()["field-1"]?["operations_received"] as? Int == local + second.sent)
                }
            }
        }
    }
}
