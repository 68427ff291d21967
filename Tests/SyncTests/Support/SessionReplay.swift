import CRDT
import Foundation
@testable import Store
@testable import Sync
import Testing
import Wire

/// `Protocol/vectors/session.json`: a whole session, frame by frame.
struct SessionVector {
    struct Step {
        let step: Int
        let from: Side
        let bytes: [UInt8]
        /// Nil for the magic.
        let message: Message?
    }

    let steps: [Step]

    static func load() throws -> SessionVector {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Protocol/vectors/session.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let vector = try #require((root["vectors"] as? [[String: Any]])?.first)
        var steps: [Step] = []
        for entry in try #require(vector["steps"] as? [[String: Any]]) {
            let hex = try #require(entry["hex"] as? String)
            let bytes = try #require(Hex.decode(hex))
            let sender = try #require(entry["from"] as? String)
            let from = try #require(Side(rawValue: sender))
            var message: Message?
            if bytes != WireProtocol.magic {
                var decoder = FrameDecoder(expectingMagic: false)
                decoder.beginSession()
                decoder.append(bytes)
                let decoded = try decoder.decodeMessage()
                let whole: Message = try #require(decoded, "step \(entry["step"] ?? "?") is not one whole frame")
                message = whole
                #expect(decoder.bufferedByteCount == 0)
            }
            steps.append(Step(step: try #require(entry["step"] as? Int), from: from, bytes: bytes, message: message))
        }
        return SessionVector(steps: steps)
    }

    /// The messages (no magic) `side` wrote, in order.
    func frames(from side: Side) -> [Step] { steps.filter { $0.from == side && $0.message != nil } }

    var hello: Hello? {
        steps.lazy.compactMap { if case .hello(let hello)? = $0.message { return hello } else { return nil } }.first
    }
    var welcome: Welcome? {
        steps.lazy.compactMap { if case .welcome(let welcome)? = $0.message { return welcome } else { return nil } }.first
    }
    /// The Vector `side` sent.
    func vector(from side: Side) -> SyncVector? {
        frames(from: side).lazy.compactMap { if case .vector(let vector)? = $0.message { return vector } else { return nil } }.first
    }
    /// The operations `side` sent, in order.
    func operations(from side: Side) -> [CRDT.Operation] {
        frames(from: side).flatMap { step -> [CRDT.Operation] in
            if case .operations(_, let batch)? = step.message { return batch.operations } else { return [] }
        }
    }
}

/// A store that holds just what one side of the session vector needs: its
/// replica id, what it states and holds, its own operations, and (on a hub)
/// the device's entry. It records what a session did to it.
final class ReplayStore: SessionStore {
    let replica: ReplicaID
    let stated: SyncVector
    private(set) var held: VersionVector
    private var log: [OperationID: CRDT.Operation] = [:]
    let acknowledged: UInt64
    let entry: DeviceEntry?
    private(set) var applied: [CRDT.Operation] = []
    private(set) var recordedSyncs: [(acknowledged: UInt64, completed: Bool)] = []
    private(set) var bound: [(device: String, replica: ReplicaID)] = []

    init(replica: ReplicaID, stated: SyncVector, held: VersionVector, operations: [CRDT.Operation], acknowledged: UInt64 = 0, entry: DeviceEntry? = nil) {
        self.replica = replica
        self.stated = stated
        self.held = held
        self.acknowledged = acknowledged
        self.entry = entry
        for operation in operations { log[operation.id] = operation }
    }

    func versionVector() throws -> VersionVector { held }
    func syncVector(ownUpTo: UInt64?) throws -> SyncVector { stated }
    func divergentOrigins(from peer: SyncVector) throws -> [ReplicaID] { [] }
    func operations(_ range: SeqRange, limit: Int) throws -> [CRDT.Operation] {
        Array((range.first ... range.last).compactMap { log[OperationID(origin: range.origin, seq: $0)] }.prefix(limit))
    }
    func hubAcknowledged() throws -> UInt64 { acknowledged }
    func recordSync(acknowledged seq: UInt64, completed: Bool) throws { recordedSyncs.append((seq, completed)) }
    func applyReporting(_ operations: [CRDT.Operation]) throws -> (applied: Int, reissue: Reissue?) {
        var count = 0
        for operation in operations where log[operation.id] == nil {
            log[operation.id] = operation
            applied.append(operation)
            held[operation.id.origin] = max(held[operation.id.origin], operation.id.seq)
            count += 1
        }
        return (count, nil)
    }
    func nameReplicaIfNew() throws {}
    func clearReplacedValue(_ id: OperationID) throws -> Bool { false }
    func device(named name: String) throws -> DeviceEntry? { entry?.name == name ? entry : nil }
    func redeemEnrolment(device name: String, tokenHash: [UInt8], keyFingerprint: [UInt8]) throws { throw EnrolmentRefusal.wrongToken(name) }
    func bind(device name: String, to replica: ReplicaID) throws { bound.append((name, replica)) }
    func reissueOwnOperations(of expected: ReplicaID, from seq: UInt64) throws -> Reissue? { nil }
    func checkSchema(_ operations: [CRDT.Operation]) throws {}
    func apply(_ operations: [CRDT.Operation]) throws -> Int { try applyReporting(operations).applied }
    func recordSession(device name: String, operationsReceived: Int) throws {}
}

/// A hub host around one `ReplayStore`, with the session vector's clock.
final class ReplayHub: HubSessionHost {
    let store: ReplayStore
    let clock: UInt64
    init(store: ReplayStore, clock: UInt64) {
        self.store = store
        self.clock = clock
    }
    func openStore() throws -> any SessionStore { store }
    func write<T>(_ body: () throws -> T) throws -> T { try body() }
    func promote(device: String) -> SessionRegistry.Promotion { .admitted }
    var maxSessions: Int { 64 }
    var isStopping: Bool { false }
    var acceptsLostOwnChanges: Bool { false }
    func wallClockMillis() -> UInt64 { clock }
    func log(_ line: String) {}
}

/// One side's actions, reduced to what a replay checks.
enum ReplayAction {
    case send([Message])
    /// A batch's frame as its sender built it: those bytes are compared.
    case sendBatch(EncodedMessage)
    case receive
    case raiseFrameLimit
    case close
}

/// Feeds a machine the other side's frames of the session vector in order,
/// whenever it asks for one, and checks that it writes exactly its own side's
/// frames, byte for byte and in order. (How the two sides interleave is
/// left to the pipe tests: a sender MAY wait for its Acks before its Done,
/// SPEC §7.1 rule 5, and ours do, where the vector's hub does not.)
/// Returns how many frames it had read when it raised the frame limit, and
/// whether it closed.
func replay(_ vector: SessionVector, as side: Side, next: () throws -> ReplayAction, receive: (Message) throws -> Void,
            sourceLocation: SourceLocation = #_sourceLocation) throws -> (raisedAt: Int?, closed: Bool) {
    let expected = vector.frames(from: side), inputs = vector.frames(from: side == .device ? .hub : .device)
    var written = 0, read = 0
    var raisedAt: Int?
    for _ in 0 ..< 100 {
        switch try next() {
        case .sendBatch(let batch):
            try #require(written < expected.count, "the \(side) wrote \(batch.message.type) after all its frames", sourceLocation: sourceLocation)
            let bytes = try FrameEncoder().encode(batch.frame)
            #expect(Hex.encode(bytes) == Hex.encode(expected[written].bytes),
                    "step \(expected[written].step): the \(side) wrote \(batch.message.type)", sourceLocation: sourceLocation)
            #expect(try Message.decode(batch.frame) == batch.message, "the \(side)'s batch frame holds another message", sourceLocation: sourceLocation)
            written += 1
        case .send(let messages):
            for message in messages {
                try #require(written < expected.count, "the \(side) wrote \(message.type) after all its frames", sourceLocation: sourceLocation)
                let bytes = try FrameEncoder().encode(message)
                #expect(Hex.encode(bytes) == Hex.encode(expected[written].bytes),
                        "step \(expected[written].step): the \(side) wrote \(message.type)", sourceLocation: sourceLocation)
                written += 1
            }
        case .receive:
            try #require(read < inputs.count, "the \(side) waits after the peer's last frame", sourceLocation: sourceLocation)
            let input = try #require(inputs[read].message)
            try receive(input)
            read += 1
        case .raiseFrameLimit:
            #expect(raisedAt == nil, "the \(side) raised the frame limit twice", sourceLocation: sourceLocation)
            raisedAt = read
        case .close:
            #expect(written == expected.count, "the \(side) wrote \(written) of its \(expected.count) frames", sourceLocation: sourceLocation)
            #expect(read == inputs.count, "the \(side) read \(read) of the peer's \(inputs.count) frames", sourceLocation: sourceLocation)
            return (raisedAt, true)
        }
    }
    return (raisedAt, false)
}
