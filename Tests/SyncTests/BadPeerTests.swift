import CRDT
import Crypto
import Foundation
import Store
import Testing
import Wire

extension SyncSuite {
    /// Peers that are not fieldnotes devices, or not the device they claim:
    /// each is refused with the right Error frame (or dropped), writes
    /// nothing, and the hub goes on serving the good device.
    @Suite("bad peers")
    struct BadPeerTests {
        @Test func hubAnswersGarbageWithBadMagicAndKeepsServing() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                var garbage = Array("GET / HTTP/1.1\r\nHost: hub\r\n\r\n".utf8)
                var random = SplitMix64(seed: 7)
                garbage += (0 ..< 1500).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                try peer.send(garbage)
                expectError(try peer.receive(), .badMagic)
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        @Test func hubAnswersWrongMagicWithBadMagic() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                var magic = WireProtocol.magic
                magic[3] ^= 0x01
                try peer.send(magic + fixture.credentials.hello().encodedFrame())
                expectError(try peer.receive(), .badMagic)
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// The length is refused as soon as its four bytes arrive: the hub
        /// neither waits for nor buffers the body.
        @Test func hubRefusesAnOversizedHandshakeFrameWithoutWaitingForIt() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
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
                let hello = try fixture.credentials.hello().encodedFrame()
                try peer.send(WireProtocol.magic + hello.prefix(hello.count / 2))
                Thread.sleep(forTimeInterval: 0.1)
                peer.close()
                let log = fixture.hub.waitForSessionLog(moreThan: logged, within: 3)
                let line = try #require(log.count > logged ? log[logged] : nil, "the hub did not end the session within 3 s")
                #expect(line.contains("device=-") && line.contains("outcome=network"), "\(line)")
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        @Test func hubRefusesAWrongProofWithAuthFailed() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                let hello = try fixture.credentials.hello()
                _ = try peer.challenge(after: hello, fixture.credentials)
                try peer.send(.proof(mac: SecureRandom.bytes(Challenge.proofLength)))
                expectError(try peer.receive(), .authFailed)
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// A recorded Hello and the Proof made for it are worthless on a new
        /// connection: the hub's fresh nonce changes the proof it expects.
        @Test func hubRefusesAHandshakeReplayedAgainstAFreshNonce() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let credentials = fixture.credentials
                let hello = try credentials.hello()
                let first = try RawPeer(port: fixture.hub.port)
                let recordedChallenge = try first.challenge(after: hello, credentials)
                let recordedProof = try Handshake.deviceProof(secret: credentials.secret, hello: hello, challenge: recordedChallenge)
                first.close()

                let replay = try RawPeer(port: fixture.hub.port)
                let challenge = try replay.challenge(after: hello, credentials)
                #expect(challenge.nonce != recordedChallenge.nonce)
                try replay.send(.proof(mac: recordedProof))
                expectError(try replay.receive(), .authFailed)
                #expect(try replay.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// An unknown name gets `unknownDevice` straight after the Hello, and no Challenge.
        @Test func hubRefusesAnUnknownDevice() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                let stranger = Hello(deviceName: "stranger", replica: ReplicaID(high: 1, low: 2),
                                     nonce: try SecureRandom.bytes(Hello.nonceLength), wallClockMillis: 0)
                try peer.send(WireProtocol.magic + stranger.encodedFrame())
                expectError(try peer.receive(), .unknownDevice)
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.devices()["stranger"] == nil)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// The device's name and secret used from another store (say, one
        /// re-created after a loss, or a copy that re-issued its changes):
        /// the hub binds the new replica id to the same device, and keeps
        /// the first one bound too.
        @Test func aDeviceMaySyncFromANewStoreUnderItsName() throws {
            try HubFixture.with { fixture in
                let recreated = try fixture.workspace.makeStore("recreated.sqlite", device: "field-1")
                let id = try recreated.add("--title", "from the re-created store")
                try recreated.join(fixture.code)
                try recreated.syncSucceeds()
                #expect(try fixture.hubStore.show(id)["title"] as? String == "from the re-created store")
                let bound = try Store.open(at: fixture.hubStore.path).replicas(ofDevice: "field-1")
                #expect(Set(bound) == [fixture.device.replica, recreated.replica])
                try fixture.expectHubUnharmed(digestBefore: try fixture.hubStore.digest())
            }
        }

        /// A device may not bind the hub's replica id, or another device's:
        /// it could then write changes everyone sees as theirs.
        @Test(arguments: ["the hub's", "another device's"])
        func hubRefusesToBindAReplicaIdThatIsNotTheDevicesToTake(_ whose: String) throws {
            try HubFixture.with { fixture in
                let other = try fixture.workspace.makeStore("field-2.sqlite", device: "field-2")
                try other.join(try fixture.hub.enroll("field-2"))
                try other.syncSucceeds()
                let before = try fixture.hubStore.digest()
                let taken = whose == "the hub's" ? fixture.hubStore.replica : other.replica
                let credentials = try DeviceCredentials(code: fixture.code, replica: taken)
                let peer = try RawPeer(port: fixture.hub.port)
                let hello = try credentials.hello()
                let challenge = try peer.challenge(after: hello, credentials)
                try peer.send(.proof(mac: Handshake.deviceProof(secret: credentials.secret, hello: hello, challenge: challenge)))
                let keys = Handshake.sessionKeys(secret: credentials.secret, deviceNonce: hello.nonce, hubNonce: challenge.nonce)
                peer.encoder.beginAuthentication(key: keys.deviceToHub)
                try peer.send(.vector(SyncVector()))
                guard case .error(let code, let text)? = try peer.receive() else {
                    Issue.record("the hub did not refuse \(whose) replica id")
                    return
                }
                #expect(code == .replicaMismatch, "\(code): \(text)")
                #expect(text.contains(whose == "the hub's" ? "hub's own" : "belongs to device 'field-2'"), "\(text)")
                #expect(try Store.open(at: fixture.hubStore.path).replicas(ofDevice: "field-1") == [fixture.device.replica])
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        @Test func revokedDeviceCannotSyncAndIsToldWhy() throws {
            try HubFixture.with { fixture in
                let second = try fixture.workspace.makeStore("field-2.sqlite", device: "field-2")
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
                let line = refused.stderr.split(separator: "\n").last.map(String.init) ?? ""
                #expect(line.hasPrefix("fieldnotes: error: ") && line.contains("revoked") && line.contains("new enrolment code"), "\(refused)")
                #expect(refused.stdout.isEmpty)
                #expect(try fixture.hubStore.versionVector()[second.replica] == heldBefore)
                #expect(try fixture.hubStore.devices()["field-2"]?["revoked"] is String)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// One byte every 100 ms never completes a handshake: the hub drops
        /// the peer with `timeout` when the 10-second handshake time is up.
        @Test(.timeLimit(.minutes(1)))
        func hubDropsAPeerTricklingItsHandshake() throws {
            try HubFixture.with(hubOptions: ["--idle-timeout", "1"]) { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                // 134 bytes: 13.4 s at this rate, past the handshake timeout.
                let hello = Hello(deviceName: String(repeating: "t", count: WireLimits.maxDeviceNameLength),
                                  replica: ReplicaID(high: 3, low: 4), nonce: try SecureRandom.bytes(Hello.nonceLength), wallClockMillis: 0)
                let bytes = try WireProtocol.magic + hello.encodedFrame()
                let trickled = try peer.trickle(bytes, interval: 0.1)
                expectError(trickled.reply, .timeout)
                #expect(trickled.sent < bytes.count, "the whole Hello got through")
                #expect(trickled.seconds < 12.5, "dropped only after \(trickled.seconds) s")
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// Within a session, the next frame must arrive whole within the
        /// idle timeout (1 s here), however steadily its bytes trickle in.
        @Test func hubDropsAnAuthenticatedPeerTricklingAFrame() throws {
            try HubFixture.with(hubOptions: ["--idle-timeout", "1"]) { fixture in
                try fixture.device.add("--title", "to be trickled")
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                let held = try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())[fixture.device.replica]
                let operations = try fixture.device.ownOperations(held + 1, try fixture.device.versionVector()[fixture.device.replica])
                let frame = try peer.encode(.operations(batchID: 1, batch: OperationBatch(operations)))
                let trickled = try peer.trickle(frame, interval: 0.1)
                expectError(trickled.reply, .timeout)
                #expect(trickled.sent < frame.count, "the whole frame got through")
                #expect(trickled.seconds < 3, "dropped only after \(trickled.seconds) s")
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// With both sessions taken by stalled peers, every further
        /// connection is told `busy` at once instead of hanging, and the real
        /// client says so; once the stalled peers go, the device syncs.
        @Test func hubAnswersConnectionsBeyondItsLimitWithBusy() throws {
            try HubFixture.with(hubOptions: ["--max-connections", "2", "--idle-timeout", "5"]) { fixture in
                let before = try fixture.hubStore.digest()
                var holders: [RawPeer] = []
                for _ in 0 ..< 2 {
                    let holder = try RawPeer(port: fixture.hub.port)
                    try holder.sendMagic()
                    // Admitted: the hub waits for a Hello instead of refusing.
                    #expect(throws: PeerTimedOut.self) { try holder.receive(within: 0.3) }
                    holders.append(holder)
                }
                for _ in 0 ..< 6 {
                    let started = Date()
                    let extra = try RawPeer(port: fixture.hub.port)
                    try extra.send(WireProtocol.magic + fixture.credentials.hello().encodedFrame())
                    expectError(try extra.receive(within: 3), .busy)
                    #expect(try extra.closesWithoutAnotherFrame(within: 3))
                    #expect(Date().timeIntervalSince(started) < 3)
                }
                let refused = try fixture.device.sync()
                #expect(refused.status == 1, "\(refused)")
                #expect(refused.stderr.contains("busy") && refused.stderr.contains("try again"), "\(refused)")

                for holder in holders { holder.close() }
                try fixture.expectHubUnharmed(digestBefore: before, retryWhileBusyFor: 3)
            }
        }
    }
}

extension RawPeer {
    /// Sends `bytes` one at a time, `interval` apart, watching for the hub's
    /// answer between bytes. Stops at the first frame from the hub or when
    /// it closes; returns that frame (nil: closed without one), how many
    /// bytes were sent, and how long it took.
    func trickle(_ bytes: [UInt8], interval: Double) throws -> (reply: Message?, sent: Int, seconds: Double) {
        let started = Date()
        var sent = 0
        for byte in bytes {
            do {
                try send([byte])
            } catch {
                break // the hub has closed; read what it said below
            }
            sent += 1
            do {
                let reply = try receive(within: interval)
                return (reply, sent, Date().timeIntervalSince(started))
            } catch is PeerTimedOut {
                continue
            }
        }
        let reply = try? receive(within: 2)
        return (reply, sent, Date().timeIntervalSince(started))
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                            UInt8(truncatingIfNeeded: value)])
    }
}

/// A small deterministic generator for test bytes.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
