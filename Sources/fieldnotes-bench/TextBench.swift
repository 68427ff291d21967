import CRDT
import Foundation

/// `--only text --trace PATH`: replays a public editing trace (the
/// automerge-paper trace of josephg/editing-traces: `txns[].patches` of
/// `[position, deleteCount, insertText]`, `endContent` the final text) into
/// the in-memory text CRDT, checks the result byte for byte, and prints the
/// median replay time, the memory of the replayed document, and the size of
/// its operations, one per edit and coalesced into runs, in a compact binary
/// encoding (a stand-in for measuring; the wire encoding is `Wire`'s).
struct TextBench {
    let tracePath: String
    let runs: Int
    let report: Report

    struct Trace {
        var positions: [Int] = []
        var deleteCounts: [Int] = []
        var texts: [String] = []
        var endContent = ""
    }

    /// Reads the gzipped JSON through `gzip -dc` (Foundation on Linux has no gzip).
    static func load(_ path: String) throws -> Trace {
        let (_, status, output) = try runProcess("/usr/bin/env", ["gzip", "-dc", path])
        guard status == 0 else { throw BenchFailure("gzip -dc \(path) failed with status \(status)") }
        guard let root = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let txns = root["txns"] as? [[String: Any]], let end = root["endContent"] as? String else {
            throw BenchFailure("\(path) is not an editing trace: no txns or endContent")
        }
        var trace = Trace()
        trace.endContent = end
        for txn in txns {
            guard let patches = txn["patches"] as? [[Any]] else { throw BenchFailure("a txn without patches") }
            for patch in patches {
                guard patch.count == 3, let position = patch[0] as? Int, let deleteCount = patch[1] as? Int,
                      let text = patch[2] as? String else { throw BenchFailure("a patch that is not [position, deleteCount, text]") }
                trace.positions.append(position)
                trace.deleteCounts.append(deleteCount)
                trace.texts.append(text)
            }
        }
        return trace
    }

    /// One replay as an editor would drive it: every edit applied locally and
    /// its operation kept (to be written to the log).
    static func replay(_ trace: Trace, into text: inout TextSequence, operations: inout [TextOperation]) {
        for index in trace.positions.indices {
            let position = trace.positions[index], deleteCount = trace.deleteCounts[index]
            if deleteCount > 0, let operation = text.delete(position ..< position + deleteCount) { operations.append(operation) }
            if let operation = text.insert(trace.texts[index], at: position) { operations.append(operation) }
        }
    }

    func run() throws {
        print("text: \(tracePath)")
        let loadStart = Clock.now()
        let trace = try Self.load(tracePath)
        print("  (trace read and parsed in \(Int(Clock.now() - loadStart)) ms: \(trace.positions.count) edits)")
        let replica = ReplicaID(high: 0x7E47, low: 1)

        var times: [Double] = []
        var kept: (text: TextSequence, operations: [TextOperation])?
        for _ in 0 ..< runs {
            kept = nil
            var operations: [TextOperation] = []
            operations.reserveCapacity(trace.positions.count)
            var text = TextSequence(replica: replica)
            times.append(Clock.time { Self.replay(trace, into: &text, operations: &operations) })
            kept = (text, operations)
        }
        guard let (text, operations) = kept else { return }
        guard Array(text.text.utf8) == Array(trace.endContent.utf8) else {
            throw BenchFailure("the replay does not give endContent (\(text.count) scalars, expected \(trace.endContent.unicodeScalars.count))")
        }
        report.add("text", "trace replay, \(trace.positions.count) edits (median)", Clock.median(times), "ms",
                   goal: "goal < 100 ms (automerge-paper); Loro 88, diamond-types 16 native, published")
        report.add("text", "  result equals endContent", 1, "bool", goal: "\(trace.endContent.utf8.count) bytes")
        report.add("text", "  document in memory (runs, id index, characters)", Double(text.byteCount) / 1024, "KiB",
                   goal: "\(text.runCount) runs, \(text.count) visible characters")

        let coalesced = TextOperation.coalesced(operations)
        let perEdit = OperationSizer.encodedSize(operations)
        let runsSize = OperationSizer.encodedSize(coalesced)
        report.add("text", "  operations encoded, one per edit", Double(perEdit) / 1024, "KiB", goal: "\(operations.count) operations")
        report.add("text", "  operations encoded, coalesced into runs", Double(runsSize) / 1024, "KiB", goal: "\(coalesced.count) operations")

        // The same history merged into a fresh replica: the remote path.
        var mergeTimes: [Double] = []
        var mergedRuns: [Double] = []
        for _ in 0 ..< runs {
            var fresh = TextSequence(replica: ReplicaID(high: 0x7E47, low: 2))
            mergeTimes.append(Clock.time { for operation in operations { fresh.apply(operation) } })
            var freshRuns = TextSequence(replica: ReplicaID(high: 0x7E47, low: 3))
            mergedRuns.append(Clock.time { for operation in coalesced { freshRuns.apply(operation) } })
            guard fresh.text == trace.endContent, freshRuns.text == trace.endContent else {
                throw BenchFailure("merging the trace's operations into a fresh replica does not give endContent")
            }
        }
        report.add("text", "  merge into a fresh replica, one operation per edit", Clock.median(mergeTimes), "ms")
        report.add("text", "  merge into a fresh replica, coalesced runs", Clock.median(mergedRuns), "ms")
    }

}

/// A compact binary encoding of text operations, for measuring only:
/// LEB128 varints; replica ids as 16 bytes the first time and a table index
/// after; counters as varints; texts as length and UTF-8.
enum OperationSizer {
    static func encodedSize(_ operations: [TextOperation]) -> Int {
        var table: [ReplicaID: Int] = [:]
        var bytes = 0
        func varint(_ value: UInt64) {
            var value = value
            repeat {
                bytes += 1
                value >>= 7
            } while value != 0
        }
        func replica(_ id: ReplicaID) {
            if let index = table[id] {
                varint(UInt64(index + 1))
            } else {
                table[id] = table.count
                varint(0)
                bytes += 16
            }
        }
        // An origin: its replica, then its counter as a zigzag difference
        // from the run's first counter (typing makes it small).
        func character(_ id: CharacterID?, near first: UInt64) {
            guard let id else {
                bytes += 1 // a reserved reference: none
                return
            }
            replica(id.replica)
            let difference = Int64(bitPattern: id.counter &- first)
            varint(UInt64(bitPattern: (difference << 1) ^ (difference >> 63)))
        }
        for operation in operations {
            bytes += 1 // kind
            switch operation {
            case .insert(let run):
                replica(run.replica)
                varint(run.first)
                character(run.left, near: run.first)
                character(run.right, near: run.first)
                varint(UInt64(run.text.utf8.count))
                bytes += run.text.utf8.count
            case .delete(let ranges):
                varint(UInt64(ranges.count))
                for range in ranges {
                    replica(range.replica)
                    varint(range.first)
                    varint(range.count)
                }
            }
        }
        return bytes
    }
}
