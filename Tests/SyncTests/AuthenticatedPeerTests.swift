import CRDT
import Foundation
import Testing
import Wire

extension SyncSuite {
    /// A peer that holds the device's real secret and completes the
    /// handshake, then misbehaves inside the session. The hub must refuse
    /// with the right code and write nothing of the offending frame.
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

        enum Flip: String, CaseIterable, CustomTestStringConvertible {
            case tag, body
            var testDescription: String { "a flipped bit in the \(rawValue)" }
        }

        /// A batch of the device's real next operations, with one bit
        /// flipped, is refused with `badTag` and not one of them is written.
        @Test(arguments: Flip.allCases)
        func hubRejectsATamperedFrame(_ flip: Flip) throws {
            try HubFixture.with { fixture in
                let (held, operations) = try Self.pendingOperations(fixture)
                let before = try fixture.hubStore.digest()

                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                var frame = try peer.encode(.operations(batchID: 1, batch: OperationBatch(operations)))
                switch flip {
                case .tag: frame[frame.count - 1] ^= 0x01
                case .body: frame[frame.count - WireLimits.tagLength - 3] ^= 0x80
                }
                try peer.send(frame)
                expectError(try peer.receive(), .badTag)
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// The same frame twice: the first is committed and acknowledged; the
        /// copy fails to verify because the frame counter has moved on.
        @Test func hubRejectsAReplayedFrame() throws {
            try HubFixture.with { fixture in
                let (held, operations) = try Self.pendingOperations(fixture)

                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                let frame = try peer.encode(.operations(batchID: 1, batch: OperationBatch(operations)))
                try peer.send(frame)
                #expect(try peer.receive() == .ack(batchID: 1, applied: UInt64(operations.count)))
                try peer.send(frame)
                expectError(try peer.receive(), .badTag)
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held + UInt64(operations.count))
                // The hub holds exactly what the device holds: the batch once, nothing else.
                let after = try fixture.hubStore.digest()
                #expect(after == (try fixture.device.digest()))
                #expect(try fixture.hubStore.operationCount() == (try fixture.device.operationCount()))
                try fixture.expectHubUnharmed(digestBefore: after)
            }
        }

        /// After the handshake the limit is 1 MiB; a longer length field is
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
    }
}
