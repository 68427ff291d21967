import CRDT

/// Consecutive operations of one origin: the unit the sync protocol sends,
/// commits and acknowledges.
///
/// On the wire the origin is written once, seqs are implicit (`firstSeq`,
/// `firstSeq + 1`, …), clocks are deltas from the previous operation, and
/// names, record ids and replica ids are interned in tables local to the
/// batch. The layout is in `Protocol/OPERATIONS.md`.
public struct OperationBatch: Hashable, Sendable {
    /// The replica that made every operation in the batch.
    public let origin: ReplicaID
    /// The seq of the first operation; the rest follow with no gap.
    public let firstSeq: UInt64
    /// At least one and at most `WireLimits.maxBatchOperations` operations.
    public let operations: [Operation]

    /// Checks that `operations` is non-empty, within the batch limit, of one
    /// origin and with consecutive seqs starting at 1 or more.
    public init(_ operations: [Operation]) throws(WireError) {
        guard let first = operations.first else { throw WireError(.invalidField, "Ops: a batch needs at least one operation") }
        guard operations.count <= WireLimits.maxBatchOperations else {
            throw WireError(.limitExceeded, "Ops: \(operations.count) operations, limit \(WireLimits.maxBatchOperations)")
        }
        guard first.id.seq >= 1 else { throw WireError(.invalidField, "Ops: seq 0 does not exist") }
        for (index, operation) in operations.enumerated() {
            guard operation.id.origin == first.id.origin else {
                throw WireError(.invalidField, "Ops: operation \(index) is from \(operation.id.origin), batch origin \(first.id.origin)")
            }
            let (expected, overflow) = first.id.seq.addingReportingOverflow(UInt64(index))
            guard !overflow, operation.id.seq == expected else {
                throw WireError(.invalidField, "Ops: operation \(index) has seq \(operation.id.seq), expected \(first.id.seq) + \(index)")
            }
        }
        guard first.id.seq <= WireLimits.maxSeq - UInt64(operations.count - 1) else {
            throw WireError(.limitExceeded, "Ops: seqs from \(first.id.seq) pass 2^63 - 1")
        }
        self.origin = first.id.origin
        self.firstSeq = first.id.seq
        self.operations = operations
    }

    /// The seq of the last operation.
    public var lastSeq: UInt64 { firstSeq + UInt64(operations.count - 1) }

    /// The operations as a seq range.
    public var range: SeqRange { SeqRange(origin: origin, first: firstSeq, last: lastSeq) }

    /// The batch's bytes as they appear in an Ops payload after the batch id.
    public func encode() throws(WireError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(into: &out)
        return out
    }

    /// Decodes exactly one batch from `bytes` (no trailing bytes).
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> OperationBatch {
        var reader = ByteReader(bytes, context: "Ops")
        let batch = try decode(&reader)
        try reader.finish()
        return batch
    }

    /// Cuts consecutive operations of one origin into batches that respect
    /// `maxOperations` and whose Ops frame (with any batch id) fits
    /// `maxFrameLength`, in order. Every operation must fit alone.
    public static func split(_ operations: [Operation], maxOperations: Int = WireLimits.maxBatchOperations,
                             maxFrameLength: Int = WireLimits.maxFrameLength) throws(WireError) -> [OperationBatch] {
        let (batches, stop) = splitBeforeUnsendable(operations, maxOperations: maxOperations, maxFrameLength: maxFrameLength)
        if let stop { throw stop.error }
        return batches
    }

    /// Like `split`, but stops at the first operation that cannot be sent at
    /// all (a value over the limits, which an older version let in, or one
    /// that alone overflows a frame): returns the batches before it, that
    /// operation and why. Seqs must stay consecutive, so nothing after it can
    /// be sent either.
    public static func splitBeforeUnsendable(_ operations: [Operation], maxOperations: Int = WireLimits.maxBatchOperations,
                                             maxFrameLength: Int = WireLimits.maxFrameLength)
        -> (batches: [OperationBatch], unsendable: (operation: Operation, error: WireError)?) {
        let perBatch = min(max(maxOperations, 1), WireLimits.maxBatchOperations)
        var batches: [OperationBatch] = []
        var start = 0
        while start < operations.count {
            let first = operations[start]
            var encoder = OperationEncoder(origin: first.id.origin, firstSeq: first.id.seq)
            var body: [UInt8] = []
            var end = start
            var stop: (operation: Operation, error: WireError)?
            while end < operations.count, end - start < perBatch {
                let count = end - start + 1
                do {
                    try encoder.append(operations[end], to: &body)
                } catch {
                    stop = (operations[end], error)
                    break
                }
                // type + longest batch id + origin + first seq + count + body
                let frameLength = 1 + 10 + 16 + varintLength(first.id.seq) + varintLength(UInt64(count)) + body.count
                if frameLength > maxFrameLength {
                    if count == 1 {
                        stop = (operations[end], WireError(.limitExceeded, "Ops: operation \(operations[end].id) alone needs a \(frameLength)-byte frame, limit \(maxFrameLength)"))
                    }
                    break
                }
                end += 1
            }
            if end > start {
                do {
                    batches.append(try OperationBatch(Array(operations[start ..< end])))
                } catch {
                    return (batches, (operations[start], error))
                }
            }
            if let stop { return (batches, stop) }
            start = end
        }
        return (batches, nil)
    }

    func encode(into out: inout [UInt8]) throws(WireError) {
        out.append(contentsOf: origin.bytes)
        out.appendVarint(firstSeq)
        out.appendVarint(UInt64(operations.count))
        var encoder = OperationEncoder(origin: origin, firstSeq: firstSeq)
        for operation in operations { try encoder.append(operation, to: &out) }
    }

    static func decode(_ reader: inout ByteReader) throws(WireError) -> OperationBatch {
        let origin = try reader.readReplicaID("origin")
        let firstSeq = try reader.readVarint("first seq", in: 1 ... UInt64.max)
        let count = try reader.readCount("operation count", limit: WireLimits.maxBatchOperations,
                                         minimumSize: OperationDecoder.minimumOperationSize)
        guard count >= 1 else { throw reader.error(.invalidField, "a batch needs at least one operation") }
        guard firstSeq <= WireLimits.maxSeq - UInt64(count - 1) else {
            throw reader.error(.limitExceeded, "seqs from \(firstSeq) for \(count) operations pass 2^63 - 1")
        }
        var decoder = OperationDecoder(origin: origin)
        var operations: [Operation] = []
        operations.reserveCapacity(count)
        for index in 0 ..< count {
            operations.append(try decoder.decode(&reader, seq: firstSeq + UInt64(index)))
        }
        return try OperationBatch(operations)
    }
}
