import CRDT
import Foundation
import Store
import Sync
import Synthetic
import Testing
import TLS
import Wire

extension SyncSuite {
    /// Peers that are not fieldnotes devices, not the device they claim, or
    /// not enrolled at all: each is refused with the right Error frame (or
    /// dropped), writes nothing, and the hub goes on serving the good device.
    @Suite("bad peers")
    struct BadPeerTests {
        /// A web browser or a port scanner: no TLS, so the hub closes without
        /// a word (it has nothing to say that such a peer could read).
        @Test func hubClosesAPeerThatDoesNotSpeakTLS() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let logged = fixture.hub.sessionLog.count
                let peer = try RawPeer(port: fixture.hub.port)
                var garbage = Array("GET / HTTP/1.1\r\nHost: hub\r\n\r\n".utf8)
                var random = SplitMix64(seed: 7)
                garbage += (0 ..< 1500).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                try peer.send(garbage)
                #expect(try peer.closesWithoutAnotherFrame())
                let line = try #require(fixture.hub.sessionLines(after: logged).first)
                #expect(line.contains("device=-") && line.contains("outcome=not TLS"), "\(line)")
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// A device still on version 1 opens with the magic and a Hello in
        /// the clear: it gets an Error it can read, in version 1's framing
        /// and without TLS, saying what to do.
        @Test func hubTellsAVersionOneDeviceToUpgradeInItsOwnFraming() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                let hello = try Hello.claiming("field-1", replica: fixture.device.replica, versions: 1 ... 1)
                try peer.send(WireProtocol.magic + hello.encodedFrame())
                let reply = try peer.receive()
                expectError(reply, .unsupportedVersion)
                if case .error(_, let text)? = reply {
                    #expect(text.contains("version \(WireProtocol.currentVersion)") && text.contains("new enrolment code"), "\(text)")
                }
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// Inside TLS, a stream that does not begin with the magic is not a
        /// fieldnotes device.
        @Test func hubAnswersGarbageInsideTLSWithBadMagic() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.startTLS(try Identity.stranger())
                try peer.send(Array("GET / HTTP/1.1\r\nHost: hub\r\n\r\n".utf8))
                expectError(try peer.receive(), .badMagic)
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// Before the hub knows the device a frame may be 1 KiB: a longer
        /// length is refused as soon as its four bytes arrive, so the hub
        /// neither waits for nor buffers the body.
        @Test func hubRefusesAnOversizedHandshakeFrameWithoutWaitingForIt() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.startTLS(try Identity.stranger())
                var bytes = WireProtocol.magic
                bytes.appendBigEndian(UInt32(WireLimits.maxHandshakeFrameLength + 1))
                bytes.append(MessageType.hello.rawValue)
                try peer.send(bytes)
                expectError(try peer.receive(within: 2), .frameTooLarge)
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// Half a Hello, then the peer hangs up: the hub ends the session at
        /// once rather than holding it for the handshake timeout (10 s).
        @Test func hubDropsATruncatedFrameWhenThePeerCloses() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let logged = fixture.hub.sessionLog.count
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.startTLS(fixture.credentials.identity)
                let hello = try fixture.credentials.hello().encodedFrame()
                try peer.send(WireProtocol.magic + hello.prefix(hello.count / 2))
                Thread.sleep(forTimeInterval: 0.1)
                peer.close()
                let line = try #require(fixture.hub.sessionLines(after: logged).first, "the hub did not end the session within 3 s")
                #expect(line.contains("device=-") && line.contains("outcome=network"), "\(line)")
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// An unknown name gets `unknownDevice` straight after the Hello.
        @Test func hubRefusesAnUnknownDevice() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.startTLS(try Identity.stranger())
                try peer.send(WireProtocol.magic + Hello.claiming("stranger").encodedFrame())
                expectError(try peer.receive(), .unknownDevice)
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.devices()["stranger"] == nil)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// The enrolled device's name and replica id, but another key: the
        /// name is worth nothing without the key enrolled for it, token or not.
        @Test(arguments: [false, true])
        func hubRefusesAKeyThatIsNotTheEnrolledOne(withToken: Bool) throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.startTLS(try Identity.stranger())
                let hello = try Hello.claiming("field-1", replica: fixture.device.replica)
                var bytes = try WireProtocol.magic + hello.encodedFrame()
                if withToken { bytes += try Message.enrol(try EnrolmentToken.random()).encode() }
                try peer.send(bytes)
                let reply = try peer.receive()
                expectError(reply, .authFailed)
                if case .error(_, let text)? = reply {
                    #expect(text.contains("not the one enrolled as 'field-1'"), "\(text)")
                }
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.devices()["field-1"]?["replica"] as? String == fixture.device.replica.hex)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// A new laptop for the same person: `hub enroll NAME --replace`
        /// gives a new code; the new store joins and syncs under the name
        /// (its replica id bound beside the first), and the old laptop's key
        /// stops working at once.
        @Test func aDeviceMovedToANewLaptopSyncsUnderItsNameAndTheOldKeyIsRefused() throws {
            try HubFixture.with { fixture in
                let laptop = try fixture.workspace.makeStore("new-laptop.sqlite", device: "field-1")
                let id = try laptop.add("--title", "from the new laptop")
                let withoutReplace = try fixture.hubStore.run(["hub", "enroll", "field-1", "--address", fixture.hub.address])
                #expect(withoutReplace.status == 1 && withoutReplace.stderr.contains("--replace"), "\(withoutReplace)")
                let replaced = try fixture.hubStore.succeed("hub", "enroll", "field-1", "--address", fixture.hub.address, "--replace")
                try laptop.join(try #require(replaced.lines.last))
                #expect(try laptop.syncSucceeds().received > 0, "the new laptop fetched the old one's notes")
                #expect(try fixture.hubStore.show(id)["title"] as? String == "from the new laptop")
                let bound = try Store.open(at: fixture.hubStore.path).replicas(ofDevice: "field-1")
                #expect(Set(bound) == [fixture.device.replica, laptop.replica])

                try fixture.device.add("--title", "from the old laptop")
                let before = try fixture.hubStore.digest()
                let refused = try fixture.device.sync()
                #expect(refused.status == 1, "\(refused)")
                #expect(lastErrorLine(refused).contains("not the one enrolled as 'field-1'"), "\(refused)")
                #expect(try fixture.hubStore.digest() == before)
                try laptop.syncSucceeds()
                #expect(try laptop.digest() == (try fixture.hubStore.digest()))
            }
        }

        /// A device may not bind the hub's replica id, or another device's:
        /// it could then write changes everyone sees as theirs.
        @Test(arguments: ["the hub's", "another device's"])
        func hubRefusesToBindAReplicaIdThatIsNotTheDevicesToTake(_ whose: String) throws {
            try HubFixture.with { fixture in
                let other = try fixture.workspace.makeStore("field-2.sqlite", device: "field-2")
                try other.add("--title", "field-2's own")
                try other.join(try fixture.hub.enroll("field-2"))
                try other.syncSucceeds()
                let before = try fixture.hubStore.digest()
                let taken = whose == "the hub's" ? fixture.hubStore.replica : other.replica
                let credentials = try DeviceCredentials(fixture.device, replica: taken)
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.startTLS(credentials.identity)
                try peer.send(WireProtocol.magic)
                try peer.send(.hello(try credentials.hello()))
                try peer.send(.vector(SyncVector()))
                guard case .error(let code, let text)? = try peer.receive() else {
                    Issue.record("the hub did not refuse \(whose) replica id")
                    return
                }
                #expect(code == .replicaMismatch, "\(code): \(text)")
                #expect(text.contains(whose == "the hub's" ? "hub's own" : "belongs to device 'field-2'"), "\(text)")
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try Store.open(at: fixture.hubStore.path).replicas(ofDevice: "field-1") == [fixture.device.replica])
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        @Test func revokedDeviceCannotSyncAndIsToldWhy() throws {
            try HubFixture.with { fixture in
                let second = try fixture.workspace.makeStore("field-2.sqlite", device: "field-2")
                try second.add("--title", "before the revocation")
                try second.join(try fixture.hub.enroll("field-2"))
                try second.syncSucceeds()
                let heldBefore = try fixture.hubStore.versionVector()[second.replica]
                #expect(heldBefore > 0)

                let revoked = try fixture.hubStore.succeed("hub", "revoke", "field-2")
                #expect(revoked.output == "revoked field-2")
                try second.add("--title", "written after the revocation")
                let before = try fixture.hubStore.digest()
                let refused = try second.sync()
                #expect(refused.status == 1, "\(refused)")
                let line = lastErrorLine(refused)
                #expect(line.hasPrefix("fieldnotes: error: ") && line.contains("revoked") && line.contains("new enrolment code"), "\(refused)")
                #expect(refused.stdout.isEmpty)
                #expect(try fixture.hubStore.versionVector()[second.replica] == heldBefore)
                #expect(try fixture.hubStore.devices()["field-2"]?["revoked"] is String)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// Two peers trickle at once, one inside TLS (a byte of the magic and
        /// Hello every 100 ms) and one that never finishes the TLS handshake
        /// (a record header, then a byte every 500 ms): the hub drops both
        /// when its 10-second handshake time is up, however steadily the
        /// bytes come, and is not slowed for the good device meanwhile.
        /// The idle timeout (3 s) is well under 8 s, so a hub that timed the
        /// handshake by it (no whole frame within it) would drop them too
        /// early; and well over the gaps between the good device's messages
        /// on a loaded machine (with 1 s, its sync once timed out while three
        /// builds ran on two cores).
        @Test(.timeLimit(.minutes(1)))
        func hubDropsPeersTricklingTheirHandshake() throws {
            try HubFixture.with(hubOptions: ["--idle-timeout", "3"]) { fixture in
                let before = try fixture.hubStore.digest()
                let started = Date()
                let inTLS = try RawPeer(port: fixture.hub.port)
                try inTLS.startTLS(try Identity.stranger())
                // 134 bytes: 13.4 s at this rate, past the handshake timeout.
                let hello = try Hello.claiming(String(repeating: "t", count: WireLimits.maxDeviceNameLength))
                let tlsBytes = try WireProtocol.magic + hello.encodedFrame()
                let bare = try RawPeer(port: fixture.hub.port)
                let bareBytes: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00] + Array(repeating: 0x41, count: 100)

                var tlsReply: Message?, tlsSent = 0, tlsSeconds: Double?
                var bareSent = 0, bareSeconds: Double?
                var tick = 0
                while (tlsSeconds == nil || bareSeconds == nil) && Date().timeIntervalSince(started) < 15 {
                    if tlsSeconds == nil {
                        if tlsSent < tlsBytes.count, (try? inTLS.send([tlsBytes[tlsSent]])) != nil { tlsSent += 1 }
                        do {
                            tlsReply = try inTLS.receive(within: 0.05)
                            tlsSeconds = Date().timeIntervalSince(started)
                        } catch is PeerTimedOut {}
                    }
                    if bareSeconds == nil {
                        if tick % 5 == 0, bareSent < bareBytes.count, (try? bare.connection.send([bareBytes[bareSent]], timeout: 1)) != nil {
                            bareSent += 1
                        }
                        do {
                            // An alert is fine; the end of the stream is what counts.
                            if try bare.connection.receive(maximum: 4096, timeout: 0.05).isEmpty { bareSeconds = Date().timeIntervalSince(started) }
                        } catch let error as SocketError where error.kind == .timeout {
                        } catch {
                            bareSeconds = Date().timeIntervalSince(started)
                        }
                    }
                    tick += 1
                }
                expectError(tlsReply, .timeout)
                #expect(tlsSent < tlsBytes.count, "the whole Hello got through")
                let tlsDropped = try #require(tlsSeconds, "the hub never dropped the peer trickling inside TLS")
                #expect(tlsDropped > 8 && tlsDropped < 12.5, "dropped after \(tlsDropped) s")
                let bareDropped = try #require(bareSeconds, "the hub never dropped the peer trickling its TLS handshake")
                #expect(bareDropped > 8 && bareDropped < 12.5, "dropped after \(bareDropped) s")
                #expect(bareSent < bareBytes.count)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// With both sessions taken by enrolled devices that stall, every
        /// further device is told `busy` at once instead of hanging, and the
        /// real client says so; once the stalled sessions go, the device syncs.
        @Test func hubAnswersSessionsBeyondItsLimitWithBusy() throws {
            try HubFixture.with(hubOptions: ["--max-connections", "2", "--idle-timeout", "5"]) { fixture in
                var holders: [RawPeer] = []
                for name in ["field-2", "field-3"] {
                    let store = try fixture.workspace.makeStore("\(name).sqlite", device: name)
                    try store.join(try fixture.hub.enroll(name))
                    let holder = try RawPeer(port: fixture.hub.port)
                    try holder.authenticate(try DeviceCredentials(store), vector: store.syncVector())
                    holders.append(holder)
                }
                let before = try fixture.hubStore.digest()
                for _ in 0 ..< 3 {
                    let started = Date()
                    let extra = try RawPeer(port: fixture.hub.port)
                    try extra.startTLS(fixture.credentials.identity)
                    try extra.send(WireProtocol.magic + fixture.credentials.hello().encodedFrame())
                    let reply = try extra.receive(within: 3)
                    expectError(reply, .busy)
                    if case .error(_, let text)? = reply { #expect(text.contains("2 sessions open"), "\(text)") }
                    #expect(try extra.closesWithoutAnotherFrame(within: 3))
                    #expect(Date().timeIntervalSince(started) < 3)
                }
                let refused = try fixture.device.sync()
                #expect(refused.status == 1, "\(refused)")
                #expect(lastErrorLine(refused).contains("busy") && lastErrorLine(refused).contains("try again"), "\(refused)")

                for holder in holders { holder.close() }
                try fixture.expectHubUnharmed(digestBefore: before, retryWhileBusyFor: 3)
            }
        }

        /// A peer's name with a newline, an escape sequence, a carriage
        /// return, a line separator, DEL or a backslash cannot forge, break or
        /// colour the hub's log: each session is one line, control characters
        /// escaped.
        @Test func hubLogsPeerTextWithControlCharactersEscaped() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let names = [
                    "x\nhub: device=field-1 outcome=ok", "\u{1B}[2J\u{1B}[31mred", "over\rwrite", "line\u{2028}sep",
                    "del\u{7F}", "back\\slash", "bidi\u{202E}txt",
                ]
                let logged = fixture.hub.sessionLog.count
                for name in names {
                    let peer = try RawPeer(port: fixture.hub.port)
                    try peer.startTLS(try Identity.stranger())
                    try peer.send(WireProtocol.magic + Hello.claiming(name).encodedFrame())
                    expectError(try peer.receive(), .unknownDevice)
                    #expect(try peer.closesWithoutAnotherFrame())
                    _ = fixture.hub.waitForSessionLog(moreThan: logged + names.firstIndex(of: name)!, within: 3)
                }
                let lines = fixture.hub.sessionLines(after: logged)
                #expect(lines.count == names.count, "one line per session: \(lines)")
                for (line, name) in zip(lines, names) {
                    #expect(line.hasPrefix("hub: device=") && line.contains("outcome=unknownDevice"), "\(line) for \(name.debugDescription)")
                }
                let log = fixture.hub.child.stderrText
                for forbidden: Unicode.Scalar in ["\u{1B}", "\r", "\u{2028}", "\u{7F}", "\u{202E}"] {
                    #expect(!log.unicodeScalars.contains(forbidden), "the log holds a raw U+\(String(forbidden.value, radix: 16))")
                }
                #expect(!log.split(separator: "\n").contains { $0.hasPrefix("hub: device=field-1 outcome=ok") }, "a peer forged a log line")
                #expect(lines.first?.contains("device=x\\u{a}hub: device=field-1") == true, "\(lines)")
                #expect(lines.contains { $0.contains("device=\\u{1b}[2J\\u{1b}[31mred ") }, "\(lines)")
                #expect(lines.contains { $0.contains("device=back\\\\slash ") }, "\(lines)")
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }
    }
}
