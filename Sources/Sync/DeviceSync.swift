import CRDT
import Crypto
import Store
import Wire

/// What one sync did, for the person who ran it.
public struct SyncReport: Sendable {
    public var sent = 0
    public var received = 0
    public var bytesOut = 0
    public var bytesIn = 0
    public var milliseconds: Int64 = 0
    /// The hub's clock minus ours, in milliseconds, from the Challenge.
    public var clockSkewMillis: Int64 = 0
    public var hubReplica: ReplicaID?
}

/// The device side of a sync session (`Protocol/SPEC.md`, "Sync"): proves
/// itself to the hub and checks the hub's proof, then receives what it lacks,
/// then sends what the hub lacks, each batch committed and acknowledged.
/// Re-running after any interruption resumes from the version vectors.
public struct DeviceSync {
    public let store: Store
    public let link: HubLink
    /// Seconds to wait for any one step before giving up.
    public let timeout: Double

    public init(store: Store, link: HubLink, timeout: Double = 30) {
        self.store = store
        self.link = link
        self.timeout = timeout
    }

    public func run() throws -> SyncReport {
        guard let endpoint = Endpoint(link.address) else {
            throw SyncError("the hub address '\(link.address)' is not HOST:PORT; run 'fieldnotes join CODE' again")
        }
        let started = monotonicMillis()
        var report = SyncReport()
        let connection = try Connection.connect(to: endpoint, timeout: timeout)
        defer { connection.close() }
        let channel = try Channel(connection, sendTimeout: timeout)
        defer {
            report.bytesIn = channel.bytesIn
            report.bytesOut = channel.bytesOut
        }
        do {
            try session(channel, &report)
        } catch let error as WireError {
            channel.sendError(error.wireCode, error.detail)
            throw SyncError("the hub sent bytes this device cannot accept (\(error)); nothing of that batch was written", code: error.wireCode)
        } catch let error as SocketError {
            // A hub that refuses the session (busy) may close without reading
            // our Hello: our send then fails with a reset while its Error
            // frame waits unread. Report what the hub said, not the reset.
            if let refusal = channel.errorSentBeforeClosing() {
                throw SyncError(Self.explain(refusal.code, refusal.message), code: refusal.code)
            }
            throw error
        }
        report.bytesIn = channel.bytesIn
        report.bytesOut = channel.bytesOut
        report.milliseconds = monotonicMillis() - started
        return report
    }

    private func deadline() -> Int64 { monotonicMillis() + Int64(timeout * 1000) }

    /// Receives one message, turning an Error frame into a thrown `SyncError`.
    private func receive(_ channel: Channel) throws -> Message {
        let message = try channel.receive(deadline: deadline())
        if case .error(let code, let text) = message {
            throw SyncError(Self.explain(code, text), code: code)
        }
        return message
    }

    static func explain(_ code: ErrorCode, _ text: String) -> String {
        switch code {
        case .unknownDevice: return "the hub does not know this device (\(text)); ask for a new enrolment code"
        case .revoked: return "the hub has revoked this device (\(text)); ask for a new enrolment code"
        case .authFailed: return "the hub refused this device's proof (\(text)); the enrolment code may be wrong: run 'fieldnotes join' with a fresh one"
        case .busy: return "the hub is busy (\(text)); try again in a minute"
        case .replicaMismatch: return "the hub has this device name bound to another store (\(text)); enrol this store under a new name"
        default: return "the hub ended the session: \(code) (\(text))"
        }
    }

    private func session(_ channel: Channel, _ report: inout SyncReport) throws {
        // Handshake: Hello, then check the hub's proof before proving ourselves.
        let hello = Hello(deviceName: link.device, replica: store.replica, nonce: try SecureRandom.bytes(Hello.nonceLength),
                          wallClockMillis: Store.systemMillis())
        try channel.send(.hello(hello))
        guard case .challenge(let challenge) = try receive(channel) else {
            throw SyncError("the hub did not answer the Hello with a Challenge", code: .protocolViolation)
        }
        guard Handshake.proofsMatch(challenge.proof, try Handshake.hubProof(secret: link.secret, hello: hello, challenge: challenge)) else {
            channel.sendError(.authFailed, "the hub's proof does not verify")
            throw SyncError("the server at \(link.address) could not prove it is your hub (wrong proof); nothing was sent. Check the address, or ask for a new enrolment code", code: .authFailed)
        }
        guard WireProtocol.supportedVersions.contains(challenge.version) else {
            channel.sendError(.unsupportedVersion, "this device speaks \(WireProtocol.supportedVersions)")
            throw SyncError("the hub chose protocol version \(challenge.version), which this fieldnotes does not speak; upgrade fieldnotes", code: .unsupportedVersion)
        }
        report.clockSkewMillis = Int64(bitPattern: challenge.wallClockMillis &- Store.systemMillis())
        let keys = Handshake.sessionKeys(secret: link.secret, deviceNonce: hello.nonce, hubNonce: challenge.nonce)
        // The hub tags everything after its Challenge; we tag everything after our Proof (SPEC §6.4).
        channel.authenticateReceiving(key: keys.hubToDevice)
        let proof = try Handshake.deviceProof(secret: link.secret, hello: hello, challenge: challenge)
        try channel.send(.proof(mac: proof))
        channel.authenticateSending(key: keys.deviceToHub)
        let ours = try store.versionVector()
        try channel.send(.vector(ours))

        guard case .welcome(let welcome) = try receive(channel) else {
            throw SyncError("the hub did not welcome this device", code: .protocolViolation)
        }
        report.hubReplica = welcome.hubReplica
        guard case .vector(let theirs) = try receive(channel) else {
            throw SyncError("the hub did not send its version vector", code: .protocolViolation)
        }

        // Phase 1: the hub sends what we lack; we commit and acknowledge each batch.
        var batches: UInt64 = 0
        receiving: while true {
            switch try receive(channel) {
            case .operations(let batchID, let batch):
                guard batchID == batches + 1 else {
                    throw SyncError("the hub sent batch \(batchID) after \(batches)", code: .protocolViolation)
                }
                batches = batchID
                let applied = try store.apply(batch.operations)
                report.received += applied
                try channel.send(.ack(batchID: batchID, applied: UInt64(applied)))
            case .done(let doneBatches, _):
                guard doneBatches == batches else {
                    throw SyncError("the hub's Done counts \(doneBatches) batches, \(batches) arrived", code: .protocolViolation)
                }
                break receiving
            case .ping(let value):
                try channel.send(.pong(value))
            case .pong:
                continue
            case let other:
                throw SyncError("the hub sent \(other.type) while sending operations", code: .protocolViolation)
            }
        }

        // Phase 2: we send what the hub lacks, a bounded window of batches in flight.
        var sender = BatchSender(store: store, ranges: ours.missing(from: theirs))
        report.sent = try sender.send(over: channel, receive: { try receive(channel) })
        try channel.send(.done(batches: sender.batchesSent, operations: UInt64(report.sent)))
        // Every batch was acknowledged: the hub holds all of our own operations we held at the start.
        try store.recordSync(acknowledged: ours[store.replica])
    }
}

/// Streams the operations a peer lacks from the store, one batch at a time:
/// never the whole log in memory.
struct BatchSender {
    let store: Store
    var ranges: [SeqRange]
    private(set) var batchesSent: UInt64 = 0
    init(store: Store, ranges: [SeqRange]) {
        self.store = store
        self.ranges = ranges
    }

    mutating func next() throws -> (id: UInt64, batch: OperationBatch)? {
        while let range = ranges.first {
            let operations = try store.operations(range, limit: WireLimits.maxBatchOperations)
            guard let last = operations.last else {
                ranges.removeFirst()
                continue
            }
            if last.id.seq >= range.last {
                ranges.removeFirst()
            } else {
                ranges[0] = SeqRange(origin: range.origin, first: last.id.seq + 1, last: range.last)
            }
            let batch: OperationBatch
            do {
                batch = try OperationBatch(operations)
            } catch {
                throw SyncError("cannot batch operations of \(range.origin): \(error)", code: .internal)
            }
            batchesSent += 1
            return (batchesSent, batch)
        }
        return nil
    }

    /// Sends every batch, keeping at most `WireLimits.window` unacknowledged,
    /// and returns once all are acknowledged in order. Answers Pings on the way.
    mutating func send(over channel: Channel, receive: () throws -> Message) throws -> Int {
        var inFlight: [UInt64] = []
        var sent = 0
        while true {
            while inFlight.count < WireLimits.window, let batch = try next() {
                try channel.send(.operations(batchID: batch.id, batch: batch.batch))
                inFlight.append(batch.id)
                sent += batch.batch.operations.count
            }
            guard let expected = inFlight.first else { return sent }
            switch try receive() {
            case .ack(let batchID, _):
                guard batchID == expected else {
                    throw SyncError("the peer acknowledged batch \(batchID), expected \(expected)", code: .protocolViolation)
                }
                inFlight.removeFirst()
            case .ping(let value):
                try channel.send(.pong(value))
            case .pong:
                continue
            case let other:
                throw SyncError("the peer sent \(other.type) while receiving operations", code: .protocolViolation)
            }
        }
    }
}
