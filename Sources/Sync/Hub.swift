import CRDT
import Crypto
import Glibc
import Store
import Synchronization
import TLS
import Wire

/// The hub server: accepts devices over TLS 1.3, one thread per
/// connection, each session with its own connection to the hub store.
/// Writes go through one lock, so batches commit one at a time while reads
/// run beside them.
///
/// Connections that have not yet identified an enrolled device live in a
/// pool of their own, smaller than the sessions', with a short deadline for
/// the TLS handshake and the Hello and a limit per address; when the pool is
/// full the oldest is dropped, so peers that connect and trickle can delay a
/// device by milliseconds but never lock it out.
public final class Hub: Sendable {
    public struct Settings: Sendable {
        /// Most sessions of identified devices at once.
        public var maxConnections = 64
        /// Most connections still in the TLS handshake or the Hello at once.
        public var maxUnauthenticated = 32
        /// Most such connections from one address.
        public var maxUnauthenticatedPerAddress = 16
        /// Seconds a peer has to finish the TLS handshake and send its Hello.
        public var handshakeTimeout = 10.0
        /// Seconds a peer may leave us waiting for its next frame.
        public var idleTimeout = 60.0

        public init() {}
    }

    public let storePath: String
    public let settings: Settings
    private let listener: Mutex<Listener?>
    public let endpoint: Endpoint
    private let context: TLSContext
    /// SHA-256 of the hub's certificate: what enrolment codes carry.
    public let fingerprint: [UInt8]
    private let registry = SessionRegistry()
    private let writeLock = Mutex(())
    private let stopping = Atomic<Bool>(false)
    private let log: @Sendable (String) -> Void

    /// Opens the store once to check it, then listens on `endpoint` with
    /// the hub's key pair `identity` (`KeyFile`).
    public init(storePath: String, listen endpoint: Endpoint, identity: Identity, settings: Settings = Settings(),
                log: @escaping @Sendable (String) -> Void) throws {
        _ = try Store.open(at: storePath)
        do {
            context = try TLSContext.server(identity: identity)
        } catch let error as TLSError {
            throw SyncError("cannot set up TLS with the hub's key: \(error.message)")
        }
        fingerprint = identity.fingerprint
        let listener = try Listener(endpoint)
        self.endpoint = listener.endpoint
        self.listener = Mutex(listener)
        self.storePath = storePath
        self.settings = settings
        self.log = log
    }

    /// Runs the hub on a thread of its own until `stop()`; `finished` is
    /// called when it has stopped.
    public func start(finished: @escaping @Sendable () -> Void = {}) throws {
        try startThread { [self] in
            run()
            finished()
        }
    }

    /// Asks `run` to stop accepting and return once sessions have ended.
    public func stop() { stopping.store(true, ordering: .sequentiallyConsistent) }

    public var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    /// Accepts connections until `stop()` or `shouldStop()`; then returns once
    /// no batch is being committed (sessions still waiting on a peer are dropped:
    /// their devices resume from the version vectors next time). Twice a
    /// second it closes the open sessions of devices revoked meanwhile.
    public func run(shouldStop: () -> Bool = { false }) {
        var lastRevocationCheck: Int64 = 0
        var store: Store?
        while !isStopping {
            if shouldStop() { stop(); break }
            let now = monotonicMillis()
            if now - lastRevocationCheck >= 500 {
                lastRevocationCheck = now
                closeRevokedSessions(&store)
            }
            let accepted: Connection?
            do {
                accepted = try listener.withLock { try $0?.accept(timeout: 0.2) }
            } catch {
                // Out of file descriptors, say: back off instead of spinning.
                log("hub: accept failed: \(Hub.printable(String(describing: error)))")
                sleepMillis(200)
                continue
            }
            guard let connection = accepted else { continue }
            let address = Hub.address(of: connection.peer)
            let ticket = registry.admit(connection, address: address, settings: settings)
            let box = ConnectionBox(connection)
            do {
                try startThread { [self] in
                    serve(box.take(), ticket: ticket)
                }
            } catch {
                registry.remove(ticket)
                log("hub: \(error)")
            }
        }
        listener.withLock { $0?.close(); $0 = nil }
        // Sessions end after the batch in hand; give idle ones a moment, then
        // take the write lock once so that no commit is in progress on return.
        let deadline = monotonicMillis() + 2000
        while registry.count > 0 && monotonicMillis() < deadline { sleepMillis(20) }
        writeLock.withLock { _ in }
    }

    private func closeRevokedSessions(_ store: inout Store?) {
        guard registry.hasSessions else { return }
        do {
            if store == nil { store = try Store.open(at: storePath) }
            guard let store else { return }
            for name in try store.revokedDeviceNames() where registry.abortSession(of: name) {
                log("hub: device=\(Hub.printable(name)) revoked: its open session was closed")
            }
        } catch {
            log("hub: cannot check for revoked devices: \(Hub.printable(String(describing: error)))")
        }
    }

    /// The host part of a `HOST:PORT` peer description.
    static func address(of peer: String) -> String {
        guard let endpoint = Endpoint(peer) else { return peer }
        return endpoint.host
    }

    /// One connection: tells a version 1 device in its own framing that it
    /// must upgrade, drops what is not TLS, runs the TLS handshake and the
    /// session, and logs one line.
    private func serve(_ connection: Connection, ticket: SessionRegistry.Ticket) {
        let started = monotonicMillis()
        var session = HubSession(hub: self, peer: connection.peer, ticket: ticket)
        var channel: Channel?
        var outcome = "ok"
        defer {
            registry.remove(ticket)
            channel?.close()
            connection.close()
            if let device = session.device, session.authenticated {
                try? session.store?.recordSession(device: device, operationsReceived: session.received)
            }
            log("hub: device=\(Hub.printable(session.device ?? "-")) peer=\(session.peer) in=\(session.received) out=\(session.sent) "
                + "bytes_in=\(channel?.wireBytesIn ?? 0) bytes_out=\(channel?.wireBytesOut ?? 0) ms=\(monotonicMillis() - started) outcome=\(Hub.printable(outcome))")
        }
        let handshakeDeadline = started + Int64(settings.handshakeTimeout * 1000)
        switch connection.peekFirstByte(timeout: settings.handshakeTimeout) {
        case WireProtocol.magic[0]?:
            // A version 1 device: answer in version 1's framing, which every version keeps.
            let refusal = WireProtocol.magic + ((try? Message.error(code: .unsupportedVersion, message:
                "this hub speaks sync protocol version 2, inside TLS; update fieldnotes on this device and ask for a new enrolment code").encode()) ?? [])
            try? connection.send(refusal, timeout: 1)
            outcome = "unsupportedVersion: a sync protocol version 1 device"
            return
        case 0x16?:
            break
        case let other:
            outcome = other == nil ? "network: no TLS handshake in time" : "not TLS: the peer is not a fieldnotes device"
            return
        }
        do {
            let tls = try TLSSession(context: context, fd: connection.descriptor)
            try tls.handshake(deadlineMillis: handshakeDeadline)
            let opened = try Channel(connection, tls: tls, sendTimeout: settings.idleTimeout)
            channel = opened
            try session.run(opened, handshakeDeadline: handshakeDeadline)
            outcome = session.outcome
        } catch let error as TLSError {
            outcome = "tls: \(error.message)"
        } catch let error as WireError {
            channel?.sendError(error.wireCode, error.detail)
            outcome = "\(error.wireCode): \(error.detail)"
        } catch let error as SyncError {
            if let code = error.code { channel?.sendError(code, error.message) }
            outcome = "\(error.code.map { "\($0): " } ?? "")\(error.message)"
        } catch let error as SocketError {
            if error.kind == .timeout { channel?.sendError(.timeout, error.message) }
            outcome = "network: \(error.message)"
        } catch {
            channel?.sendError(.internal, "the hub failed; try again")
            outcome = "internal: \(error)"
        }
    }

    /// Marks a connection as the session of an identified device: it leaves
    /// the unauthenticated pool. False (busy) if the device already has a
    /// session or the sessions are full.
    func promote(_ ticket: SessionRegistry.Ticket, device: String) -> SessionRegistry.Promotion {
        registry.promote(ticket, device: device, maxSessions: settings.maxConnections)
    }

    func logLine(_ line: String) { log(line) }

    /// A peer's text as it may appear in a log line: control characters and
    /// backslashes escaped, so no peer can forge or break lines.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                        || scalar == "\u{2028}" || scalar == "\u{2029}" {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Runs `body` holding the hub's single write lock.
    func write<T>(_ body: () throws -> T) throws -> T {
        try writeLock.withLock { _ in try body() }
    }
}

/// Hands a connection to the thread that serves it.
private final class ConnectionBox: @unchecked Sendable {
    // Written once before the thread starts and taken once by that thread.
    private var connection: Connection?
    init(_ connection: Connection) { self.connection = connection }
    func take() -> Connection {
        defer { connection = nil }
        guard let connection else { fatalError("ConnectionBox taken twice") }
        return connection
    }
}

/// The hub's side of one session (`Protocol/SPEC.md` §6–7), after the TLS
/// handshake: identifies the device by its Hello and the key it presented
/// (or enrols it with its one-time token), sends what it lacks, then
/// accepts only the device's own operations, with no gap, one batch per
/// transaction.
struct HubSession {
    let hub: Hub
    let peer: String
    let ticket: SessionRegistry.Ticket
    var device: String?
    var authenticated = false
    var store: Store?
    var received = 0
    var sent = 0
    var outcome = "ok"
    /// The replica id the Welcome named.
    var welcomedReplica = ReplicaID(high: 0, low: 0)
    /// Set when the device holds changes of the hub's own origin that the
    /// hub lost to a restore: the device may send those back.
    var restoredOwn: SeqRange?

    init(hub: Hub, peer: String, ticket: SessionRegistry.Ticket) {
        self.hub = hub
        self.peer = peer
        self.ticket = ticket
    }

    mutating func run(_ channel: Channel, handshakeDeadline: Int64) throws {
        guard let presented = channel.tls.peerFingerprint else {
            throw SyncError("the device presented no certificate", code: .authFailed)
        }
        guard case .hello(let hello) = try channel.receive(deadline: handshakeDeadline) else {
            throw SyncError("expected a Hello", code: .protocolViolation)
        }
        device = hello.deviceName
        guard let version = WireProtocol.negotiate(device: hello.versions) else {
            throw SyncError("hub supports protocol versions \(WireProtocol.supportedVersions.lowerBound) to \(WireProtocol.supportedVersions.upperBound)",
                            code: .unsupportedVersion)
        }
        let store = try Store.open(at: hub.storePath)
        // Many sessions at once each have a connection: keep each one's cache small.
        try store.limitMemory(cacheKibibytes: 2048)
        self.store = store
        guard let entry = try store.device(named: hello.deviceName) else {
            throw SyncError("no device named '\(hello.deviceName)' is enrolled on this hub; ask its administrator for a code", code: .unknownDevice)
        }
        guard !entry.isRevoked else { throw SyncError("device '\(hello.deviceName)' was revoked; ask for a new code", code: .revoked) }
        var enrolled = false
        if let key = entry.keyFingerprint {
            guard Store.keyMatches(key, presented) else {
                throw SyncError("the key this device presented is not the one enrolled as '\(hello.deviceName)'; "
                                + "ask for a new code ('fieldnotes hub enroll \(hello.deviceName) --replace')", code: .authFailed)
            }
        } else if entry.needsNewCode {
            throw SyncError("device '\(hello.deviceName)' was enrolled under sync protocol version 1; "
                            + "ask the hub's administrator for a new code ('fieldnotes hub enroll \(hello.deviceName)') and run 'fieldnotes join CODE': the notes and the store are kept",
                            code: .authFailed)
        } else {
            // Not enrolled yet: the next message must be the one-time token.
            guard case .enrol(let token) = try channel.receive(deadline: handshakeDeadline) else {
                throw SyncError("device '\(hello.deviceName)' has not enrolled yet; run 'fieldnotes join CODE' with the code from 'fieldnotes hub enroll'",
                                code: .authFailed)
            }
            do {
                try hub.write { try store.redeemEnrolment(device: hello.deviceName, tokenHash: token.hash, keyFingerprint: presented) }
            } catch let refusal as EnrolmentRefusal {
                throw SyncError(refusal.description, code: .authFailed)
            }
            enrolled = true
        }
        switch hub.promote(ticket, device: hello.deviceName) {
        case .admitted: break
        case .busy: throw SyncError("device '\(hello.deviceName)' already has a session open; try again when it ends", code: .busy)
        case .full: throw SyncError("the hub has \(hub.settings.maxConnections) sessions open; try again shortly", code: .busy)
        }
        authenticated = true
        do {
            try hub.write { try store.bind(device: hello.deviceName, to: hello.replica) }
        } catch let error as StoreError {
            throw SyncError(error.description, code: .replicaMismatch)
        }
        channel.beginSession()
        let stated = try store.syncVector()
        welcomedReplica = store.replica
        let welcome = Welcome(version: version, hubReplica: welcomedReplica, wallClockMillis: Store.systemMillis())
        let idleMillis = Int64(hub.settings.idleTimeout * 1000)
        let idle = { monotonicMillis() + idleMillis }
        if enrolled {
            // An enrolment session ends after the Welcome (`fieldnotes join`).
            try channel.send(.welcome(welcome))
            outcome = "enrolled"
            do {
                guard case .vector = try HubSession.receiveChecked(channel, deadline: idle()) else {
                    throw SyncError("expected the device's Vector or the end of the session", code: .protocolViolation)
                }
                throw SyncError("a device enrols in a session of its own; sync again", code: .protocolViolation)
            } catch let error as SocketError where error.kind == .closed {
                return
            }
        }
        try channel.send([.welcome(welcome), .vector(stated)])
        guard case .vector(let theirs) = try HubSession.receiveChecked(channel, deadline: idle()) else {
            throw SyncError("expected the device's Vector", code: .protocolViolation)
        }
        let lacking = try checkHistories(theirs, stated: stated.vector)

        // Phase 1: send what the device lacks.
        let ours = try store.versionVector()
        var sender = BatchSender(store: store, ranges: ours.missing(from: lacking))
        sent = try sender.send(over: channel, receive: { try HubSession.receiveChecked(channel, deadline: idle()) })
        try channel.send(.done(batches: sender.batchesSent, operations: UInt64(sent)))

        // Phase 2: accept the device's own operations, with no gap.
        var held: [ReplicaID: UInt64] = [hello.replica: ours[hello.replica]]
        if let restoredOwn { held[restoredOwn.origin] = ours[restoredOwn.origin] }
        var batches: UInt64 = 0
        while true {
            switch try HubSession.receiveChecked(channel, deadline: idle()) {
            case .operations(let batchID, let batch):
                guard batchID == batches + 1 else {
                    throw SyncError("batch id \(batchID) after \(batches)", code: .protocolViolation)
                }
                batches = batchID
                guard let heldOfOrigin = held[batch.origin],
                      batch.origin == hello.replica || batch.lastSeq <= restoredOwn?.last ?? 0 else {
                    throw SyncError("batch \(batchID) holds operations of \(batch.origin.hex); device '\(hello.deviceName)' may only send its own (\(hello.replica.hex))", code: .forgedOrigin)
                }
                guard batch.firstSeq <= heldOfOrigin + 1 else {
                    throw SyncError("batch \(batchID) starts at seq \(batch.firstSeq) but the hub holds up to \(heldOfOrigin)", code: .seqGap)
                }
                do {
                    try store.checkSchema(batch.operations)
                } catch let violation as SchemaViolation {
                    throw SyncError("batch \(batchID) refused: \(violation)", code: .schemaViolation)
                }
                let applied: Int
                do {
                    applied = try hub.write { try store.apply(batch.operations) }
                } catch let error as StoreError where error.isFork {
                    throw SyncError(error.message, code: .forked)
                }
                held[batch.origin] = max(heldOfOrigin, batch.lastSeq)
                received += applied
                try channel.send(.ack(batchID: batchID, applied: UInt64(applied)))
                if hub.isStopping {
                    throw SyncError("the hub is shutting down; sync again to send the rest", code: .busy)
                }
            case .done(let doneBatches, _):
                guard doneBatches == batches else {
                    throw SyncError("Done counts \(doneBatches) batches, \(batches) arrived", code: .protocolViolation)
                }
                return
            case let other:
                throw SyncError("unexpected \(other.type) while receiving operations", code: .protocolViolation)
            }
        }
    }

    /// Compares the device's stated history with the hub's (SPEC §7.7) and
    /// returns what the device holds, for working out what it lacks. An
    /// origin whose fingerprints differ at a seq both hold is treated as not
    /// held at all, so the hub sends its whole history of it and the device
    /// finds the fork point (of its own origin, it re-issues its side).
    ///
    /// A device holding more of the hub's own origin than the hub means the
    /// hub was restored from an older backup: before writing anything more
    /// the hub takes a fresh replica id (moving any change of its own made
    /// since it stated its vector), and accepts from the device the old
    /// id's changes it lost (`restoredOwn`).
    private mutating func checkHistories(_ theirs: SyncVector, stated: VersionVector) throws -> VersionVector {
        guard let store else { return theirs.vector }
        var lacking = theirs.vector
        for origin in try store.divergentOrigins(from: theirs) { lacking[origin] = 0 }
        let own = welcomedReplica
        if theirs[own] > stated[own] {
            restoredOwn = SeqRange(origin: own, first: stated[own] + 1, last: theirs[own])
            let reissue = try hub.write { () -> Reissue? in
                guard let reissue = try store.reissueOwnOperations(of: own, from: stated[own] + 1) else { return nil }
                try store.nameReplicaIfNew()
                return reissue
            }
            if let reissue {
                hub.logLine("hub: device=\(Hub.printable(device ?? "-")) holds \(theirs[own] - stated[own]) changes of the hub's own that the hub lacks "
                            + "(the hub was restored from a backup): the hub now writes as \(reissue.replica.hex) and takes the old ones back; nothing is lost")
            }
        }
        return lacking
    }

    /// Receives a message; an Error frame from the device ends the session.
    private static func receiveChecked(_ channel: Channel, deadline: Int64) throws -> Message {
        let message = try channel.receive(deadline: deadline)
        if case .error(let code, let text) = message { throw SyncError("the device ended the session: \(code) (\(text))") }
        return message
    }
}
