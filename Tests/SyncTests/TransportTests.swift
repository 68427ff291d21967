import CRDT
import Foundation
import SQLite
import Store
import Sync
import Testing
import TLS
import Wire

extension SyncSuite {
    /// What the network and a stolen file can learn or break: the bytes of a
    /// sync on the wire, a bit flipped on the way, a copy of the hub's store,
    /// a copy of a device's store without its key.
    @Suite("TLS transport")
    struct TransportTests {
        /// Everything a sync puts on the wire, both ways, recorded by a relay
        /// in the path: none of a note's text, field names, tags or ids is in
        /// it, nor the device names, replica ids or even the magic. (Field-2
        /// syncs directly first, so the hub sends its note to field-1
        /// through the relay too.)
        @Test func aCapturedSyncHoldsNoNoteTextFieldNamesOrIdentifiers() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let field1 = try workspace.makeStore("field-1.sqlite", device: "field-1")
                let field2 = try workspace.makeStore("field-2.sqlite", device: "field-2")
                let sent = try field1.add("--title", "CANARY-TITLE-7f3a", "--body", "CANARY-BODY-91c2 said the number 9 bus never comes",
                                          "--area", "CANARY-AREA-Marsh", "--new-area", "--participant", "CANARY-P042", "--tag", "canary-tag-5d",
                                          "--kind", "observation", "--consent", "given", "--measure", "ucla3=7")
                let fetched = try field2.add("--title", "CANARY-INBOUND-TITLE", "--body", "CANARY-INBOUND-BODY", "--area", "CANARY-INBOUND-AREA", "--new-area",
                                             "--participant", "CANARY-IN-P7", "--tag", "canary-inbound-tag")
                try HubProcess.with(hubStore) { hub in
                    try field2.join(try hub.enroll("field-2"))
                    try field2.syncSucceeds()
                    try RelayProxy.with(to: hub.port) { relay in
                        try field1.join(try hubStore.enroll("field-1", address: relay.address))
                        let summary = try field1.syncSucceeds()
                        #expect(summary.sent > 0 && summary.received > 0)
                        #expect(try hubStore.show(sent)["title"] as? String == "CANARY-TITLE-7f3a", "the sync did not go through")
                        #expect(try field1.show(fetched)["title"] as? String == "CANARY-INBOUND-TITLE")

                        let connections = relay.connections
                        #expect(connections.count == 2, "join and sync, one connection each")
                        let captured = relay.allBytes
                        #expect(connections.allSatisfy { $0.toHub.count > 300 && $0.toDevice.count > 300 }, "the relay recorded too little")
                        #expect(connections.allSatisfy { $0.toHub.first == 0x16 && $0.toDevice.first == 0x16 }, "not TLS records")
                        let texts = [
                            "CANARY", "canary", "7f3a", "91c2", "number 9 bus", "Marsh", "P042",
                            "title", "body", "area", "participant", "consent", "tags", "kind", "occurred_at", "measures", "ucla3",
                            "observation", "given", "note", "field-1", "field-2", "fieldnotes",
                        ]
                        for text in texts {
                            #expect(!captured.contains(bytes: Array(text.utf8)), "'\(text)' crossed the wire in the clear")
                        }
                        let identifiers = [sent, fetched, field1.replica.hex, field2.replica.hex, hubStore.replica.hex]
                        for hex in identifiers {
                            let bytes = try #require(Hex.decode(hex))
                            #expect(!captured.contains(bytes: bytes), "id \(hex) crossed the wire in the clear")
                            #expect(!captured.contains(bytes: Array(hex.utf8)))
                        }
                        #expect(!captured.contains(bytes: WireProtocol.magic), "the magic crossed the wire in the clear")
                    }
                }
            }
        }

        /// One bit flipped in a TLS record from the device, in the middle of
        /// its upload: the record fails authentication, the hub ends the
        /// session, and nothing of that batch is committed: the hub holds the
        /// batches it acknowledged before it (whole, 1024 operations each) and
        /// nothing after. The store is intact, and a clean sync completes it.
        @Test func aFlippedBitInTheTLSStreamCommitsNothingOfItsBatch() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.succeed("import", try workspace.notesFile("notes.ndjson", count: 400))
                let total = try device.versionVector()[device.replica]
                #expect(total > 4 * UInt64(WireLimits.maxBatchOperations))
                try HubProcess.with(hubStore) { hub in
                    // Connection 0 is the join; connection 1 the sync, hit partway in, after its
                    // first batch (the batches travel compressed, protocol version 4).
                    try RelayProxy.with(to: hub.port, fault: { $0 == 1 ? RelayProxy.Fault(flipToHubAt: 25_000) : .none }) { relay in
                        try device.join(try hubStore.enroll("field-1", address: relay.address))
                        let logged = hub.sessionLog.count
                        let broken = try device.sync()
                        #expect(broken.status == 1, "\(broken)")
                        #expect(lastErrorLine(broken).contains("notes are safe"), "\(broken)")
                        let line = try #require(hub.sessionLines(after: logged).first)
                        #expect(line.contains("device=field-1") && line.contains("damaged or tampered"), "\(line)")
                        let uploaded = try #require(relay.connections.last?.toHub.count)
                        #expect(uploaded > 25_000 && uploaded < 400_000, "\(uploaded) bytes sent")

                        let held = try hubStore.versionVector()[device.replica]
                        #expect(held > 0, "the flip came before the first batch was committed; flip later")
                        #expect(held < total, "the whole upload got through")
                        #expect(held % UInt64(WireLimits.maxBatchOperations) == 0, "the hub holds part of a batch: \(held)")
                        let stored = try Store.open(at: hubStore.path).operations(SeqRange(origin: device.replica, first: 1, last: total), limit: Int(total))
                        #expect(UInt64(stored.count) == held, "the hub holds operations past its vector")
                        #expect(stored == (try device.ownOperations(1, held)), "the hub holds other operations than the device wrote")
                        _ = try hubStore.digest()

                        relay.setFault { _ in .none }
                        let summary = try device.syncSucceeds()
                        #expect(UInt64(summary.sent) == total - held)
                        #expect(try hubStore.digest() == (try device.digest()))
                    }
                }
            }
        }

        /// A thief who copies the hub's store (not its key file) finds no
        /// secret in it: the devices table holds key fingerprints and token
        /// hashes, which are of no use without the keys and tokens. Presenting
        /// another key under an enrolled name, redeeming a pending device with
        /// its stored hash, or joining with a made-up code all fail.
        @Test func aCopyOfTheHubsStoreHoldsNothingThatLetsAThiefConnect() throws {
            try HubFixture.with { fixture in
                _ = try fixture.hub.enroll("field-2")
                let stolen = fixture.workspace.path("stolen-hub.sqlite")
                try Database(path: fixture.hubStore.path).execute("VACUUM INTO '\(stolen)'")
                #expect(!FileManager.default.fileExists(atPath: KeyFile.path(forStore: stolen)))

                let copy = try Database(path: stolen, mode: .readOnly)
                let columns = try copy.query("SELECT name FROM pragma_table_info('devices')") { $0.text(0) }
                #expect(Set(columns) == ["name", "key_fingerprint", "token_hash", "token_expires_ms", "token_used_ms", "replica",
                                         "enrolled_ms", "last_seen_ms", "operations_received", "revoked_ms"], "\(columns)")
                let metaKeys = try copy.query("SELECT key FROM meta") { $0.text(0) }
                #expect(!metaKeys.contains { $0.contains("secret") || $0.contains("key") }, "\(metaKeys)")
                let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stolen)))
                #expect(!file.contains(bytes: Array("PRIVATE KEY".utf8)) && !file.contains(bytes: Array("-----BEGIN".utf8)))
                let fingerprint = try copy.first("SELECT key_fingerprint FROM devices WHERE name = 'field-1'") { $0.blob(0) }
                #expect(fingerprint == fixture.credentials.identity.fingerprint, "the copy holds the device key's fingerprint, a public value")
                let tokenHash = try #require(try copy.first("SELECT token_hash FROM devices WHERE name = 'field-2'") { $0.blob(0) })
                let before = try fixture.hubStore.digest()

                // field-1's name and replica id with the thief's own key.
                let impersonator = try RawPeer(port: fixture.hub.port)
                let hubFingerprint = try impersonator.startTLS(try Identity.stranger())
                try impersonator.send(WireProtocol.magic + Hello.claiming("field-1", replica: fixture.device.replica).encodedFrame())
                expectError(try impersonator.receive(), .authFailed)

                // field-2's pending enrolment, "redeemed" with what the copy holds.
                let redeemer = try RawPeer(port: fixture.hub.port)
                try redeemer.startTLS(try Identity.stranger())
                let fromHash = try #require(EnrolmentToken(bytes: Array(tokenHash.prefix(EnrolmentToken.byteCount))))
                try redeemer.send(WireProtocol.magic + Hello.claiming("field-2").encodedFrame() + Message.enrol(fromHash).encode())
                let reply = try redeemer.receive()
                expectError(reply, .authFailed)
                if case .error(_, let text)? = reply { #expect(text.contains("not the code the hub issued"), "\(text)") }
                #expect(try Store.open(at: fixture.hubStore.path).device(named: "field-2")?.keyFingerprint == nil)

                // A code made of everything the copy and the network tell, and a guessed token.
                let thief = try fixture.workspace.makeStore("thief.sqlite", device: "field-1")
                let guessed = EnrolmentCode(device: "field-1", address: fixture.hub.endpoint, hubFingerprint: hubFingerprint, token: try EnrolmentToken.random())
                let joined = try thief.run(["join", guessed.text])
                #expect(joined.status == 1 && lastErrorLine(joined).contains("not the one enrolled as 'field-1'"), "\(joined)")
                #expect(try thief.status()["hub"] is NSNull)
                let syncedCopy = try fixture.workspace.run(["--store", stolen, "sync", "--timeout", "5"])
                #expect(syncedCopy.status == 1 && lastErrorLine(syncedCopy).contains("has not joined a hub"), "\(syncedCopy)")
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// A device's store copied (mailed, backed up) without its key file
        /// cannot sync as the device: the copy says which file is missing and
        /// what to do, and the hub never hears from it. The store itself
        /// holds no key.
        @Test func aDeviceStoreCopiedWithoutItsKeyCannotSync() throws {
            try HubFixture.with { fixture in
                let path = fixture.workspace.path("copied.sqlite")
                try Database(path: fixture.device.path).execute("VACUUM INTO '\(path)'")
                let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
                #expect(!file.contains(bytes: Array("PRIVATE KEY".utf8)))
                let copied = StoreHandle(workspace: fixture.workspace, path: path, name: "field-1", replica: fixture.device.replica)
                try copied.add("--title", "written on the copy")
                let before = try fixture.hubStore.digest()
                let logged = fixture.hub.sessionLog.count

                let refused = try copied.sync()
                #expect(refused.status == 1, "\(refused)")
                let line = lastErrorLine(refused)
                #expect(line.hasPrefix("fieldnotes: error: ") && line.contains("no key file at \(KeyFile.path(forStore: path))")
                        && line.contains("fieldnotes join CODE"), "\(refused)")
                Thread.sleep(forTimeInterval: 0.2)
                #expect(fixture.hub.sessionLog.count == logged, "the copy connected: \(fixture.hub.sessionLog)")
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }
    }
}
