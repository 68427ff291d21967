import CRDT
import Crypto
import Glibc
import Store
import Synchronization
import Wire

/// The hub server: accepts enrolled devices over TCP, one thread per
/// session, each with its own connection to the hub store. Writes go through
/// one lock, so batches commit one at a time while reads run beside them.
public final class Hub: Sendable {
    public struct Settings: Sendable {
        public var maxConnections = 64
        /// Seconds a peer has to finish the handshake.
        public var handshakeTimeout = 10.0
        /// Seconds a peer may leave us waiting for its next frame.
        public var idleTimeout = 60.0

        public init() {}
    }

    public let storePath: String
    public let settings: Settings
    private let listener: Mutex<Listener?>
    public let endpoint: Endpoint
    private let active = Mutex(0)
    private let writeLock = Mutex(())
    private let stopping = Atomic<Bool>(false)
    private let log: @Sendable (String) -> Void

    /// Opens the store once to check it, then listens on `endpoint`.
    public init(storePath: String, listen endpoint: Endpoint, settings: Settings = Settings(),
                log: @escaping @Sendable (String) -> Void) throws {
        _ = try Store.open(at: storePath)
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
    /// their devices resume from the version vectors next time).
    public func run(shouldStop: () -> Bool = { false }) {
        while !isStopping {
            if shouldStop() { stop(); break }
            let accepted: Connection?
            do {
                accepted = try listener.withLock { try $0?.accept(timeout: 0.2) }
            } catch {
                log("hub: accept failed: \(error)")
                sleepMillis(100)
                continue
            }
            guard let connection = accepted else { continue }
            let admitted = active.withLock { count -> Bool in
                guard count < settings.maxConnections else { return false }
                count += 1
                return true
            }
            guard admitted else {
                refuseBusy(connection)
                continue
            }
            let box = ConnectionBox(connection)
            do {
                try startThread { [self] in
                    serve(box.take())
                    active.withLock { $0 -= 1 }
                }
            } catch {
                active.withLock { $0 -= 1 }
                log("hub: \(error)")
            }
        }
        listener.withLock { $0?.close(); $0 = nil }
        // Sessions end after the batch in hand; give idle ones a moment, then
        // take the write lock once so that no commit is in progress on return.
        let deadline = monotonicMillis() + 2000
        while active.withLock({ $0 }) > 0 && monotonicMillis() < deadline { sleepMillis(20) }
        writeLock.withLock { _ in }
    }

    /// Tells an excess connection the hub is busy, instead of leaving it hanging.
    private func refuseBusy(_ connection: Connection) {
        if let channel = try? Channel(connection, sendTimeout: 1) {
            channel.sendError(.busy, "the hub has \(settings.maxConnections) sessions open; try again shortly")
        }
        log("hub: peer=\(connection.peer) outcome=busy")
        connection.close()
    }

    private func serve(_ connection: Connection) {
        let started = monotonicMillis()
        var session = HubSession(hub: self, peer: connection.peer)
        var channel: Channel?
        var outcome = "ok"
        do {
            let opened = try Channel(connection, sendTimeout: settings.idleTimeout)
            channel = opened
            try session.run(opened)
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
        connection.close()
        if let device = session.device, session.authenticated {
            try? session.store?.recordSession(device: device, operationsReceived: session.received)
        }
        log("hub: device=\(Hub.printable(session.device ?? "-")) peer=\(session.peer) in=\(session.received) out=\(session.sent) "
            + "bytes_in=\(channel?.bytesIn ?? 0) bytes_out=\(channel?.bytesOut ?? 0) ms=\(monotonicMillis() - started) outcome=\(Hub.printable(outcome))")
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

/// The hub's side of one session (`Protocol/SPEC.md`, "Sync"). Checks the
/// device's proof, proves itself, sends what the device lacks, then accepts
/// only the device's own operations, with no gap, one batch per transaction.
struct HubSession {
    let hub: Hub
    let peer: String
    var device: String?
    var authenticated = false
    var store: Store?
    var received = 0
    var sent = 0
    /// The replica id the Welcome named.
    var welcomedReplica = ReplicaID(high: 0, low: 0)
    /// Set when the device holds changes of the hub's own origin that the
    /// hub lost to a restore: the device may send those back.
    var restoredOwn: SeqRange?

    init(hub: Hub, peer: String) {
        self.hub = hub
        self.peer = peer
    }

    mutating func run(_ channel: Channel) throws {
        let handshakeDeadline = monotonicMillis() + Int64(hub.settings.handshakeTimeout * 1000)
        guard case .hello(let hello) = try channel.receive(deadline: handshakeDeadline) else {
            throw SyncError("expected a Hello", code: .protocolViolation)
        }
        device = hello.deviceName
        guard let version = WireProtocol.negotiate(device: hello.versions) else {
            throw SyncError("device speaks versions \(hello.versions), hub \(WireProtocol.supportedVersions)", code: .unsupportedVersion)
        }
        let store = try Store.open(at: hub.storePath)
        // Many sessions at once each have a connection: keep each one's cache small.
        try store.limitMemory(cacheKibibytes: 2048)
        self.store = store
        guard let entry = try store.device(named: hello.deviceName) else {
            throw SyncError("no device named '\(hello.deviceName)' is enrolled", code: .unknownDevice)
        }
        guard !entry.isRevoked else { throw SyncError("device '\(hello.deviceName)' was revoked", code: .revoked) }
        var challenge = Challenge(version: version, nonce: try SecureRandom.bytes(Hello.nonceLength),
                                  wallClockMillis: Store.systemMillis(), proof: [])
        challenge.proof = try Handshake.hubProof(secret: entry.secret, hello: hello, challenge: challenge)
        try channel.send(.challenge(challenge))
        // Everything the hub sends after its Challenge is tagged (SPEC §6.4).
        let keys = Handshake.sessionKeys(secret: entry.secret, deviceNonce: hello.nonce, hubNonce: challenge.nonce)
        channel.authenticateSending(key: keys.hubToDevice)
        let answer = try channel.receive(deadline: handshakeDeadline)
        if case .error(let code, let text) = answer {
            // The device refused us (it may think we are an impostor): just close.
            throw SyncError("the device ended the handshake: \(code) (\(text))")
        }
        guard case .proof(let mac) = answer else {
            throw SyncError("expected a Proof", code: .protocolViolation)
        }
        guard Handshake.proofsMatch(mac, try Handshake.deviceProof(secret: entry.secret, hello: hello, challenge: challenge)) else {
            throw SyncError("the device's proof does not verify", code: .authFailed)
        }
        authenticated = true
        channel.authenticateReceiving(key: keys.deviceToHub)
        do {
            try hub.write { try store.bind(device: hello.deviceName, to: hello.replica) }
        } catch let error as StoreError {
            throw SyncError(error.description, code: .replicaMismatch)
        }
        let stated = try store.syncVector()
        welcomedReplica = store.replica
        try channel.send([.welcome(Welcome(hubReplica: welcomedReplica)), .vector(stated)])
        let idleMillis = Int64(hub.settings.idleTimeout * 1000)
        let idle = { monotonicMillis() + idleMillis }
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
            case .ping(let value):
                try channel.send(.pong(value))
            case .pong:
                continue
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
