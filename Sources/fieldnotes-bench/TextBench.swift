import CRDT
import Foundation
import Store
import Wire

/// `--only text --trace PATH`: replays a public editing trace (the
/// automerge-paper trace of josephg/editing-traces: `txns[].patches` of
/// `[position, deleteCount, insertText]`, `endContent` the final text) into
/// the in-memory text CRDT, checks the result byte for byte, and prints the
/// median replay time, the memory of the replayed document, the size of its
/// history as Ops batches on the wire (one operation per edit, and typing
/// coalesced into runs), and the time to apply that history to a store and
/// to read the body back.
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
        let perEditOperations = Self.noteOperations(operations, origin: replica)
        let runOperations = Self.noteOperations(coalesced, origin: replica)
        // The frames a protocol version 4 sync sends (CompressedOps where shorter), and version 3's uncompressed Ops.
        let perEdit = try PeerBench.wireBytes(perEditOperations)
        let runsSize = try PeerBench.wireBytes(runOperations)
        report.add("text", "  history on the wire (Ops batches), one operation per edit", Double(perEdit) / 1024, "KiB",
                   goal: "\(perEditOperations.count) operations; protocol version 4, compressed")
        report.add("text", "  history on the wire (Ops batches), typing coalesced into runs", Double(runsSize) / 1024, "KiB",
                   goal: "\(runOperations.count) operations; protocol version 4, compressed; goal <= 1.5 x Loro's exported updates")
        report.add("text", "  the same as version 3's uncompressed Ops, one operation per edit",
                   Double(try PeerBench.wireBytes(perEditOperations, version: 3)) / 1024, "KiB")
        report.add("text", "  the same as version 3's uncompressed Ops, typing coalesced into runs",
                   Double(try PeerBench.wireBytes(runOperations, version: 3)) / 1024, "KiB")
        try storeFigures(runOperations, endContent: trace.endContent, shape: "typing coalesced into runs")
        try storeFigures(perEditOperations, endContent: trace.endContent, shape: "one operation per edit")

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

extension TextBench {
    static let note = RecordID(high: 0x7E47_0000_0000_0000, low: 1)

    /// A note whose body is the trace: its create and title, then one
    /// operation per text operation, one millisecond apart, as a device's
    /// log would hold them.
    static func noteOperations(_ text: [TextOperation], origin: ReplicaID) -> [CRDT.Operation] {
        var clock: UInt64 = 1_700_000_000_000
        var seq: UInt64 = 0
        func next(_ action: Action) -> CRDT.Operation {
            seq += 1
            clock += 1
            return CRDT.Operation(id: OperationID(origin: origin, seq: seq), timestamp: Timestamp(physical: clock, logical: 0), record: note, action: action)
        }
        return [next(.create(type: "note")), next(.assign(field: "title", value: .text("automerge-paper"), replaces: []))]
            + text.map { next(Action("body", $0)) }
    }

    /// The history applied to a fresh store as a hub or a device applies
    /// what it receives (batches of at most 1,024 operations, one
    /// transaction each), then the body read back.
    func storeFigures(_ operations: [CRDT.Operation], endContent: String, shape: String) throws {
        let directory = NSTemporaryDirectory() + "fieldnotes-text-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var applyTimes: [Double] = []
        var readTimes: [Double] = []
        for run in 0 ..< max(1, runs / 3) {
            let store = try Store.create(at: "\(directory)/\(run).fieldnotes", name: "bench")
            applyTimes.append(try Clock.time {
                var start = 0
                while start < operations.count {
                    let end = min(operations.count, start + 1024)
                    try store.apply(Array(operations[start ..< end]))
                    start = end
                }
            })
            // Read as `show` does: a fresh connection, the record's fields from the store.
            let reader = try Store.open(at: "\(directory)/\(run).fieldnotes")
            var body: String?
            for _ in 0 ..< 5 { readTimes.append(try Clock.time { body = try reader.record(Self.note)?.value("body")?.text }) }
            guard body.map({ Array($0.utf8) }) == Array(endContent.utf8) else {
                throw BenchFailure("the store's body after applying the trace's operations is not endContent")
            }
        }
        report.add("text", "  history into a store as remote ops, \(shape == "one operation per edit" ? "per edit" : "runs") (median)", Clock.median(applyTimes), "ms",
                   goal: "goal < 5,000 ms; \(operations.count) operations in batches of 1,024")
        report.add("text", "  final body read back from the store (median)", Clock.median(readTimes), "ms", goal: "goal < 5 ms")
    }
}
