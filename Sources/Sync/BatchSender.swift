import CRDT
import Store
import Wire

/// Streams the operations a peer lacks from the store, one batch at a time:
/// never the whole log in memory. Runs of operations are split so that
/// every Ops frame fits the frame limit. An operation that cannot be sent
/// at all (a value over the limits, from an older version) ends its origin's
/// range there, since seqs must stay consecutive; it is kept in `unsendable`
/// so the caller can name it, and the other origins still go.
///
/// No I/O: `nextMessage()` hands out the next Ops message while fewer than
/// `WireLimits.window` batches are unacknowledged, and `acknowledge(_:)`
/// takes the peer's answer (SPEC §7.1 rules 3, 4 and 7).
struct BatchSender {
    let store: any SessionStore
    private(set) var ranges: [SeqRange]
    private var pending: [OperationBatch] = []
    /// Ids of the batches sent and not yet acknowledged, oldest first.
    private var inFlight: [UInt64] = []
    private(set) var batchesSent: UInt64 = 0
    /// Operations in the batches sent so far.
    private(set) var operationsSent = 0
    private(set) var unsendable: [(operation: Operation, reason: String)] = []

    /// Whether to hold the operations to the record schema before sending
    /// (a device does: a hub refuses a batch that breaks it, and a store
    /// from an older version may hold a value the schema's limits now refuse).
    let checksSchema: Bool
    /// The session's protocol version: from 4 on, a batch goes as
    /// CompressedOps when that frame is shorter.
    let version: UInt16

    init(store: any SessionStore, ranges: [SeqRange], version: UInt16, checksSchema: Bool = false) {
        self.store = store
        self.ranges = ranges
        self.version = version
        self.checksSchema = checksSchema
    }

    /// Whether a batch sent is still unacknowledged. When `nextMessage()`
    /// returns nil and this is false, every batch has gone and been acknowledged.
    var awaitingAck: Bool { !inFlight.isEmpty }

    /// The next batch to send now, as Ops or CompressedOps with its frame
    /// built; nil when the window is full or every batch has been sent.
    mutating func nextMessage() throws -> EncodedMessage? {
        guard inFlight.count < WireLimits.window, let batch = try nextBatch() else { return nil }
        inFlight.append(batch.id)
        operationsSent += batch.batch.operations.count
        return try Message.ops(batchID: batch.id, batch: batch.batch, version: version)
    }

    /// Takes the peer's message while batches are in flight: it must be the
    /// Ack of the oldest.
    mutating func acknowledge(_ message: Message) throws {
        switch message {
        case .ack(let batchID, _):
            guard let expected = inFlight.first else {
                throw SyncError("the peer acknowledged batch \(batchID), but no batch is unacknowledged", code: .protocolViolation)
            }
            guard batchID == expected else {
                throw SyncError("the peer acknowledged batch \(batchID), expected \(expected)", code: .protocolViolation)
            }
            inFlight.removeFirst()
        case let other:
            throw SyncError("the peer sent \(other.type) while receiving operations", code: .protocolViolation)
        }
    }

    private mutating func nextBatch() throws -> (id: UInt64, batch: OperationBatch)? {
        while pending.isEmpty, let range = ranges.first {
            var operations = try store.operations(range, limit: WireLimits.maxBatchOperations)
            guard let last = operations.last else {
                ranges.removeFirst()
                continue
            }
            var refused: (operation: Operation, reason: String)?
            if checksSchema {
                do {
                    try store.checkSchema(operations)
                } catch let violation as SchemaViolation {
                    if let index = operations.firstIndex(where: { $0.id == violation.operation }) {
                        refused = (operations[index], violation.description)
                        operations = Array(operations[..<index])
                    }
                }
            }
            let (batches, stop) = OperationBatch.splitBeforeUnsendable(operations)
            pending = batches
            if let stop {
                unsendable.append((stop.operation, stop.error.detail))
                ranges.removeFirst()
            } else if let refused {
                unsendable.append(refused)
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
}
