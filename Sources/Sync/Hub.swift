import CRDT
import Crypto
import Glibc
import Store
import Synchronization
import SystemCalls
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
        public var maxUnauthenticated = 64
        /// Most such connections from one address.
        public var maxUnauthenticatedPerAddress = 32
        /// Seconds a peer has to finish the TLS handshake and send its Hello.
        public var handshakeTimeout = 10.0
        /// Seconds a peer may leave us waiting for its next frame.
        public var idleTimeout = 60.0
        /// The operator restored this hub's store from a backup: devices may
        /// give back the hub's own changes the restore lost. Off by default,
        /// since it lets an enrolled device send changes under the hub's
        /// earlier replica id.
        public var restoredFromBackup = false

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
        // A catch-up a stopped hub left unfinished gets its indexes now.
        try Store.open(at: storePath).finishCatchUp()
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

    /// Sessions of identified devices open now.
    public var deviceSessions: Int { registry.deviceSessions }

    /// Accepts connections until `stop()` or `shouldStop()`; then returns once
    /// no batch is being committed (sessions still waiting on a peer are dropped:
    /// their devices resume from the version vectors next time). Twice a
    /// second it closes the open sessions of devices revoked meanwhile.
    public func run(shouldStop: () -> Bool = { false }) {
        var lastRevocationCheck: Int64 = 0
        var store: Store?
        var backoff = AcceptBackoff()
        while !isStopping {
            if shouldStop() { stop(); break }
            let now = MonotonicClock.nowMillis()
            if now - lastRevocationCheck >= 500 {
                lastRevocationCheck = now
                closeRevokedSessions(&store)
            }
            let accepted: Connection?
            do {
                accepted = try listener.withLock { try $0?.accept(timeout: 0.2) }
                if accepted != nil, let episode = backoff.succeeded() {
                    log("hub: accepting connections again after \(episode.failures) failed attempts in \(episode.millis) ms")
                }
            } catch {
                // Out of descriptors or memory: the connection stays queued and
                // poll reports it at once, so retrying now would spin. Wait,
                // longer each time, and say so once per episode.
                let pause = backoff.failed()
                if pause.startsEpisode {
                    log("hub: cannot accept connections (\(Hub.printable(String(describing: error)))); retrying every \(AcceptBackoff.firstPauseMillis) ms "
                        + "up to every \(AcceptBackoff.longestPauseMillis) ms until it passes (if it says too many open files, raise the limit with 'ulimit -n')")
                }
                pauseUnlessStopping(milliseconds: pause.millis, shouldStop: shouldStop)
                continue
            }
            guard let connection = accepted else { continue }
            let address = Hub.address(of: connection.peer)
            guard let ticket = registry.admit(connection, address: address, settings: settings) else {
                // Every waiting connection is fresh: this one goes, not a device mid-handshake.
                connection.close()
                continue
            }
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
        let deadline = MonotonicClock.nowMillis() + 2000
        while registry.count > 0 && MonotonicClock.nowMillis() < deadline { Syscall.sleep(milliseconds: 20) }
        writeLock.withLock { _ in }
    }

    /// Sleeps `milliseconds` in slices of at most 50 ms, returning early once
    /// the hub is asked to stop.
    private func pauseUnlessStopping(milliseconds: Int, shouldStop: () -> Bool) {
        let deadline = MonotonicClock.nowMillis() + Int64(milliseconds)
        while !isStopping && !shouldStop() {
            let remaining = deadline - MonotonicClock.nowMillis()
            guard remaining > 0 else { return }
            Syscall.sleep(milliseconds: Int(min(remaining, 50)))
        }
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
        let started = MonotonicClock.nowMillis()
        var session: HubSession?
        var channel: Channel?
        var outcome = "ok"
        defer {
            registry.remove(ticket)
            channel?.close()
            connection.close()
            do {
                try session?.finishCatchUp()
            } catch {
                log("hub: cannot build the value indexes after a catch-up (they are built when the hub starts again): \(Hub.printable(String(describing: error)))")
            }
            if let session, let device = session.device, session.authenticated {
                try? session.store?.recordSession(device: device, operationsReceived: session.received)
            }
            log("hub: device=\(Hub.printable(session?.device ?? "-")) peer=\(connection.peer) in=\(session?.received ?? 0) out=\(session?.sent ?? 0) "
                + "bytes_in=\(channel?.wireBytesIn ?? 0) bytes_out=\(channel?.wireBytesOut ?? 0) ms=\(MonotonicClock.nowMillis() - started)\(session?.caughtUp == true ? " catch_up=yes" : "") outcome=\(Hub.printable(outcome))")
        }
        let handshakeDeadline = started + Int64(settings.handshakeTimeout * 1000)
        switch connection.peekFirstByte(timeout: settings.handshakeTimeout) {
        case WireProtocol.magic[0]?:
            // A version 1 device: answer in version 1's framing, which every version keeps.
            let refusal = WireProtocol.magic + ((try? Message.error(code: .unsupportedVersion, message:
                "this hub speaks sync protocol version \(WireProtocol.currentVersion), inside TLS; update fieldnotes on this device and ask for a new enrolment code").encode()) ?? [])
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
            registry.markHandshaken(ticket)
            let opened = try Channel(connection, tls: tls, sendTimeout: settings.idleTimeout)
            channel = opened
            session = HubSession(host: SessionHost(hub: self, ticket: ticket), presentedKey: tls.peerFingerprint)
            try drive(&session, opened, handshakeDeadline: handshakeDeadline)
            outcome = session?.outcome ?? outcome
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

    /// How long the hub waits for a message that may not come (a used
    /// code's Enrol behind a Hello that presented another key).
    static let briefWaitMillis: Int64 = 300

    /// Moves messages between the device and the session machine until it
    /// closes: the Hello and the token within the handshake deadline, every
    /// other message within the idle timeout.
    private func drive(_ session: inout HubSession?, _ channel: Channel, handshakeDeadline: Int64) throws {
        guard var machine = session else { return }
        defer { session = machine }
        let idleMillis = Int64(settings.idleTimeout * 1000)
        while true {
            switch try machine.next() {
            case .send(let messages):
                try channel.send(messages)
            case .sendBatch(let batch):
                try channel.send(batch)
            case .raiseFrameLimit:
                channel.beginSession()
            case .receive(let deadline):
                let message: Message
                do {
                    switch deadline {
                    case .handshake: message = try channel.receive(deadline: handshakeDeadline)
                    case .idle: message = try channel.receive(deadline: MonotonicClock.nowMillis() + idleMillis)
                    case .brief: message = try channel.receive(deadline: min(handshakeDeadline, MonotonicClock.nowMillis() + Hub.briefWaitMillis))
                    }
                } catch let error as SocketError where error.kind == .closed {
                    guard machine.peerClosed() else { throw error }
                    continue
                } catch let error as SocketError where error.kind == .timeout && deadline == .brief {
                    try machine.noMessage()
                    continue
                }
                try machine.receive(message)
            case .close:
                return
            }
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

/// What one connection's session asks of the hub.
private struct SessionHost: HubSessionHost {
    let hub: Hub
    let ticket: SessionRegistry.Ticket

    func openStore() throws -> any SessionStore {
        let store = try Store.open(at: hub.storePath)
        // Many sessions at once each have a connection: keep each one's cache small.
        try store.limitMemory(cacheKibibytes: 2048)
        // An erase in a batch must not hold the write lock while readers finish.
        store.purgeWaitAfterErase = .zero
        return store
    }

    func write<T>(_ body: () throws -> T) throws -> T { try hub.write(body) }
    func promote(device: String) -> SessionRegistry.Promotion { hub.promote(ticket, device: device) }
    var maxSessions: Int { hub.settings.maxConnections }
    var isStopping: Bool { hub.isStopping }
    var acceptsLostOwnChanges: Bool { hub.settings.restoredFromBackup }
    func wallClockMillis() -> UInt64 { Store.systemMillis() }
    func log(_ line: String) { hub.logLine(line) }
}
