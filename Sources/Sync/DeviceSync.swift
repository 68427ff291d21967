import CRDT
import Crypto
import Store
import TLS
import Wire

/// What one sync did, for the person who ran it.
public struct SyncReport: Sendable {
    public var sent = 0
    public var received = 0
    public var bytesOut = 0
    public var bytesIn = 0
    public var milliseconds: Int64 = 0
    /// The hub's clock minus ours, in milliseconds, from the Welcome.
    public var clockSkewMillis: Int64 = 0
    public var hubReplica: ReplicaID?
    /// Set when this store found that another copy of it (a restored backup,
    /// a copied file) had already sent different changes under its ids, and
    /// re-issued its own under a new replica id.
    public var reissue: Reissue?
    /// How many operations of this store's earlier replica id it fetched
    /// back from the hub while recovering from a fork.
    public var fetchedOwn = 0
    /// Origins whose history the hub states differently from this store,
    /// other than its own (nothing of them was overwritten).
    public var divergentOrigins: [ReplicaID] = []
    /// Operations of this store that could not be sent (values over the
    /// limits, from an older version): the records and why.
    public var unsendable: [(record: RecordID, reason: String)] = []
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

    /// This device's key pair (`KeyFile`), presented to the hub in TLS.
    public let identity: Identity

    public init(store: Store, link: HubLink, identity: Identity, timeout: Double = 30) {
        self.store = store
        self.link = link
        self.identity = identity
        self.timeout = timeout
    }

    /// Enrols this device with the hub (`Protocol/SPEC.md` §6.1): proves it
    /// holds the one-time `token` over a TLS session in which it presents
    /// its own key and has checked the hub's against the pinned fingerprint.
    /// The hub records the key and burns the token; the session then ends.
    public func enrol(token: EnrolmentToken) throws {
        guard let endpoint = Endpoint(link.address) else {
            throw SyncError("the hub address '\(link.address)' is not HOST:PORT")
        }
        var report = SyncReport()
        let (connection, channel) = try open(endpoint, &report)
        defer {
            channel.close()
            connection.close()
        }
        try guardedSession(channel) {
            try channel.send([.hello(hello()), .enrol(token)])
            let welcome = try receiveWelcome(channel)
            report.hubReplica = welcome.hubReplica
        }
    }

    private func hello() throws -> Hello {
        Hello(deviceName: link.device, replica: store.replica, nonce: try SecureRandom.bytes(Hello.nonceLength),
              wallClockMillis: Store.systemMillis())
    }

    /// Connects, runs the TLS handshake presenting our key, and checks the
    /// hub's certificate against the fingerprint pinned at enrolment before
    /// a byte of application data is sent.
    private func open(_ endpoint: Endpoint, _ report: inout SyncReport) throws -> (Connection, Channel) {
        let connection = try Connection.connect(to: endpoint, timeout: timeout)
        do {
            let tls = try TLSSession(context: try TLSContext.client(identity: identity), fd: connection.descriptor)
            do {
                try tls.handshake(deadlineMillis: deadline())
            } catch let error as TLSError {
                throw SyncError("the server at \(link.address) did not complete a TLS 1.3 handshake (\(error.message)); "
                                + "it may be a fieldnotes hub older than sync protocol version 2 (ask its administrator to upgrade it) or not a fieldnotes hub", code: .authFailed)
            }
            guard let presented = tls.peerFingerprint, presented == link.hubFingerprint else {
                tls.shutdown()
                throw SyncError("the server at \(link.address) presented key \(Hex.encode(tls.peerFingerprint ?? []).prefix(16))…, not your hub's "
                                + "\(Hex.encode(link.hubFingerprint).prefix(16))… from the enrolment code; nothing was sent. Check the address, or ask for a new code",
                                code: .authFailed)
            }
            return (connection, try Channel(connection, tls: tls, sendTimeout: timeout))
        } catch {
            connection.close()
            throw error
        }
    }

    /// Runs `body`, turning what goes wrong into a `SyncError` a person can act on.
    private func guardedSession<T>(_ channel: Channel, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as WireError {
            channel.sendError(error.wireCode, error.detail)
            throw SyncError("the hub sent bytes this device cannot accept (\(error)); nothing of that batch was written", code: error.wireCode)
        } catch let error as SocketError {
            // A hub that refuses the session may close without reading all we
            // sent: report what it said, not the reset.
            if let refusal = channel.errorSentBeforeClosing() {
                throw SyncError(Self.explain(refusal.code, refusal.message), code: refusal.code)
            }
            throw error
        }
    }

    /// The hub's Welcome, checked; from then on frames may be session-sized.
    private func receiveWelcome(_ channel: Channel) throws -> Welcome {
        guard case .welcome(let welcome) = try receive(channel) else {
            throw SyncError("the hub did not welcome this device", code: .protocolViolation)
        }
        guard WireProtocol.supportedVersions.contains(welcome.version) else {
            channel.sendError(.unsupportedVersion, "this device speaks \(WireProtocol.supportedVersions)")
            throw SyncError("the hub chose protocol version \(welcome.version), which this fieldnotes does not speak; upgrade fieldnotes", code: .unsupportedVersion)
        }
        channel.beginSession()
        return welcome
    }

    /// Runs sessions until the hub holds everything this store wrote: one,
    /// usually; two or three when the store finds it was forked (restored
    /// from a backup, or copied) and re-issues its changes under a new id.
    public func run() throws -> SyncReport {
        guard let endpoint = Endpoint(link.address) else {
            throw SyncError("the hub address '\(link.address)' is not HOST:PORT; run 'fieldnotes join CODE' again")
        }
        let started = monotonicMillis()
        var report = SyncReport()
        for _ in 0 ..< 6 {
            switch try connect(endpoint, &report) {
            case .complete:
                report.milliseconds = monotonicMillis() - started
                return report
            case .again:
                continue
            }
        }
        throw SyncError("the hub and this store did not agree on this store's history after several sessions; nothing was lost, run 'fieldnotes sync' again", code: .forked)
    }

    private enum Outcome { case complete, again }

    private func connect(_ endpoint: Endpoint, _ report: inout SyncReport) throws -> Outcome {
        let (connection, channel) = try open(endpoint, &report)
        let bytesIn = report.bytesIn, bytesOut = report.bytesOut
        defer {
            channel.close()
            report.bytesIn = bytesIn + channel.wireBytesIn
            report.bytesOut = bytesOut + channel.wireBytesOut
            connection.close()
        }
        do {
            return try guardedSession(channel) { try session(channel, &report) }
        } catch let error as SyncError where error.code == .forked {
            // The hub already holds different changes under our ids (two
            // copies sent at once): next time state nothing of our own, so
            // the hub sends its whole history of it and the store re-issues.
            try store.recordSync(acknowledged: 0, completed: false)
            throw error
        }
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
        case .authFailed: return "the hub refused this device (\(text))"
        case .busy: return "the hub is busy (\(text)); try again in a minute"
        case .replicaMismatch: return "the hub refused this store's replica id (\(text))"
        case .schemaViolation: return "the hub refused a change of this store that breaks the record schema (\(text)); nothing of that batch was written"
        case .forked: return "the hub holds different changes under this store's ids (\(text)); nothing was written, and the next 'fieldnotes sync' re-issues this store's changes under a new id"
        default: return "the hub ended the session: \(code) (\(text))"
        }
    }

    private func session(_ channel: Channel, _ report: inout SyncReport) throws -> Outcome {
        // The replica id this session speaks for: the store may move to a new
        // one while applying the hub's batches (a fork), but not mid-session.
        let replica = store.replica
        // One flight: Hello, then our Vector. Of our own origin we state only
        // what the hub has acknowledged: if the hub holds more of it (this
        // store was restored or copied), it sends those back and the store
        // compares them with its own (§7.7).
        let stated = try store.syncVector(ownUpTo: try store.hubAcknowledged())
        try channel.send([.hello(try hello()), .vector(stated)])
        let welcome = try receiveWelcome(channel)
        report.hubReplica = welcome.hubReplica
        report.clockSkewMillis = Int64(bitPattern: welcome.wallClockMillis &- Store.systemMillis())
        guard case .vector(let theirs) = try receive(channel) else {
            throw SyncError("the hub did not send its version vector", code: .protocolViolation)
        }
        let divergent = try store.divergentOrigins(from: theirs)
        if divergent.contains(replica) && theirs[replica] <= stated[replica] {
            // The hub's history of our own origin differs at or below what
            // we stated, so it will send us none of it: state none of it
            // next time, so the hub sends all of it and the store compares.
            // (Past what we stated, the hub sends its copies anyway.)
            channel.sendError(.forked, "this device holds a different history of its own replica \(replica.hex); it will state none of it and sync again")
            try store.recordSync(acknowledged: 0, completed: false)
            return .again
        }
        for origin in divergent where origin != replica && !report.divergentOrigins.contains(origin) { report.divergentOrigins.append(origin) }

        // Phase 1: the hub sends what we lack; we commit and acknowledge each batch.
        var batches: UInt64 = 0
        receiving: while true {
            switch try receive(channel) {
            case .operations(let batchID, let batch):
                guard batchID == batches + 1 else {
                    throw SyncError("the hub sent batch \(batchID) after \(batches)", code: .protocolViolation)
                }
                batches = batchID
                let (applied, reissue) = try store.applyReporting(batch.operations)
                if report.reissue == nil { report.reissue = reissue }
                report.received += applied
                if batch.origin == replica || report.reissue?.previous == batch.origin { report.fetchedOwn += applied }
                try channel.send(.ack(batchID: batchID, applied: UInt64(applied)))
            case .done(let doneBatches, _):
                guard doneBatches == batches else {
                    throw SyncError("the hub's Done counts \(doneBatches) batches, \(batches) arrived", code: .protocolViolation)
                }
                break receiving
            case let other:
                throw SyncError("the hub sent \(other.type) while sending operations", code: .protocolViolation)
            }
        }

        // Phase 2: we send what the hub lacks of this session's origin, a
        // bounded window of batches in flight. After a re-issue that is
        // nothing: our own changes now go under the new id, next session.
        // If we hold more of the hub's own origin than the hub, it was
        // restored from a backup and lost them: we send those back (§7.7).
        let vector = try store.versionVector()
        let held = vector[replica]
        var ranges: [SeqRange] = []
        for origin in [replica, welcome.hubReplica] where vector[origin] > theirs[origin] && !ranges.contains(where: { $0.origin == origin }) {
            ranges.append(SeqRange(origin: origin, first: theirs[origin] + 1, last: vector[origin]))
        }
        var sender = BatchSender(store: store, ranges: ranges)
        let sent = try sender.send(over: channel, receive: { try receive(channel) })
        report.sent += sent
        try channel.send(.done(batches: sender.batchesSent, operations: UInt64(sent)))
        if store.replica != replica {
            try store.nameReplicaIfNew()
            try store.recordSync(acknowledged: 0, completed: true)
            return .again
        }
        // Every batch was acknowledged: the hub holds our own operations up to
        // the last one sent.
        if let (blocker, reason) = sender.unsendable.first(where: { $0.operation.id.origin == replica }) {
            try store.recordSync(acknowledged: max(blocker.id.seq - 1, theirs[replica]), completed: true)
            // A value nobody sees any more (its note was edited since) is emptied, and the rest can go.
            if try store.clearReplacedValue(blocker.id) { return .again }
            report.unsendable = [(blocker.record, reason)]
            return .complete
        }
        try store.recordSync(acknowledged: max(held, theirs[replica]), completed: true)
        return .complete
    }
}

/// Streams the operations a peer lacks from the store, one batch at a time:
/// never the whole log in memory. Runs of operations are split so that
/// every Ops frame fits the frame limit. An operation that cannot be sent
/// at all (a value over the limits, from an older version) ends its origin's
/// range there, since seqs must stay consecutive; it is kept in `unsendable`
/// so the caller can name it, and the other origins still go.
struct BatchSender {
    let store: Store
    var ranges: [SeqRange]
    private var pending: [OperationBatch] = []
    private(set) var batchesSent: UInt64 = 0
    private(set) var unsendable: [(operation: Operation, reason: String)] = []

    init(store: Store, ranges: [SeqRange]) {
        self.store = store
        self.ranges = ranges
    }

    mutating func next() throws -> (id: UInt64, batch: OperationBatch)? {
        while pending.isEmpty, let range = ranges.first {
            let operations = try store.operations(range, limit: WireLimits.maxBatchOperations)
            guard let last = operations.last else {
                ranges.removeFirst()
                continue
            }
            let (batches, stop) = OperationBatch.splitBeforeUnsendable(operations)
            pending = batches
            if let stop {
                unsendable.append((stop.operation, stop.error.detail))
                ranges.removeFirst()
            } else if last.id.seq >= range.last {
                ranges.removeFirst()
            } else {
                ranges[0] = SeqRange(origin: range.origin, first: last.id.seq + 1, last: range.last)
            }
        }
        guard !pending.isEmpty else { return nil }
        batchesSent += 1
        return (batchesSent, pending.removeFirst())
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
            case let other:
                throw SyncError("the peer sent \(other.type) while receiving operations", code: .protocolViolation)
            }
        }
    }
}
