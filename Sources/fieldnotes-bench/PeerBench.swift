import CRDT
import Formats
import Foundation
import Store
import Wire

/// Our side of `tools/compare-peers`: the same workloads the script runs in
/// pycrdt and Loro. Two replicas each make 10,000 writes, one per
/// transaction, to keys of one map; a map is one of our records and key k
/// its field `kk` (the record's create is shared setup, as the peers' map
/// is); then each merges the other's changes.
struct PeerBench {
    let writes: Int
    let runs: Int
    let directory: String

    enum Shape: String, CaseIterable {
        case sameKeys = "same-keys"
        case hotKeys = "hot-keys"
        case disjointKeys = "disjoint-keys"

        /// The key replica `side` writes at step `index`.
        func key(side: Int, index: Int, writes: Int) -> Int {
            switch self {
            case .sameKeys: return index
            case .hotKeys: return index % 100
            case .disjointKeys: return side * writes + index
            }
        }
    }

    static let map = RecordID(high: 0x6d61_7000_0000_0000, low: 1)
    /// The setup both replicas hold before the workload: the map's create.
    static let setup = CRDT.Operation(id: OperationID(origin: ReplicaID(high: 0xff, low: 0), seq: 1), timestamp: Timestamp(physical: 1_700_000_000_000, logical: 0),
                                 record: map, action: .create(type: "map"))

    /// Makes one side's writes; each assign replaces what that replica sees.
    func write(_ shape: Shape, side: Int) -> (ReplicaState, [CRDT.Operation], Double) {
        var replica = ReplicaState(replica: ReplicaID(high: UInt64(side + 1), low: 0))
        replica.apply(PeerBench.setup)
        var operations: [CRDT.Operation] = []
        operations.reserveCapacity(writes)
        let ms = Clock.time {
            for index in 0..<writes {
                let key = shape.key(side: side, index: index, writes: writes)
                operations.append(replica.assign(PeerBench.map, "k\(key)", .number(Double(index)), wallMillis: 1_790_000_000_000 + UInt64(index)))
            }
        }
        return (replica, operations, ms)
    }

    /// Wire bytes of a log: the whole frames (header, batch id, batch) a
    /// protocol version 4 sync sends for it, each batch as Ops or, when
    /// shorter, CompressedOps (`Message.ops`).
    static func wireBytes(_ operations: [CRDT.Operation], version: UInt16 = WireProtocol.currentVersion) throws -> Int {
        try frames(operations, version: version).reduce(0) { $0 + (try $1.encoded().count) }
    }

    /// The frames of `wireBytes`.
    static func frames(_ operations: [CRDT.Operation], version: UInt16 = WireProtocol.currentVersion) throws -> [Frame] {
        try OperationBatch.split(operations).enumerated().map { index, batch in
            try Message.ops(batchID: UInt64(index + 1), batch: batch, version: version).frame
        }
    }

    func run() throws -> JSON {
        var results: [JSON] = []
        for shape in Shape.allCases {
            var writeTimes: [Double] = []
            var mergeA: [Double] = []
            var mergeB: [Double] = []
            var decodeA: [Double] = []
            var decodeB: [Double] = []
            var storeMergeA: [Double] = []
            var storeMergeB: [Double] = []
            var sentA = 0
            var sentB = 0
            var sentV3 = 0
            var merged = 0
            var storeBytes = 0
            for run in 0..<runs {
                // Each replica merges in place, as a peer's document imports an update:
                // no copy of the replica inside the timing.
                var (intoA, opsA, msA) = write(shape, side: 0)
                var (intoB, opsB, msB) = write(shape, side: 1)
                writeTimes.append((msA + msB) / 2)
                let startA = Clock.now()
                for operation in opsB { intoA.apply(operation) }
                mergeA.append(Clock.now() - startA)
                let startB = Clock.now()
                for operation in opsA { intoB.apply(operation) }
                mergeB.append(Clock.now() - startB)
                // The merges above start from decoded operations; the peers' start from
                // bytes. What decoding the other side's frames adds (as a version 4 sync
                // sends them: CompressedOps inflated where it was the shorter):
                let framesA = try PeerBench.frames(opsA)
                let framesB = try PeerBench.frames(opsB)
                decodeA.append(try Clock.time { for frame in framesB { _ = try Message.decode(frame) } })
                decodeB.append(try Clock.time { for frame in framesA { _ = try Message.decode(frame) } })
                guard intoA.record(PeerBench.map) == intoB.record(PeerBench.map) else { throw BenchFailure("peer workload did not converge") }
                sentA = try PeerBench.wireBytes(opsA)
                sentB = try PeerBench.wireBytes(opsB)
                sentV3 = try PeerBench.wireBytes(opsA, version: 3) + PeerBench.wireBytes(opsB, version: 3)
                merged = try PeerBench.wireBytes(opsA) + PeerBench.wireBytes(opsB)

                // The store: each side's log in SQLite, then the other's applied in batches of 1000.
                let pathA = directory + "/peer-\(shape.rawValue)-\(run)-a.sqlite"
                let pathB = directory + "/peer-\(shape.rawValue)-\(run)-b.sqlite"
                let storeA = try Store.create(at: pathA, name: "a")
                let storeB = try Store.create(at: pathB, name: "b")
                try storeA.apply([PeerBench.setup])
                try storeB.apply([PeerBench.setup])
                for chunk in stride(from: 0, to: opsA.count, by: 1000) { try storeA.apply(Array(opsA[chunk..<min(chunk + 1000, opsA.count)])) }
                for chunk in stride(from: 0, to: opsB.count, by: 1000) { try storeB.apply(Array(opsB[chunk..<min(chunk + 1000, opsB.count)])) }
                storeMergeA.append(try Clock.time {
                    for chunk in stride(from: 0, to: opsB.count, by: 1000) { try storeA.apply(Array(opsB[chunk..<min(chunk + 1000, opsB.count)])) }
                })
                storeMergeB.append(try Clock.time {
                    for chunk in stride(from: 0, to: opsA.count, by: 1000) { try storeB.apply(Array(opsA[chunk..<min(chunk + 1000, opsA.count)])) }
                })
                guard let mapA = try storeA.record(PeerBench.map), mapA == intoA.record(PeerBench.map), mapA == (try storeB.record(PeerBench.map)) else {
                    throw BenchFailure("stores did not converge with each other and the in-memory core")
                }
                storeBytes = [pathA, pathA + "-wal"].reduce(0) { total, path in
                    total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
                }
            }
            results.append(.object([
                ("shape", .string(shape.rawValue)),
                ("write_ms", .number(Clock.median(writeTimes))),
                ("merge_a_ms", .number(Clock.median(mergeA))),
                ("merge_b_ms", .number(Clock.median(mergeB))),
                ("decode_a_ms", .number(Clock.median(decodeA))),
                ("decode_b_ms", .number(Clock.median(decodeB))),
                ("store_merge_a_ms", .number(Clock.median(storeMergeA))),
                ("store_merge_b_ms", .number(Clock.median(storeMergeB))),
                ("sent_a_bytes", .number(Double(sentA))),
                ("sent_b_bytes", .number(Double(sentB))),
                ("sent_v3_bytes", .number(Double(sentV3))),
                ("merged_state_bytes", .number(Double(merged))),
                ("store_file_bytes", .number(Double(storeBytes))),
            ]))
        }
        return .object([("writes", .number(Double(writes))), ("runs", .number(Double(runs))),
                        ("peak_rss_mib", .number(peakMemoryMiB())), ("results", .array(results))])
    }
}
