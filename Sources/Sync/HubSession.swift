import CRDT
import Store
import Wire

/// What a hub session needs from its hub, beyond messages: its store, its
/// single write lock, its registry of sessions, its clock and its log.
protocol HubSessionHost {
    /// Opens a connection to the hub's store for this session.
    func openStore() throws -> any SessionStore
    /// Runs `body` holding the hub's single write lock.
    func write<T>(_ body: () throws -> T) throws -> T
    /// Makes this connection `device`'s session; busy if it has one, full
    /// if the hub has `maxSessions`.
    func promote(device: String) -> SessionRegistry.Promotion
    var maxSessions: Int { get }
    var isStopping: Bool { get }
    /// The operator says this hub was restored from a backup: devices may
    /// give back changes of the hub's own earlier id that it lost (§7.7 rule 6).
    var acceptsLostOwnChanges: Bool { get }
    /// Milliseconds since the Unix epoch, for the Welcome.
    func wallClockMillis() -> UInt64
    func log(_ line: String)
}

/// The hub's side of one session (`Protocol/SPEC.md` §6–7, state machine
/// §7.4) after the TLS handshake, with no I/O: identifies the device by its
/// Hello and the key it presented (or enrols it with its one-time token),
/// sends what it lacks, then accepts only the device's own operations, with
/// no gap, one batch per transaction.
///
/// `next()` says what to do now (send, raise the frame limit, wait for the
/// device's next message within the handshake or the idle deadline, or
/// close); `receive(_:)` takes what the device sent, and `peerClosed()` says
/// the device closed. A failure is thrown as the `SyncError` (with the code
/// to send the device) or the store's error.
struct HubSession {
    /// How long the driver waits: until the opening's deadline, for the
    /// idle timeout, or briefly for a message that may not come (`noMessage()`
    /// is then called instead of `receive(_:)`).
    enum Deadline: Equatable { case handshake, idle, brief }

    enum Action: Equatable {
        /// Send these messages, in one write.
        case send([Message])
        /// Send this batch's frame as built (`Message.ops`).
        case sendBatch(EncodedMessage)
        /// The handshake is over: frames may be session-sized (1 MiB).
        case raiseFrameLimit
        /// Wait for the device's next message and pass it to `receive(_:)`.
        case receive(Deadline)
        /// The session is over: close the connection.
        case close
    }

    /// The states of SPEC §7.4 after the TLS handshake (ACCEPTED is the driver's).
    enum State {
        case awaitHello
        case awaitEnrol(Opening)
        /// An enrolled device: its next message says whether it syncs
        /// (Vector) or runs `join` again (Enrol); `keyMatches` is whether it
        /// presented its enrolled key.
        case awaitEnrolledDevice(Opening, entry: DeviceEntry, keyMatches: Bool)
        case syncing(Syncing)
        /// Enrolled and welcomed: the session ends when the device closes.
        case complete
        case closed
    }

    /// A Hello accepted so far: the device is known, not yet admitted.
    struct Opening {
        let hello: Hello
        let version: UInt16
        let store: any SessionStore
        /// SHA-256 of the certificate the device presented.
        let presented: [UInt8]
    }

    /// The steps of SYNCING.
    enum Syncing {
        case awaitVector(stated: SyncVector, hello: Hello)
        /// Sending what the device lacks; `ours` is the hub's vector when it began.
        case sending(BatchSender, ours: VersionVector, hello: Hello)
        /// Accepting the device's batches: `held` per origin it may send;
        /// `acknowledged` is set once an Ack has been handed out.
        case receiving(held: [ReplicaID: UInt64], batches: UInt64, hello: Hello, acknowledged: Bool)
    }

    let host: any HubSessionHost
    /// SHA-256 of the certificate the device presented in TLS, if any.
    let presentedKey: [UInt8]?
    private(set) var state = State.awaitHello
    private var pending: [Action] = []
    /// The device name from the Hello.
    private(set) var device: String?
    /// Set once the device is identified and admitted as a session.
    private(set) var authenticated = false
    private(set) var store: (any SessionStore)?
    private(set) var received = 0
    private(set) var sent = 0
    /// Set once the device's batches turn out to be a catch-up for the
    /// hub's store (`Store+CatchUp.swift`): its value indexes are built
    /// again at the device's Done, or when the session ends (`Hub.serve`).
    private(set) var caughtUp = false
    /// Whether the value indexes still wait for `finishCatchUp()`.
    private var indexesDeferred = false
    /// Operations the hub's store held when the device began sending.
    private var heldBeforeReceiving: UInt64 = 0
    private(set) var outcome = "ok"
    /// The replica id the Welcome named.
    private(set) var welcomedReplica = ReplicaID(high: 0, low: 0)
    /// Set when the device holds changes of the hub's own origin that the
    /// hub lost to a restore: the device may send those back.
    private(set) var restoredOwn: SeqRange?
    /// The protocol version the Welcome selected.
    private(set) var version: UInt16?

    init(host: any HubSessionHost, presentedKey: [UInt8]?) {
        self.host = host
        self.presentedKey = presentedKey
    }

    /// What to do now. Call again after doing it, until `close`.
    mutating func next() throws -> Action {
        if !pending.isEmpty { return pending.removeFirst() }
        switch state {
        case .awaitHello:
            guard presentedKey != nil else { throw SyncError("the device presented no certificate", code: .authFailed) }
            return .receive(.handshake)
        case .awaitEnrol:
            return .receive(.handshake)
        case .awaitEnrolledDevice(_, _, let keyMatches):
            // With another key there is nothing to admit: a used code's Enrol,
            // if any, came in the same flight as the Hello.
            return .receive(keyMatches ? .handshake : .brief)
        case .complete, .syncing(.awaitVector):
            return .receive(.idle)
        case .syncing(.sending(var sender, let ours, let hello)):
            if let batch = try sender.nextMessage() {
                state = .syncing(.sending(sender, ours: ours, hello: hello))
                return .sendBatch(batch)
            }
            if sender.awaitingAck { return .receive(.idle) }
            sent = sender.operationsSent
            // Phase 2: accept the device's own operations, with no gap.
            var held: [ReplicaID: UInt64] = [hello.replica: ours[hello.replica]]
            if let restoredOwn { held[restoredOwn.origin] = ours[restoredOwn.origin] }
            heldBeforeReceiving = ours.total
            state = .syncing(.receiving(held: held, batches: 0, hello: hello, acknowledged: false))
            return .send([.done(batches: sender.batchesSent, operations: UInt64(sent))])
        case .syncing(.receiving(let held, let batches, let hello, let acknowledged)):
            if acknowledged {
                state = .syncing(.receiving(held: held, batches: batches, hello: hello, acknowledged: false))
                if host.isStopping {
                    throw SyncError("the hub is shutting down; sync again to send the rest", code: .busy)
                }
            }
            return .receive(.idle)
        case .closed:
            return .close
        }
    }

    /// The device closed the connection: true if that ends the session as
    /// it should (after an enrolment), false if it is a failure.
    mutating func peerClosed() -> Bool {
        guard case .complete = state else { return false }
        state = .closed
        return true
    }

    /// Takes the device's next message.
    mutating func receive(_ message: Message) throws {
        if let version, !message.isAllowed(inVersion: version) {
            throw SyncError("the device sent \(message.type) in a protocol version \(version) session", code: .protocolViolation)
        }
        switch state {
        case .awaitHello:
            guard let presented = presentedKey else { throw SyncError("the device presented no certificate", code: .authFailed) }
            try receiveHello(message, presented: presented)
        case .awaitEnrol(let opening):
            guard case .enrol(let token) = message else {
                throw SyncError("device '\(opening.hello.deviceName)' has not enrolled yet; run 'fieldnotes join CODE' with the code from 'fieldnotes hub enroll'",
                                code: .authFailed)
            }
            do {
                try host.write { try opening.store.redeemEnrolment(device: opening.hello.deviceName, tokenHash: token.hash, keyFingerprint: opening.presented) }
            } catch let refusal as EnrolmentRefusal {
                throw SyncError(refusal.description, code: .authFailed)
            }
            try admit(opening, enrolled: true)
        case .awaitEnrolledDevice(let opening, let entry, let keyMatches):
            try receiveFromEnrolledDevice(message, opening, entry: entry, keyMatches: keyMatches)
        case .complete:
            // An enrolment session ends after the Welcome (`fieldnotes join`).
            try Self.checkNotError(message)
            guard case .vector = message else {
                throw SyncError("expected the device's Vector or the end of the session", code: .protocolViolation)
            }
            throw SyncError("a device enrols in a session of its own; sync again", code: .protocolViolation)
        case .syncing(.awaitVector(let stated, let hello)):
            try Self.checkNotError(message)
            guard case .vector(let theirs) = message, let store else {
                throw SyncError("expected the device's Vector", code: .protocolViolation)
            }
            let lacking = try checkHistories(theirs, stated: stated.vector, deviceReplica: hello.replica)
            // Phase 1: send what the device lacks.
            let ours = try store.versionVector()
            state = .syncing(.sending(BatchSender(store: store, ranges: ours.missing(from: lacking), version: version ?? WireProtocol.supportedVersions.lowerBound), ours: ours, hello: hello))
        case .syncing(.sending(var sender, let ours, let hello)):
            try Self.checkNotError(message)
            try sender.acknowledge(message)
            state = .syncing(.sending(sender, ours: ours, hello: hello))
        case .syncing(.receiving(let held, let batches, let hello, _)):
            try Self.checkNotError(message)
            try receiveFromDevice(message, held: held, batches: batches, hello: hello)
        case .closed:
            throw SyncError("unexpected \(message.type) after the session ended", code: .protocolViolation)
        }
    }

    /// AWAIT_HELLO: selects a version, looks the device up and checks its
    /// key, or waits for its token.
    private mutating func receiveHello(_ message: Message, presented: [UInt8]) throws {
        guard case .hello(let hello) = message else {
            throw SyncError("expected a Hello", code: .protocolViolation)
        }
        device = hello.deviceName
        guard let version = WireProtocol.negotiate(device: hello.versions) else {
            throw SyncError("hub supports protocol versions \(WireProtocol.supportedVersions.lowerBound) to \(WireProtocol.supportedVersions.upperBound)",
                            code: .unsupportedVersion)
        }
        let store = try host.openStore()
        self.store = store
        guard let entry = try store.device(named: hello.deviceName) else {
            throw SyncError("no device named '\(hello.deviceName)' is enrolled on this hub; ask its administrator for a code", code: .unknownDevice)
        }
        guard !entry.isRevoked else { throw SyncError("device '\(hello.deviceName)' was revoked; ask for a new code", code: .revoked) }
        let opening = Opening(hello: hello, version: version, store: store, presented: presented)
        if let key = entry.keyFingerprint {
            let keyMatches = Store.keyMatches(key, presented)
            if keyMatches {
                // Its Vector (which may be long) or an Enrol follows in the same flight.
                try promote(hello.deviceName)
                raiseFrameLimit()
            }
            state = .awaitEnrolledDevice(opening, entry: entry, keyMatches: keyMatches)
        } else if entry.needsNewCode {
            throw SyncError("device '\(hello.deviceName)' was enrolled under sync protocol version 1; "
                            + "ask the hub's administrator for a new code ('fieldnotes hub enroll \(hello.deviceName)') and run 'fieldnotes join CODE': the notes and the store are kept",
                            code: .authFailed)
        } else {
            // Not enrolled yet: the next message must be the one-time token.
            state = .awaitEnrol(opening)
        }
    }

    /// AWAIT_HELLO, for a device that has enrolled a key: with that key, a
    /// Vector starts the sync and an Enrol (its user ran `join` again) is
    /// welcomed as an enrolment; with another key, it is refused, saying so
    /// plainly when it is presenting a code that was already used.
    private mutating func receiveFromEnrolledDevice(_ message: Message, _ opening: Opening, entry: DeviceEntry, keyMatches: Bool) throws {
        try Self.checkNotError(message)
        let name = opening.hello.deviceName
        guard keyMatches else {
            if case .enrol(let token) = message, let stored = entry.tokenHash, Store.keyMatches(stored, token.hash), entry.tokenUsedMillis != nil {
                throw SyncError(EnrolmentRefusal.used(name).description, code: .authFailed)
            }
            throw Self.wrongKey(name)
        }
        switch message {
        case .enrol:
            try admit(opening, enrolled: true, promoted: true)
        case .vector:
            try admit(opening, enrolled: false, promoted: true)
            try receive(message)
        default:
            throw SyncError("expected the device's Vector", code: .protocolViolation)
        }
    }

    private var frameLimitRaised = false

    /// Frames may be session-sized from now on (once).
    private mutating func raiseFrameLimit() {
        guard !frameLimitRaised else { return }
        frameLimitRaised = true
        pending.append(.raiseFrameLimit)
    }

    /// The brief wait for a second message ended with none.
    mutating func noMessage() throws {
        guard case .awaitEnrolledDevice(let opening, _, false) = state else {
            throw SyncError("the device sent nothing in time", code: .timeout)
        }
        throw Self.wrongKey(opening.hello.deviceName)
    }

    static func wrongKey(_ name: String) -> SyncError {
        SyncError("the key this device presented is not the one enrolled as '\(name)'; "
                  + "ask for a new code ('fieldnotes hub enroll \(name) --replace')", code: .authFailed)
    }

    /// Makes this the device's session: busy if it has one, or if the hub is full.
    private mutating func promote(_ name: String) throws {
        switch host.promote(device: name) {
        case .admitted: break
        case .busy: throw SyncError("device '\(name)' already has a session open; try again when it ends", code: .busy)
        case .full: throw SyncError("the hub has \(host.maxSessions) sessions open; try again shortly", code: .busy)
        }
    }

    /// The device is identified: makes this its session (busy if it has
    /// one), binds its replica id, and welcomes it.
    private mutating func admit(_ opening: Opening, enrolled: Bool, promoted: Bool = false) throws {
        let hello = opening.hello, store = opening.store
        if !promoted { try promote(hello.deviceName) }
        authenticated = true
        do {
            try host.write { try store.bind(device: hello.deviceName, to: hello.replica) }
        } catch let error as StoreError {
            // A refused replica id needs a person; a store failure is worth a retry.
            throw SyncError(error.description, code: error.isRefusal ? .replicaMismatch : .internal)
        }
        raiseFrameLimit()
        let stated = try store.syncVector(ownUpTo: nil)
        // A hub restored by 'hub restore' writes under a fresh id at once; while
        // it takes back what the backup lacked, the Welcome names the id the
        // restore cut short, so devices send that id's later changes (§7.7 rule 6).
        welcomedReplica = (host.acceptsLostOwnChanges ? try store.restoredReplica() : nil) ?? store.replica
        version = opening.version
        let welcome = Welcome(version: opening.version, hubReplica: welcomedReplica, wallClockMillis: host.wallClockMillis())
        if enrolled {
            pending.append(.send([.welcome(welcome)]))
            outcome = "enrolled"
            state = .complete
        } else {
            pending.append(.send([.welcome(welcome), .vector(stated)]))
            state = .syncing(.awaitVector(stated: stated, hello: hello))
        }
    }

    /// Phase 2: one of the device's batches, checked and committed, or its Done.
    private mutating func receiveFromDevice(_ message: Message, held: [ReplicaID: UInt64], batches: UInt64, hello: Hello) throws {
        guard let store else { throw SyncError("the hub has no store open", code: .internal) }
        switch message {
        case .operations(let batchID, let batch), .compressedOperations(let batchID, let batch):
            guard batchID == batches + 1 else {
                throw SyncError("batch id \(batchID) after \(batches)", code: .protocolViolation)
            }
            if batch.origin == welcomedReplica, restoredOwn == nil, batch.origin != hello.replica {
                // The hub's own earlier changes, offered back after it took a new id
                // in this session, while its operator has not said it was restored:
                // acknowledged and not taken (§7.7 rule 6), so the device's sync
                // still completes; the hub logged what to do.
                pending.append(.send([.ack(batchID: batchID, applied: 0)]))
                state = .syncing(.receiving(held: held, batches: batchID, hello: hello, acknowledged: true))
                return
            }
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
                applied = try host.write { try store.apply(batch.operations) }
            } catch let error as StoreError where error.isFork {
                throw SyncError(error.message, code: .forked)
            }
            var held = held
            held[batch.origin] = max(heldOfOrigin, batch.lastSeq)
            received += applied
            // The device states no count of what it sends: once this session
            // has brought as much as the store held, the rest is a catch-up.
            if !caughtUp, Store.isCatchUp(coming: UInt64(received), held: heldBeforeReceiving) {
                try host.write { try store.deferValueIndexes() }
                caughtUp = true
                indexesDeferred = true
            }
            pending.append(.send([.ack(batchID: batchID, applied: UInt64(applied))]))
            state = .syncing(.receiving(held: held, batches: batchID, hello: hello, acknowledged: true))
        case .done(let doneBatches, _):
            guard doneBatches == batches else {
                throw SyncError("Done counts \(doneBatches) batches, \(batches) arrived", code: .protocolViolation)
            }
            try finishCatchUp()
            state = .closed
        case let other:
            throw SyncError("unexpected \(other.type) while receiving operations", code: .protocolViolation)
        }
    }

    /// Builds the value indexes a catch-up left out: at the device's Done,
    /// or (the hub calls it) when the session ends without one.
    mutating func finishCatchUp() throws {
        guard indexesDeferred, let store else { return }
        indexesDeferred = false
        try host.write { _ = try store.finishCatchUp() }
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
    private mutating func checkHistories(_ theirs: SyncVector, stated: VersionVector, deviceReplica: ReplicaID) throws -> VersionVector {
        guard let store else { return theirs.vector }
        var lacking = theirs.vector
        let ours = try store.versionVector()
        for origin in try store.divergentOrigins(from: theirs) {
            // The device's own history: send all of ours, so it finds its fork.
            // Another origin's: send none of it; the device keeps its own and warns.
            lacking[origin] = origin == deviceReplica ? 0 : max(theirs[origin], ours[origin])
        }
        let own = welcomedReplica
        if theirs[own] > stated[own] {
            if host.acceptsLostOwnChanges {
                restoredOwn = SeqRange(origin: own, first: stated[own] + 1, last: theirs[own])
            } else {
                host.log("hub: device=\(Hub.printable(device ?? "-")) holds changes of the hub's own id that the hub lacks: if this hub was restored "
                         + "from a backup, restart it with 'hub serve --restored' to take them back")
            }
            let reissue = try host.write { () -> Reissue? in
                guard let reissue = try store.reissueOwnOperations(of: own, from: stated[own] + 1) else { return nil }
                try store.nameReplicaIfNew()
                return reissue
            }
            if reissue == nil, restoredOwn != nil, store.replica != own {
                host.log("hub: device=\(Hub.printable(device ?? "-")) holds \(theirs[own] - stated[own]) changes of the hub's replica \(own.hex) "
                         + "that the restore from a backup lost: taking them back")
            }
            if let reissue {
                host.log("hub: device=\(Hub.printable(device ?? "-")) holds \(theirs[own] - stated[own]) changes of the hub's own that the hub lacks "
                         + "(the hub was restored from a backup): the hub now writes as \(reissue.replica.hex)"
                         + (restoredOwn == nil ? "" : " and takes the old ones back; nothing is lost"))
            }
        }
        return lacking
    }

    /// An Error frame from the device ends the session (nothing is sent back).
    private static func checkNotError(_ message: Message) throws {
        if case .error(let code, let text) = message { throw SyncError("the device ended the session: \(code) (\(text))") }
    }
}

@available(*, unavailable)
extension HubSession: Sendable {}
