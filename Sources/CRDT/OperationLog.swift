/// The operations a replica holds, kept by origin. An origin's seqs run
/// 1, 2, 3, … with no gaps, so the operations held from 1 up to the first gap
/// sit in an array indexed by seq: finding one, adding the next and reading
/// the version vector need no hashing of operation ids. Operations that
/// arrive past a gap wait in a small table by seq until the gap fills.
public struct OperationLog: Sendable {
    private struct Origin: Sendable {
        let replica: ReplicaID
        /// Seqs `1...inOrder`, the origin's version vector entry, in chunks of
        /// `chunkSize`: growing copies at most the first chunk, never the log.
        var chunks: [[Operation]] = []
        var inOrder = 0
        /// Held seqs past the first gap (and seq 0, which no origin makes).
        var pastGap: [UInt64: Operation] = [:]

        init(replica: ReplicaID) { self.replica = replica }

        func operation(seq: UInt64) -> Operation? {
            if seq >= 1, seq <= UInt64(inOrder) {
                let index = Int(seq - 1)
                return chunks[index / OperationLog.chunkSize][index % OperationLog.chunkSize]
            }
            return pastGap.isEmpty ? nil : pastGap[seq]
        }

        mutating func append(_ operation: Operation) {
            if inOrder % OperationLog.chunkSize == 0, inOrder > 0 {
                chunks.append([])
                chunks[chunks.count - 1].reserveCapacity(OperationLog.chunkSize)
            } else if chunks.isEmpty {
                chunks.append([])
            }
            chunks[chunks.count - 1].append(operation)
            inOrder += 1
        }

        mutating func purge(record: RecordID) {
            for chunk in chunks.indices {
                for index in chunks[chunk].indices where chunks[chunk][index].record == record {
                    chunks[chunk][index] = chunks[chunk][index].purged
                }
            }
            for (seq, held) in pastGap where held.record == record { pastGap[seq] = held.purged }
        }
    }

    /// Operations per chunk of an origin's array.
    private static let chunkSize = 4096

    /// Where an operation goes: it is held already, it is its origin's next
    /// seq, or it lies past a gap.
    enum Place: Equatable {
        case held
        case next(origin: Int)
        case pastGap(origin: Int)
    }

    private var origins: [Origin] = []
    private var slots: [ReplicaID: Int] = [:]
    /// The origin found last: a merge brings runs of one origin's operations.
    private var lastSlot = 0
    /// How many operations are held.
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// The operation with this id, if held.
    public subscript(id: OperationID) -> Operation? {
        guard let slot = slots[id.origin] else { return nil }
        return origins[slot].operation(seq: id.seq)
    }

    /// Every operation held: origin by origin, each in seq order.
    public var values: [Operation] {
        var out: [Operation] = []
        out.reserveCapacity(count)
        for origin in origins {
            for chunk in origin.chunks { out.append(contentsOf: chunk) }
            for seq in origin.pastGap.keys.sorted() { if let operation = origin.pastGap[seq] { out.append(operation) } }
        }
        return out
    }

    /// The ids of every operation held, in the order of `values`.
    public var keys: [OperationID] { values.map(\.id) }

    /// For each origin, the seq up to which every operation is held.
    public var vector: VersionVector {
        var entries: [ReplicaID: UInt64] = [:]
        for origin in origins where origin.inOrder > 0 { entries[origin.replica] = UInt64(origin.inOrder) }
        return VersionVector(entries)
    }

    // MARK: Changing (for `ReplicaState`)

    /// The slot of `replica`'s operations, made if new.
    private mutating func slot(of replica: ReplicaID) -> Int {
        if lastSlot < origins.count, origins[lastSlot].replica == replica { return lastSlot }
        if let slot = slots[replica] {
            lastSlot = slot
            return slot
        }
        origins.append(Origin(replica: replica))
        slots[replica] = origins.count - 1
        lastSlot = origins.count - 1
        return lastSlot
    }

    /// The seq `replica`'s next operation takes: one past its vector entry.
    mutating func nextSeq(of replica: ReplicaID) -> UInt64 {
        UInt64(origins[slot(of: replica)].inOrder) + 1
    }

    /// Where an operation with this id goes (`insert(_:at:)`).
    mutating func place(of id: OperationID) -> Place {
        let slot = slot(of: id.origin)
        let held = UInt64(origins[slot].inOrder)
        if id.seq == held + 1 { return .next(origin: slot) }
        if id.seq >= 1, id.seq <= held { return .held }
        return origins[slot].pastGap[id.seq] == nil ? .pastGap(origin: slot) : .held
    }

    /// Adds an operation at the place `place(of:)` gave for its id, with no
    /// change in between; an operation past a gap joins the array once the
    /// gap before it fills.
    mutating func insert(_ operation: Operation, at place: Place) {
        switch place {
        case .held:
            return
        case .next(let slot):
            origins[slot].append(operation)
            while !origins[slot].pastGap.isEmpty,
                  let next = origins[slot].pastGap.removeValue(forKey: UInt64(origins[slot].inOrder) + 1) {
                origins[slot].append(next)
            }
        case .pastGap(let slot):
            origins[slot].pastGap[operation.id.seq] = operation
        }
        count += 1
    }

    /// Replaces every held operation on `record` by its purged form.
    mutating func purge(record: RecordID) {
        for slot in origins.indices { origins[slot].purge(record: record) }
    }
}
