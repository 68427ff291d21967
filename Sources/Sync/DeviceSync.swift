import CRDT
import Glibc
import Store
import SystemCalls
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

/// How far a sync has got: operations sent to the hub and received from it
/// so far, over every session of the run.
public struct SyncProgress: Sendable, Equatable {
    public let sent: Int
    public let received: Int

    public init(sent: Int, received: Int) {
        self.sent = sent
        self.received = received
    }
}

/// The device side of a sync (`Protocol/SPEC.md` §6–7) over TLS: connects,
/// checks the hub's key against the pinned fingerprint, then drives a
/// `DeviceSession` (the session logic, with no I/O), moving its frames and
/// keeping each step's deadline. It receives what it lacks, then sends what
/// the hub lacks, each batch committed and acknowledged. Re-running after
/// any interruption resumes from the version vectors.
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
        var session = DeviceSession(store: store, deviceName: link.device, purpose: .enrol(token), report: report)
        _ = try guardedSession(channel) { try drive(&session, channel, { _ in }) }
    }

    /// Connects, runs the TLS handshake presenting our key, and checks the
    /// hub's certificate against the fingerprint pinned at enrolment before
    /// a byte of application data is sent.
    private func open(_ endpoint: Endpoint, _ report: inout SyncReport) throws -> (Connection, Channel) {
        // A hub shedding load (a flood of connections that never become
        // devices) closes the oldest handshakes: nothing was sent yet, so try
        // again a few times, backing off, before reporting the hub unreachable.
        var attempt = 0
        while true {
            do {
                return try openOnce(endpoint, &report)
            } catch let error as ShedHandshake {
                attempt += 1
                guard attempt < 4 else { throw error.failure }
                Syscall.sleep(milliseconds: 150 << attempt)
            }
        }
    }

    /// The hub closed the connection during the TLS handshake.
    private struct ShedHandshake: Error {
        let failure: SocketError
    }

    private func openOnce(_ endpoint: Endpoint, _ report: inout SyncReport) throws -> (Connection, Channel) {
        let connection = try Connection.connect(to: endpoint, timeout: timeout)
        do {
            let tls = try TLSSession(context: try TLSContext.client(identity: identity), fd: connection.descriptor)
            do {
                try tls.handshake(deadlineMillis: deadline())
            } catch let error as TLSError where error.kind == .connection {
                // A hub shedding load, or a network failure: not a wrong server.
                throw ShedHandshake(failure: SocketError(.io, "the TLS handshake with \(link.address) did not finish (\(error.message))"))
            } catch let error as TLSError where error.kind == .timeout {
                throw SocketError(.timeout, "the TLS handshake with \(link.address) did not finish (\(error.message))")
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

    /// Runs sessions until the hub holds everything this store wrote: one,
    /// usually; two or three when the store finds it was forked (restored
    /// from a backup, or copied) and re-issues its changes under a new id.
    /// `progress` is called after each message moves, with the counts so far.
    public func run(progress: (SyncProgress) -> Void = { _ in }) throws -> SyncReport {
        guard let endpoint = Endpoint(link.address) else {
            throw SyncError("the hub address '\(link.address)' is not HOST:PORT; run 'fieldnotes join CODE' again")
        }
        let started = MonotonicClock.nowMillis()
        var report = SyncReport()
        // A catch-up cut off (here or by an earlier sync) gets its indexes before this sync ends.
        try store.finishCatchUp()
        defer { _ = try? store.finishCatchUp() }
        // A fork takes at most three sessions; each replaced over-limit value
        // from an older version takes one more, and there are finitely many.
        var forkSessions = 0
        while forkSessions < 6 {
            switch try connect(endpoint, &report, progress) {
            case .complete:
                report.milliseconds = MonotonicClock.nowMillis() - started
                try store.recordClockSkew(report.clockSkewMillis)
                return report
            case .again:
                forkSessions += 1
            case .againAfterClearing:
                continue
            }
        }
        throw SyncError("the hub and this store did not agree on this store's history after several sessions; nothing was lost, run 'fieldnotes sync' again", code: .forked)
    }

    private func connect(_ endpoint: Endpoint, _ report: inout SyncReport, _ progress: (SyncProgress) -> Void) throws -> DeviceSession.Outcome {
        let (connection, channel) = try open(endpoint, &report)
        let bytesIn = report.bytesIn, bytesOut = report.bytesOut
        defer {
            channel.close()
            report.bytesIn = bytesIn + channel.wireBytesIn
            report.bytesOut = bytesOut + channel.wireBytesOut
            connection.close()
        }
        do {
            var session = DeviceSession(store: store, deviceName: link.device, purpose: .sync, report: report)
            let outcome = try guardedSession(channel) { try drive(&session, channel, progress) }
            report = session.report
            return outcome
        } catch let error as SyncError where error.code == .forked {
            // The hub already holds different changes under our ids (two
            // copies sent at once): next time state nothing of our own, so
            // the hub sends its whole history of it and the store re-issues.
            try store.recordSync(acknowledged: 0, completed: false)
            throw error
        }
    }

    private func deadline() -> Int64 { MonotonicClock.nowMillis() + Int64(timeout * 1000) }

    /// Moves messages between the hub and the session machine until it
    /// closes: each receive within the step deadline.
    private func drive(_ session: inout DeviceSession, _ channel: Channel, _ progress: (SyncProgress) -> Void) throws -> DeviceSession.Outcome {
        while true {
            progress(session.progress)
            switch try session.next() {
            case .send(let messages): try channel.send(messages)
            case .sendBatch(let batch): try channel.send(batch)
            case .sendError(let code, let text): channel.sendError(code, text)
            case .raiseFrameLimit: channel.beginSession()
            case .receive: try session.receive(try channel.receive(deadline: deadline()))
            case .close(let outcome): return outcome
            }
        }
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
}
