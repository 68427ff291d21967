import CRDT
import Foundation
@testable import Store
@testable import Sync
import Testing
import Wire

/// The device and hub sessions as state machines with no I/O (SPEC §7.3,
/// §7.4), driven in process: against the session vector byte for byte, and
/// against each other through a `SessionPipe` with real stores on disk.
/// No socket, no TLS, no hub process.
@Suite("session machines")
struct SessionMachineTests {
    // MARK: The session vector

    /// The device, holding what the vector's device holds and fed the hub's
    /// frames of `Protocol/vectors/session.json`, writes exactly the
    /// device's frames, then records that the hub holds its seq 14.
    @Test func theDeviceWritesTheSessionVectorByteForByte() throws {
        let vector = try SessionVector.load()
        let hello = try #require(vector.hello)
        let stated = try #require(vector.vector(from: .device))
        let own = vector.operations(from: .device)
        let hubOrigin = try #require(vector.operations(from: .hub).first?.id.origin)
        // It states 12 of its own (what the hub acknowledged) but holds 14.
        var held = stated.vector
        held[hello.replica] = try #require(own.last?.id.seq)
        let store = ReplayStore(replica: hello.replica, stated: stated, held: held, operations: own, acknowledged: stated[hello.replica])
        var session = DeviceSession(store: store, deviceName: hello.deviceName, purpose: .sync,
                                    wallClock: { hello.wallClockMillis }, nonce: { hello.nonce })
        let (raisedAt, closed) = try replay(vector, as: .device, next: {
            switch try session.next() {
            case .send(let messages): return .send(messages)
            case .sendBatch(let batch): return .sendBatch(batch)
            case .sendError(let code, let text): return .send([.error(code: code, message: text)])
            case .raiseFrameLimit: return .raiseFrameLimit
            case .receive: return .receive
            case .close(let outcome):
                #expect(outcome == .complete)
                return .close
            }
        }, receive: { try session.receive($0) })
        #expect(closed)
        #expect(raisedAt == 1, "the frame limit rises right after the Welcome")
        #expect(store.applied == vector.operations(from: .hub))
        #expect(store.recordedSyncs.map(\.acknowledged) == [14] && store.recordedSyncs.allSatisfy(\.completed))
        #expect(session.report.received == 2 && session.report.sent == 2)
        #expect(session.report.hubReplica == vector.welcome?.hubReplica)
        #expect(session.report.clockSkewMillis == 1234)
        #expect(store.held[hubOrigin] == 30)
    }

    /// The hub, holding what the vector's hub holds with the device
    /// enrolled, and fed the device's frames, writes exactly the hub's.
    @Test func theHubWritesTheSessionVectorByteForByte() throws {
        let vector = try SessionVector.load()
        let hello = try #require(vector.hello)
        let welcome = try #require(vector.welcome)
        let stated = try #require(vector.vector(from: .hub))
        let key = [UInt8](repeating: 0x5A, count: 32)
        let entry = DeviceEntry(name: hello.deviceName, keyFingerprint: key, tokenHash: nil, tokenExpiresMillis: nil, tokenUsedMillis: nil,
                                replica: hello.replica, enrolledMillis: 0, lastSeenMillis: nil, operationsReceived: 0, revokedMillis: nil)
        let store = ReplayStore(replica: welcome.hubReplica, stated: stated, held: stated.vector, operations: vector.operations(from: .hub), entry: entry)
        var session = HubSession(host: ReplayHub(store: store, clock: welcome.wallClockMillis), presentedKey: key)
        let (raisedAt, closed) = try replay(vector, as: .hub, next: {
            switch try session.next() {
            case .send(let messages): return .send(messages)
            case .sendBatch(let batch): return .sendBatch(batch)
            case .raiseFrameLimit: return .raiseFrameLimit
            case .receive(let deadline):
                #expect(deadline == (session.authenticated ? .idle : .handshake))
                return .receive
            case .close: return .close
            }
        }, receive: { try session.receive($0) })
        #expect(closed)
        #expect(raisedAt == 1, "the frame limit rises once the Hello is accepted")
        #expect(store.applied == vector.operations(from: .device))
        #expect(store.bound.map(\.device) == [hello.deviceName] && store.bound.map(\.replica) == [hello.replica])
        #expect(session.received == 2 && session.sent == 2 && session.outcome == "ok")
    }

    /// A hub that selects version 3 (an older hub) gets a version 3
    /// session: the device refuses a CompressedOps from it as a
    /// `protocolViolation`, and (fed plain Ops instead) sends its own batch
    /// as Ops, never CompressedOps, however well it would compress (SPEC §10).
    @Test func aDeviceInAVersionThreeSessionNeitherTakesNorSendsCompressedOps() throws {
        let vector = try SessionVector.load()
        let hello = try #require(vector.hello)
        let stated = try #require(vector.vector(from: .device))
        let hubVector = try #require(vector.vector(from: .hub))
        let welcome = try #require(vector.welcome)
        let fromHub = try #require(vector.frames(from: .hub).compactMap(\.message).first { $0.operationBatch != nil }?.operationBatch)
        // The device's own operations 13..40: a batch that compresses.
        let own = (13 ... 40).map { seq in
            CRDT.Operation(id: OperationID(origin: hello.replica, seq: UInt64(seq)), timestamp: Timestamp(physical: 1_717_243_200_000 + UInt64(seq), logical: 0),
                           record: fromHub.batch.operations[0].record, action: .add(set: "tags", element: .text("tag number \(seq)")))
        }
        for compressedFromHub in [true, false] {
            var held = stated.vector
            held[hello.replica] = 40
            let store = ReplayStore(replica: hello.replica, stated: stated, held: held, operations: own, acknowledged: stated[hello.replica])
            var session = DeviceSession(store: store, deviceName: hello.deviceName, purpose: .sync,
                                        wallClock: { hello.wallClockMillis }, nonce: { hello.nonce })
            var sent: [Message] = []
            func drain() throws {
                while true {
                    switch try session.next() {
                    case .send(let messages): sent += messages
                    case .sendBatch(let batch): sent.append(batch.message)
                    case .sendError, .raiseFrameLimit: continue
                    case .receive, .close: return
                    }
                }
            }
            try drain()
            try session.receive(.welcome(Welcome(version: 3, hubReplica: welcome.hubReplica, wallClockMillis: welcome.wallClockMillis)))
            try drain()
            try session.receive(.vector(hubVector))
            try drain()
            if compressedFromHub {
                #expect(throws: SyncError.self) {
                    try session.receive(.compressedOperations(batchID: fromHub.batchID, batch: fromHub.batch))
                }
                continue
            }
            try session.receive(.operations(batchID: fromHub.batchID, batch: fromHub.batch))
            try drain()
            try session.receive(.done(batches: 1, operations: UInt64(fromHub.batch.operations.count)))
            try drain()
            let ownBatches = sent.filter { $0.operationBatch != nil }
            #expect(!ownBatches.isEmpty && ownBatches.allSatisfy { if case .operations = $0 { return true } else { return false } }, "\(ownBatches.map(\.type))")
            let batch = try #require(ownBatches.first?.operationBatch?.batch)
            #expect(try Message.ops(batchID: 1, batch: batch, version: 4).message.type == .compressedOperations, "the batch would compress in version 4")
        }
    }

    /// Two real stores through the pipe, an enrolled device with one note:
    /// each side writes the same frames, in the same order, as in the
    /// session vector. Only the interleaving differs, where SPEC §7.1 rule 5
    /// lets it: our hub waits for the Ack of its batch before its Done.
    @Test func realStoresExchangeTheSessionVectorsFrames() throws {
        let vector = try SessionVector.load()
        try Workspace.with { workspace in
            let hub = try PipeHub.make(workspace)
            let device = try hub.enrolled(workspace, "field-laptop")
            try device.write(["Market stall, morning"])
            let (report, sessions) = try device.sync(with: hub)
            let session = try #require(sessions.first)
            #expect(sessions.count == 1 && report.sent == 4 && report.received == 2)
            // A batch goes as Ops or CompressedOps, whichever frame is shorter (SPEC §5.10):
            // the real stores' batches differ from the vector's, so the two count as one here.
            func family(_ type: MessageType) -> MessageType { type == .compressedOperations ? .operations : type }
            for side in [Side.device, .hub] {
                let written = session.transcript.filter { $0.from == side }.map { family($0.message.type) }
                #expect(written == vector.frames(from: side).compactMap { $0.message.map { family($0.type) } }, "\(side)")
            }
            #expect(session.types.map { $0.replacingOccurrences(of: "compressedOps", with: "ops") }
                    == ["D:hello", "D:vector", "H:welcome", "H:vector", "H:ops", "D:ack", "H:done", "D:ops", "H:ack", "D:done"])
            #expect(session.transcript.allSatisfy { $0.message.isAllowed(inVersion: 4) })
        }
    }

    // MARK: Device and hub against each other

    /// Two devices and the hub, several rounds of writes and edits: every
    /// store ends with the same state, and a sync with nothing to do is the
    /// one round trip of §7.6.
    @Test func aFullSyncConverges() throws {
        try Workspace.with { workspace in
            let hub = try PipeHub.make(workspace)
            let alice = try hub.enrolled(workspace, "alice")
            let bob = try hub.enrolled(workspace, "bob")
            var expected: Set<String> = []
            for round in 1 ... 3 {
                let titles = (1 ... 4).map { "alice round \(round) note \($0)" }
                let ids = try alice.write(titles)
                try bob.write(["bob round \(round)"])
                try alice.store.commit([.assign(ids[0], field: "title", value: .text("alice round \(round) edited"))])
                expected.formUnion(titles.dropFirst() + ["bob round \(round)", "alice round \(round) edited"])
                let first = try alice.sync(with: hub)
                // Its nine changes, and in the first round the two that name its replica.
                #expect(first.report.sent == (round == 1 ? 11 : 9) && first.sessions.count == 1, "round \(round): \(first.report)")
                try bob.sync(with: hub)
                try alice.sync(with: hub)
            }
            let hubStore = try Store.open(at: hub.storePath)
            for device in [alice, bob] {
                #expect(try device.titles() == expected, "\(device.name)")
                #expect(try device.store.digest() == (try hubStore.digest()), "\(device.name)")
            }
            #expect(try PipeDevice.titles(hubStore) == expected)
            let idle = try bob.sync(with: hub)
            #expect(idle.report.sent == 0 && idle.report.received == 0)
            #expect(idle.sessions.map(\.types) == [["D:hello", "D:vector", "H:welcome", "H:vector", "H:done", "D:done"]])
            #expect(idle.sessions.first?.hubClosed == true)
        }
    }

    /// A device with more than four batches to send keeps at most four
    /// unacknowledged (§7.1 rule 4), sends none before the hub's Done
    /// (rule 5a), numbers them 1, 2, 3, …, and the hub commits each.
    @Test func theDeviceKeepsAWindowOfFourBatches() throws {
        try Workspace.with { workspace in
            let hub = try PipeHub.make(workspace)
            let alice = try hub.enrolled(workspace, "alice")
            for chunk in 0 ..< 3 { try alice.write((0 ..< 800).map { "note \(chunk)-\($0)" }) }
            let (report, sessions) = try alice.sync(with: hub)
            let session = try #require(sessions.first)
            var inFlight = 0, most = 0
            var ids: [UInt64] = []
            var sawHubDone = false
            for (from, message) in session.transcript {
                switch (from, message) {
                case (.hub, .done): sawHubDone = true
                case (.device, .operations(let batchID, _)), (.device, .compressedOperations(let batchID, _)):
                    #expect(sawHubDone, "the device sent Ops before the hub's Done")
                    ids.append(batchID)
                    inFlight += 1
                    most = max(most, inFlight)
                case (.hub, .ack): inFlight -= 1
                default: break
                }
            }
            #expect(ids == Array(1 ... 5), "\(ids)")
            #expect(most == WireLimits.window)
            #expect(report.sent == 4802 && session.hub.received == 4802)
            #expect(try alice.store.digest() == (try Store.open(at: hub.storePath).digest()))
        }
    }

    /// Enrolment redeems the one-time token: the hub records the key the
    /// device presented and burns the token; the session ends after the
    /// Welcome when the device closes. A wrong token is refused.
    @Test func enrolmentRedeemsTheToken() throws {
        try Workspace.with { workspace in
            let hub = try PipeHub.make(workspace)
            let hubStore = try Store.open(at: hub.storePath)
            let device = try PipeDevice.make(workspace, "alice", key: 0xA1)
            let token = try EnrolmentToken.random()
            try hubStore.enroll(device: "alice", tokenHash: token.hash, expiresMillis: Store.systemMillis() + 3_600_000)

            let wrong = try device.enrol(with: hub, token: try EnrolmentToken.random())
            #expect(wrong.deviceCode == .authFailed && wrong.hubCode == .authFailed)
            #expect((wrong.hubError as? SyncError)?.message.contains("is not the code the hub issued") == true, "\(String(describing: wrong.hubError))")
            #expect(wrong.types == ["D:hello", "D:enrol", "H:error"])
            #expect(try hubStore.device(named: "alice")?.keyFingerprint == nil)

            let result = try device.enrol(with: hub, token: token)
            #expect(result.deviceError == nil && result.hubError == nil, "\(String(describing: result.deviceError)) \(String(describing: result.hubError))")
            #expect(result.deviceOutcome == .complete && result.hubClosed)
            #expect(result.hub.outcome == "enrolled" && result.hub.authenticated)
            #expect(result.types == ["D:hello", "D:enrol", "H:welcome"])
            let entry = try #require(try hubStore.device(named: "alice"))
            #expect(entry.keyFingerprint == device.key && entry.tokenUsedMillis != nil)
            #expect(try hubStore.replicas(ofDevice: "alice") == [device.store.replica])

            // Enrolled: it syncs with its key.
            try device.write(["after enrolment"])
            #expect(try device.sync(with: hub).report.sent > 0)
            #expect(try PipeDevice.titles(hubStore) == ["after enrolment"])
        }
    }

    /// A device presenting another key than the one it enrolled is refused
    /// with `authFailed` before anything is bound or written, and so is one
    /// that presented none.
    @Test func aWrongKeyIsRefusedWithAuthFailed() throws {
        try Workspace.with { workspace in
            let hub = try PipeHub.make(workspace)
            let alice = try hub.enrolled(workspace, "alice")
            let hubStore = try Store.open(at: hub.storePath)
            let before = try hubStore.versionVector()
            let bound = try hubStore.replicas(ofDevice: "alice")
            try alice.write(["must not arrive"])
            for key: [UInt8]? in [[UInt8](repeating: 0xEE, count: 32), nil] {
                let result = try SessionPipe.run(DeviceSession(store: alice.store, deviceName: "alice", purpose: .sync), hub.session(key: key))
                #expect(result.hubCode == .authFailed && result.deviceCode == .authFailed, "\(result.types)")
                #expect(!result.hub.authenticated)
                #expect(result.types == ["D:hello", "D:vector", "H:error"])
                let message = (result.deviceError as? SyncError)?.message ?? ""
                #expect(message.hasPrefix("the hub refused this device ("), "\(message)")
                #expect(message.contains(key == nil ? "presented no certificate" : "is not the one enrolled as 'alice'"), "\(message)")
            }
            #expect(try hubStore.versionVector() == before)
            #expect(try hubStore.replicas(ofDevice: "alice") == bound && bound == [alice.store.replica])
        }
    }

    /// A device that already has a session open gets `busy`; a hub that is
    /// shutting down acknowledges the batch in hand, then says `busy`.
    @Test func busyAndShuttingDownAreRefusedWithBusy() throws {
        try Workspace.with { workspace in
            let hub = try PipeHub.make(workspace)
            let alice = try hub.enrolled(workspace, "alice")
            try alice.write(["one"])
            hub.promotion = .busy
            let busy = try SessionPipe.run(DeviceSession(store: alice.store, deviceName: "alice", purpose: .sync), hub.session(key: alice.key))
            #expect(busy.deviceCode == .busy && busy.types == ["D:hello", "D:vector", "H:error"])
            #expect((busy.hubError as? SyncError)?.message == "device 'alice' already has a session open; try again when it ends")

            hub.promotion = .admitted
            hub.stopping = true
            let stopping = try SessionPipe.run(DeviceSession(store: alice.store, deviceName: "alice", purpose: .sync), hub.session(key: alice.key))
            #expect(stopping.hubCode == .busy && stopping.hub.received == 4)
            let hubWrote = stopping.transcript.filter { $0.from == .hub }.map(\.message)
            #expect(hubWrote.suffix(2) == [.ack(batchID: 1, applied: 4),
                                           .error(code: .busy, message: "the hub is shutting down; sync again to send the rest")], "\(stopping.types)")
        }
    }

    /// A store file copied to a second laptop, both written to: the copy
    /// that syncs second finds its own ids taken with other content,
    /// re-issues its side under a new replica id in the same sync (a second
    /// session), and every note reaches every store (§7.7 rule 3).
    @Test func aForkedCopyReissuesItsChanges() throws {
        try Workspace.with { workspace in
            let hub = try PipeHub.make(workspace)
            let first = try hub.enrolled(workspace, "field")
            try first.write(["shared start"])
            try first.sync(with: hub)
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: first.store.path + suffix) {
                try FileManager.default.copyItem(atPath: first.store.path + suffix, toPath: workspace.path("copy.sqlite") + suffix)
            }
            let second = PipeDevice(name: "field", store: try Store.open(at: workspace.path("copy.sqlite")), key: first.key)
            #expect(second.store.replica == first.store.replica)
            try first.write(["laptop 1 after the copy"])
            try second.write(["laptop 2 after the copy", "laptop 2 again"])
            try first.sync(with: hub)

            let (report, sessions) = try second.sync(with: hub)
            try #require(sessions.map(\.deviceOutcome) == [.again, .complete])
            let reissue = try #require(report.reissue)
            #expect(reissue.previous == first.store.replica && reissue.replica == second.store.replica && reissue.moved == 4)
            #expect(report.fetchedOwn == 2)
            guard case .hello(let hello)? = sessions[1].transcript.first?.message else {
                Issue.record("the second session did not open with a Hello")
                return
            }
            #expect(hello.replica == second.store.replica, "the second session speaks as the new replica id")
            try first.sync(with: hub)

            let hubStore = try Store.open(at: hub.storePath)
            let expected: Set<String> = ["shared start", "laptop 1 after the copy", "laptop 2 after the copy", "laptop 2 again"]
            for device in [first, second] {
                #expect(try device.titles() == expected)
                #expect(try device.store.digest() == (try hubStore.digest()))
            }
            #expect(Set(try hubStore.replicas(ofDevice: "field")) == [first.store.replica, second.store.replica])
        }
    }
}

extension PipeHub {
    /// A hub store in the workspace.
    static func make(_ workspace: Workspace) throws -> PipeHub {
        _ = try Store.create(at: workspace.path("hub.sqlite"), name: "hub")
        return PipeHub(storePath: workspace.path("hub.sqlite"))
    }

    /// A device store enrolled on this hub through an enrolment session.
    func enrolled(_ workspace: Workspace, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> PipeDevice {
        let device = try PipeDevice.make(workspace, name, key: UInt8(truncatingIfNeeded: name.utf8.reduce(0) { $0 &+ Int($1) }))
        let token = try EnrolmentToken.random()
        try Store.open(at: storePath).enroll(device: name, tokenHash: token.hash, expiresMillis: Store.systemMillis() + 3_600_000)
        let result = try device.enrol(with: self, token: token)
        try #require(result.deviceOutcome == .complete && result.hub.outcome == "enrolled", "\(result.types)", sourceLocation: sourceLocation)
        return device
    }
}

extension PipeDevice {
    static func make(_ workspace: Workspace, _ name: String, key: UInt8) throws -> PipeDevice {
        PipeDevice(name: name, store: try Store.create(at: workspace.path("\(name).sqlite"), name: name), key: [UInt8](repeating: key, count: 32))
    }
}
