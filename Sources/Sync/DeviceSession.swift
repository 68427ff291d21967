import CRDT
import Crypto
import Store
import Wire

/// The device side of one session (`Protocol/SPEC.md` §6.2, §7.3) as a
/// state machine with no I/O: no socket, no TLS, no clock of its own.
/// `next()` says what to do now (send, raise the frame limit, wait for the
/// hub's next message, or close), and `receive(_:)` takes what the hub sent.
/// A failure is thrown, from either, as the `SyncError` to report; an Error
/// frame the device owes the hub comes first as a `sendError` action.
///
/// It starts once the driver has connected and checked the hub's key
/// (CHECK_HUB). Syncing, it states its vector, commits and acknowledges the
/// hub's batches until the hub's Done, then sends what the hub lacks of
/// this session's origin and its Done, and records what the hub now holds.
struct DeviceSession {
    /// What the session is for.
    enum Purpose: Sendable {
        case sync
        /// Redeem the one-time token from an enrolment code (§6.1); the
        /// session ends after the Welcome.
        case enrol(EnrolmentToken)
    }

    /// How a session ended: done, or the store must sync again (it forked,
    /// re-issued, or emptied a value that held the rest back).
    /// How a session ended: done; again, after a fork (a new replica id, or
    /// state less of our own); or again, after emptying a replaced value
    /// that could not be sent, so that what follows it can go.
    enum Outcome: Equatable, Sendable { case complete, again, againAfterClearing }

    enum Action: Equatable {
        /// Send these messages, in one write.
        case send([Message])
        /// Send this batch's frame as built (`Message.ops`).
        case sendBatch(EncodedMessage)
        /// Send an Error frame if the connection still takes one; never fails.
        case sendError(ErrorCode, String)
        /// The handshake is over: frames may be session-sized (1 MiB).
        case raiseFrameLimit
        /// Wait for the hub's next message (within the step deadline) and pass it to `receive(_:)`.
        case receive
        /// The session is over: close the connection.
        case close(Outcome)
    }

    /// The states of SPEC §7.3 from CHECK_HUB on (CONNECTING and the check
    /// of the hub's key are the driver's).
    enum State {
        /// The hub's key matched the pinned one: the first flight is next.
        case checkHub
        case awaitWelcome
        case syncing(Syncing)
        /// Something went wrong after an Error frame was queued for the hub.
        case failing(any Error)
        case closed(Outcome)
    }

    /// The steps of SYNCING.
    enum Syncing {
        case awaitVector(hubReplica: ReplicaID)
        /// Committing and acknowledging the hub's batches until its Done.
        case receiving(batches: UInt64, theirs: SyncVector, hubReplica: ReplicaID)
        /// Sending what the hub lacks; `held` is this session's origin as
        /// the store held it when sending began.
        case sending(BatchSender, theirs: SyncVector, held: UInt64)
        /// Done sent: the store records what the hub holds, then closes.
        case finishing(BatchSender, theirs: SyncVector, held: UInt64)
        /// The hub's history of this store's own origin differs at or below
        /// what it stated (§7.7 rule 4): `forked` was sent; forget what the
        /// hub acknowledged, and sync again.
        case restating
    }

    let store: any SessionStore
    let deviceName: String
    let purpose: Purpose
    /// The replica id this session speaks for: the store may move to a new
    /// one while applying the hub's batches (a fork), but not mid-session.
    let replica: ReplicaID
    /// Carried over from earlier sessions of the same sync, and added to.
    private(set) var report: SyncReport

    /// How far the session has got, for a person watching: operations
    /// received, and sent (the batches of the current sending step included).
    var progress: SyncProgress {
        var sent = report.sent
        if case .syncing(.sending(let sender, _, _)) = state { sent += sender.operationsSent }
        return SyncProgress(sent: sent, received: report.received)
    }
    private(set) var state = State.checkHub
    private var pending: [Action] = []
    /// Whether this session applied the hub's batches as a catch-up.
    private(set) var caughtUp = false
    /// The Vector this device sent.
    private var stated = SyncVector()
    /// The protocol version the hub's Welcome selected.
    private(set) var version: UInt16?
    private let wallClock: () -> UInt64
    private let nonce: () throws -> [UInt8]

    /// `wallClock` (ms since the Unix epoch) goes into the Hello and gives
    /// the clock skew; `nonce` fills the Hello's unused nonce.
    init(store: any SessionStore, deviceName: String, purpose: Purpose, report: SyncReport = SyncReport(),
         wallClock: @escaping () -> UInt64 = Store.systemMillis,
         nonce: @escaping () throws -> [UInt8] = { try SecureRandom.bytes(Hello.nonceLength) }) {
        self.store = store
        self.deviceName = deviceName
        self.purpose = purpose
        self.replica = store.replica
        self.report = report
        self.wallClock = wallClock
        self.nonce = nonce
    }

    /// What to do now. Call again after doing it, until `close`.
    mutating func next() throws -> Action {
        if !pending.isEmpty { return pending.removeFirst() }
        switch state {
        case .checkHub:
            state = .awaitWelcome
            switch purpose {
            case .enrol(let token):
                return .send([.hello(try hello()), .enrol(token)])
            case .sync:
                // Of our own origin we state only what the hub has
                // acknowledged: if the hub holds more of it (this store was
                // restored or copied), it sends those back and the store
                // compares them with its own (§7.7).
                stated = try store.syncVector(ownUpTo: try store.hubAcknowledged())
                return .send([.hello(try hello()), .vector(stated)])
            }
        case .awaitWelcome, .syncing(.awaitVector), .syncing(.receiving):
            return .receive
        case .syncing(.sending(var sender, let theirs, let held)):
            if let batch = try sender.nextMessage() {
                state = .syncing(.sending(sender, theirs: theirs, held: held))
                return .sendBatch(batch)
            }
            if sender.awaitingAck { return .receive }
            report.sent += sender.operationsSent
            state = .syncing(.finishing(sender, theirs: theirs, held: held))
            return .send([.done(batches: sender.batchesSent, operations: UInt64(sender.operationsSent))])
        case .syncing(.finishing(let sender, let theirs, let held)):
            let outcome = try finish(sender, theirs: theirs, held: held)
            state = .closed(outcome)
            return .close(outcome)
        case .syncing(.restating):
            try store.recordSync(acknowledged: 0, completed: false)
            state = .closed(.again)
            return .close(.again)
        case .failing(let error):
            throw error
        case .closed(let outcome):
            return .close(outcome)
        }
    }

    /// Takes the hub's next message. An Error frame ends the session with
    /// the hub's reason, said so a person knows what to do.
    mutating func receive(_ message: Message) throws {
        if case .error(let code, let text) = message {
            throw SyncError(DeviceSync.explain(code, text), code: code)
        }
        if let version, !message.isAllowed(inVersion: version) {
            throw SyncError("the hub sent \(message.type) in a protocol version \(version) session", code: .protocolViolation)
        }
        switch state {
        case .awaitWelcome:
            guard case .welcome(let welcome) = message else {
                throw SyncError("the hub did not welcome this device", code: .protocolViolation)
            }
            guard WireProtocol.supportedVersions.contains(welcome.version) else {
                pending.append(.sendError(.unsupportedVersion, "this device speaks \(WireProtocol.supportedVersions)"))
                state = .failing(SyncError("the hub chose protocol version \(welcome.version), which this fieldnotes does not speak; upgrade fieldnotes",
                                           code: .unsupportedVersion))
                return
            }
            pending.append(.raiseFrameLimit)
            version = welcome.version
            report.hubReplica = welcome.hubReplica
            switch purpose {
            case .enrol:
                state = .closed(.complete)
            case .sync:
                report.clockSkewMillis = Int64(bitPattern: welcome.wallClockMillis &- wallClock())
                state = .syncing(.awaitVector(hubReplica: welcome.hubReplica))
            }
        case .syncing(.awaitVector(let hubReplica)):
            guard case .vector(let theirs) = message else {
                throw SyncError("the hub did not send its version vector", code: .protocolViolation)
            }
            let divergent = try store.divergentOrigins(from: theirs)
            if divergent.contains(replica) && theirs[replica] <= stated[replica] {
                // The hub's history of our own origin differs at or below
                // what we stated, so it will send us none of it: state none
                // of it next time, so the hub sends all of it and the store
                // compares. (Past what we stated, the hub sends its copies anyway.)
                pending.append(.sendError(.forked, "this device holds a different history of its own replica \(replica.hex); it will state none of it and sync again"))
                state = .syncing(.restating)
                return
            }
            for origin in divergent where origin != replica && !report.divergentOrigins.contains(origin) { report.divergentOrigins.append(origin) }
            // Much to receive (a new or restored laptop): the store's value
            // indexes wait until the hub's Done (`Store+CatchUp.swift`).
            let held = try store.versionVector()
            if Store.isCatchUp(coming: theirs.vector.missing(from: held).reduce(UInt64(0)) { $0 + $1.count }, held: held.total) {
                try store.deferValueIndexes()
                caughtUp = true
            }
            state = .syncing(.receiving(batches: 0, theirs: theirs, hubReplica: hubReplica))
        case .syncing(.receiving(let batches, let theirs, let hubReplica)):
            try receiveFromHub(message, batches: batches, theirs: theirs, hubReplica: hubReplica)
        case .syncing(.sending(var sender, let theirs, let held)):
            try sender.acknowledge(message)
            state = .syncing(.sending(sender, theirs: theirs, held: held))
        case .checkHub, .syncing(.finishing), .syncing(.restating), .failing, .closed:
            throw SyncError("the hub sent \(message.type) when this device expected nothing", code: .protocolViolation)
        }
    }

    private func hello() throws -> Hello {
        Hello(deviceName: deviceName, replica: store.replica, nonce: try nonce(), wallClockMillis: wallClock())
    }

    /// Phase 1: the hub sends what we lack; we commit and acknowledge each
    /// batch. At its Done, phase 2 begins.
    private mutating func receiveFromHub(_ message: Message, batches: UInt64, theirs: SyncVector, hubReplica: ReplicaID) throws {
        switch message {
        case .operations(let batchID, let batch), .compressedOperations(let batchID, let batch):
            guard batchID == batches + 1 else {
                throw SyncError("the hub sent batch \(batchID) after \(batches)", code: .protocolViolation)
            }
            let (applied, reissue) = try store.applyReporting(batch.operations)
            if report.reissue == nil { report.reissue = reissue }
            report.received += applied
            if batch.origin == replica || report.reissue?.previous == batch.origin { report.fetchedOwn += applied }
            pending.append(.send([.ack(batchID: batchID, applied: UInt64(applied))]))
            state = .syncing(.receiving(batches: batchID, theirs: theirs, hubReplica: hubReplica))
        case .done(let doneBatches, _):
            guard doneBatches == batches else {
                throw SyncError("the hub's Done counts \(doneBatches) batches, \(batches) arrived", code: .protocolViolation)
            }
            try store.finishCatchUp()
            // Phase 2: we send what the hub lacks of this session's origin, a
            // bounded window of batches in flight. After a re-issue that is
            // nothing: our own changes now go under the new id, next session.
            // If we hold more of the hub's own origin than the hub, it was
            // restored from a backup and lost them: we send those back (§7.7).
            let vector = try store.versionVector()
            var ranges: [SeqRange] = []
            for origin in [replica, hubReplica] where vector[origin] > theirs[origin] && !ranges.contains(where: { $0.origin == origin }) {
                ranges.append(SeqRange(origin: origin, first: theirs[origin] + 1, last: vector[origin]))
            }
            state = .syncing(.sending(BatchSender(store: store, ranges: ranges, version: version ?? WireProtocol.supportedVersions.lowerBound, checksSchema: true), theirs: theirs, held: vector[replica]))
        case let other:
            throw SyncError("the hub sent \(other.type) while sending operations", code: .protocolViolation)
        }
    }

    /// After our Done: every batch was acknowledged, so the hub holds our
    /// own operations up to the last one sent.
    private mutating func finish(_ sender: BatchSender, theirs: SyncVector, held: UInt64) throws -> Outcome {
        if store.replica != replica {
            try store.nameReplicaIfNew()
            try store.recordSync(acknowledged: 0, completed: true)
            return .again
        }
        if let (blocker, reason) = sender.unsendable.first(where: { $0.operation.id.origin == replica }) {
            try store.recordSync(acknowledged: max(blocker.id.seq - 1, theirs[replica]), completed: true)
            // A value nobody sees any more (its note was edited since) is emptied, and the rest can go.
            if try store.clearReplacedValue(blocker.id) { return .againAfterClearing }
            report.unsendable = [(blocker.record, reason)]
            return .complete
        }
        try store.recordSync(acknowledged: max(held, theirs[replica]), completed: true)
        return .complete
    }
}

@available(*, unavailable)
extension DeviceSession: Sendable {}
