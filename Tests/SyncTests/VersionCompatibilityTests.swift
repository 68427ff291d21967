import CRDT
import Testing
import Wire

extension SyncSuite {
    /// Protocol version 4 adds CompressedOps and keeps serving version 3
    /// (SPEC §10): a device that offers only 3 gets a version 3 session with
    /// Ops only, one that offers 4 gets the same operations, compressed where
    /// that is shorter, and CompressedOps in a version 3 session is refused.
    @Suite("protocol versions 3 and 4")
    struct VersionCompatibilityTests {
        /// Opens a session offering `versions` with an empty Vector, so the hub
        /// sends everything it holds; acknowledges every batch. Returns the
        /// selected version, the frame types of the hub's batches, and their operations.
        private static func fetchEverything(_ fixture: HubFixture, versions: ClosedRange<UInt16>) throws
            -> (version: UInt16, types: [MessageType], operations: [CRDT.Operation]) {
            let peer = try RawPeer(port: fixture.hub.port)
            try peer.startTLS(fixture.credentials.identity)
            try peer.send(WireProtocol.magic)
            try peer.send(.hello(try fixture.credentials.hello(versions: versions)))
            try peer.send(.vector(SyncVector()))
            guard case .welcome(let welcome)? = try peer.receive() else { throw UnexpectedReply() }
            peer.decoder.beginSession()
            guard case .vector? = try peer.receive() else { throw UnexpectedReply() }
            var types: [MessageType] = []
            var operations: [CRDT.Operation] = []
            while let message = try peer.receive() {
                if case .done = message { break }
                guard let (batchID, batch) = message.operationBatch else { throw UnexpectedReply() }
                types.append(message.type)
                operations += batch.operations
                try peer.send(.ack(batchID: batchID, applied: 0))
            }
            try peer.send(.done(batches: 0, operations: 0))
            return (welcome.version, types, operations)
        }

        @Test func aVersionThreeDeviceGetsOpsAndAVersionFourDeviceTheSameCompressed() throws {
            try HubFixture.with { fixture in
                // Enough on the hub that its batches compress: 300 notes of another device.
                let other = try fixture.workspace.makeStore("field-2.sqlite", device: "field-2")
                try other.join(try fixture.hub.enroll("field-2"))
                try other.succeed("import", try fixture.workspace.notesFile("notes.ndjson", count: 300))
                try other.syncSucceeds()

                let old = try Self.fetchEverything(fixture, versions: 3 ... 3)
                #expect(old.version == 3)
                #expect(!old.types.isEmpty && old.types.allSatisfy { $0 == .operations }, "\(old.types)")

                let new = try Self.fetchEverything(fixture, versions: 3 ... 4)
                #expect(new.version == 4)
                #expect(new.types.contains(.compressedOperations), "\(new.types)")
                #expect(new.operations == old.operations, "the two versions carried different operations")
                #expect(UInt64(new.operations.count) > 2_000)
            }
        }

        @Test func compressedOpsInAVersionThreeSessionIsAProtocolViolation() throws {
            try HubFixture.with { fixture in
                try fixture.device.add("--title", "pending", "--body", "not yet on the hub", "--tag", "queue")
                let held = try fixture.hubStore.versionVector()[fixture.device.replica]
                let operations = try fixture.device.ownOperations(held + 1, try fixture.device.versionVector()[fixture.device.replica])
                let before = try fixture.hubStore.digest()

                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector(), versions: 3 ... 3)
                try peer.send(.compressedOperations(batchID: 1, batch: OperationBatch(operations)))
                expectError(try peer.receive(), .protocolViolation)
                #expect(try peer.closesWithoutAnotherFrame())
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == held)
                try fixture.expectHubUnharmed(digestBefore: before)
            }
        }

        /// In a version 4 session the hub takes a CompressedOps like an Ops.
        @Test func aVersionFourHubCommitsACompressedBatch() throws {
            try HubFixture.with { fixture in
                try fixture.device.add("--title", "pending", "--body", "not yet on the hub", "--tag", "queue")
                let held = try fixture.hubStore.versionVector()[fixture.device.replica]
                let last = try fixture.device.versionVector()[fixture.device.replica]
                let operations = try fixture.device.ownOperations(held + 1, last)

                let peer = try RawPeer(port: fixture.hub.port)
                try peer.authenticate(fixture.credentials, vector: fixture.device.syncVector())
                try peer.send(.compressedOperations(batchID: 1, batch: OperationBatch(operations)))
                guard case .ack(1, let applied)? = try peer.receive() else {
                    Issue.record("the hub did not acknowledge the compressed batch")
                    return
                }
                #expect(applied == UInt64(operations.count))
                #expect(try fixture.hubStore.versionVector()[fixture.device.replica] == last)
            }
        }
    }
}
