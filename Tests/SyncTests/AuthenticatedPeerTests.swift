import CRDT
import Foundation
import Testing
import Wire

extension SyncSuite {
    /// A peer that holds the device's real key and completes the TLS
    /// handshake and the opening, then misbehaves inside the session. The
    /// hub must refuse with the right code and write nothing of the
    /// offending frame.
    @Suite("authenticated peers")
    struct AuthenticatedPeerTests {
        /// The device writes a note the hub does not have yet; returns the
        /// hub's seq for the device and the device's new operations.
        private static func pendingOperations(_ fixture: HubFixture) throws -> (held: UInt64, operations: [CRDT.Operation]) {
            try fixture.device.add("--title", "pending", "--body", "not yet on the hub", "--tag", "queue")
            let held = try fixture.hubStore.versionVector()[fixture.device.replica]
            let last = try fixture.device.versionVector()[fixture.device.replica]
            let operations = try fixture.device.ownOperations(held + 1, last)
            #expect(operations.count >= 3 && operations.first?.id.seq == held + 1)
            return (held, operations)
        }

        @Test func hubRejectsForgedOrigin() throws {
            try HubFixture.with { fixture in
                let other = try fixture.workspace.makeStore("other.sqlite", device: "someone-else")
                try other.add("--title", "not field-1's to send")
                let forged = try other.ownOperations(1, try other.versionVector()[other.replica])
                let before = try fixture.hubStore.digest()
                let operationsBefore = try fixture.hubStore.operationCount()

                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                try peer.send(.operations(batchID: 1, batch: OperationBatch(forged)))
                expectError(try peer.receive(), .forgedOrigin)
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.versionVector()[other.replica] == 0)
                #expect(try fixture.hubStore.operationCount() == operationsBefore)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        @Test func hubRejectsABatchThatSkipsSeqs() throws {
            try HubFixture.with { fixture in
                let (held, operations) = try Self.pendingOperations(fixture)
                let before = try fixture.hubStore.digest()

                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                try peer.send(.operations(batchID: 1, batch: OperationBatch(Array(operations.dropFirst()))))
                expectError(try peer.receive(), .seqGap)
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// After the opening the limit is 1 MiB; a longer length field is
        /// refused as soon as it arrives.
        @Test func hubRefusesAnOversizedSessionFrame() throws {
            try HubFixture.with { fixture in
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                var bytes: [UInt8] = []
                bytes.appendBigEndian(UInt32(WireLimits.maxFrameLength + 1))
                bytes.append(MessageType.operations.rawValue)
                try peer.send(bytes)
                expectError(try peer.receive(within: 2), .frameTooLarge)
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// Within a session, the next frame must arrive whole within the
        /// idle timeout (1 s here), however steadily its bytes trickle in
        /// (one TLS record per byte).
        @Test func hubDropsAnAuthenticatedPeerTricklingAFrame() throws {
            try HubFixture.with(hubOptions: ["--idle-timeout", "1"]) { fixture in
                let (held, operations) = try Self.pendingOperations(fixture)
                let before = try fixture.hubStore.digest()
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                let frame = try peer.encode(.operations(batchID: 1, batch: OperationBatch(operations)))
                let trickled = try peer.trickle(frame, interval: 0.1)
                expectError(trickled.reply, .timeout)
                #expect(trickled.sent < frame.count, "the whole frame got through")
                #expect(trickled.seconds < 3, "dropped only after \(trickled.seconds) s")
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// One session per device: while a session of field-1 is open, the
        /// real field-1 is told the hub is busy (it would otherwise race the
        /// other session's batches), and it syncs once that session ends.
        @Test func aSecondSimultaneousSessionOfADeviceIsBusy() throws {
            try HubFixture.with { fixture in
                try fixture.device.add("--title", "waiting its turn")
                let before = try fixture.hubStore.digest()
                let held = try fixture.hubStore.versionVector()[fixture.device.replica]
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())

                let refused = try fixture.device.sync()
                #expect(refused.status == 1, "\(refused)")
                let line = lastErrorLine(refused)
                #expect(line.contains("busy") && line.contains("already has a session open"), "\(refused)")
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)

                // The open session is unharmed by the refusal: it ends normally.
                try peer.send(.done(batches: 0, operations: 0))
                #expect(try peer.closesWithoutAnotherFrame())
                try fixture.expectHubUnharmed(digestBefore: before, retryWhileBusyFor: 3)
            }
        }

        /// `hub revoke` is a separate process writing the hub's store; the
        /// serving hub notices within half a second and closes the revoked
        /// device's open session, and says so in its log.
        @Test func revokeClosesTheDevicesOpenSession() throws {
            try HubFixture.with(hubOptions: ["--idle-timeout", "30"]) { fixture in
                let (held, operations) = try Self.pendingOperations(fixture)
                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                // Still open: the hub waits for this peer's operations.
                #expect(throws: PeerTimedOut.self) { try peer.receive(within: 0.3) }

                let revoked = try fixture.hubStore.succeed("hub", "revoke", "field-1")
                let started = Date()
                #expect(revoked.output == "revoked field-1")
                #expect(try peer.closesWithoutAnotherFrame(within: 2), "the revoked session stayed open")
                #expect(Date().timeIntervalSince(started) < 2)
                let notice = "hub: device=field-1 revoked: its open session was closed"
                let deadline = Date().addingTimeInterval(2)
                while !fixture.hub.sessionLog.contains(notice) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
                #expect(fixture.hub.sessionLog.contains(notice), "\(fixture.hub.child.stderrText)")

                // Nothing more gets in on that session, nor on a new one.
                try? peer.send(.operations(batchID: 1, batch: OperationBatch(operations)))
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)
                let refused = try fixture.device.sync()
                #expect(refused.status == 1 && lastErrorLine(refused).contains("revoked"), "\(refused)")
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)
                #expect(fixture.hub.isRunning)
            }
        }
    }
}
