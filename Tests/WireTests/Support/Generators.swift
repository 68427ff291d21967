import CRDT
import Synthetic
import Wire

/// Random operations and batches for round-trip properties, from a seeded
/// generator so a failure repeats.
struct OperationGenerator {
    var random: SplitMix64
    let replicas = [Fixtures.device, Fixtures.tablet, Fixtures.hub, ReplicaID(high: 1, low: 2)]
    let records = [Fixtures.note1, Fixtures.note2, Fixtures.note3, Fixtures.record("00000000000000000000000000000001")]
    let names = ["title", "body", "tags", "note", "", "Beobachtung", "café", "cafe\u{301}", "👩🏽‍⚕️", String(repeating: "x", count: 255)]

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0 ..< items.count, using: &random)] }

    mutating func value() -> Value {
        switch Int.random(in: 0 ..< 8, using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(Double(Int.random(in: -1000 ... 1000, using: &random)) / 8)
        case 3: return .number(pick([0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 1e-300]))
        case 4: return .text("")
        case 5: return .text(pick(names))
        default: return .text(String(repeating: pick(["a", "é", "漢", "🙂", "\n", "\u{0}"]), count: Int.random(in: 1 ... 300, using: &random)))
        }
    }

    mutating func ids(origin: ReplicaID, seq: UInt64) -> [OperationID] {
        (0 ..< Int.random(in: 0 ... 4, using: &random)).map { _ in
            let replica = pick(replicas)
            if replica == origin, seq > 1 { return OperationID(origin: origin, seq: UInt64.random(in: 1 ..< seq, using: &random)) }
            let other = replica == origin ? Fixtures.tablet : replica
            return OperationID(origin: other == origin ? Fixtures.hub : other, seq: UInt64.random(in: 1 ... WireLimits.maxSeq, using: &random))
        }
    }

    mutating func character() -> CharacterID? {
        Int.random(in: 0 ..< 4, using: &random) == 0 ? nil
            : CharacterID(replica: pick(replicas), counter: pick([1, 2, 127, 128, UInt64.random(in: 1 ... WireLimits.maxSeq, using: &random)]))
    }

    /// A run of 1 to 300 characters, purged one time in five.
    mutating func run() -> TextRun {
        let text = String(repeating: pick(["a", "é", "漢", "🙂", "\n", "\u{0}", "e\u{301}"]), count: Int.random(in: 1 ... 300, using: &random))
        let count = UInt64(text.unicodeScalars.count)
        let first = pick([1, 2, 128, UInt64.random(in: 1 ... WireLimits.maxSeq - count + 1, using: &random)])
        let purged = Int.random(in: 0 ..< 5, using: &random) == 0
        return TextRun(first: first, count: count, text: purged ? nil : text, left: character(), right: character())
    }

    mutating func ranges() -> [CharacterRange] {
        (0 ..< Int.random(in: 1 ... 5, using: &random)).map { _ in
            let first = pick([1, 300, UInt64.random(in: 1 ... WireLimits.maxSeq, using: &random)])
            return CharacterRange(replica: pick(replicas), first: first, count: UInt64.random(in: 1 ... min(70_000, WireLimits.maxSeq - first + 1), using: &random))
        }
    }

    mutating func batch() -> [Operation] {
        let origin = pick(replicas)
        let firstSeq = pick([1, 2, 127, 128, UInt64.random(in: 1 ... WireLimits.maxSeq / 2, using: &random)])
        var physical = UInt64.random(in: 0 ..< (1 << 48), using: &random)
        return (0 ..< Int.random(in: 1 ... 40, using: &random)).map { index in
            let seq = firstSeq + UInt64(index)
            let step = Int64.random(in: -100_000 ... 100_000, using: &random)
            physical = UInt64(min(max(Int64(physical) + step, 0), (1 << 48) - 1))
            let action: Action
            switch Int.random(in: 0 ..< 7, using: &random) {
            case 0: action = .create(type: pick(names))
            case 5: action = .insertText(field: pick(names), run: run())
            case 6: action = .deleteText(field: pick(names), ranges: ranges())
            case 1: action = .assign(field: pick(names), value: value(), replaces: ids(origin: origin, seq: seq))
            case 2: action = .add(set: pick(names), element: value())
            case 3: action = .remove(set: pick(names), element: value(), observed: ids(origin: origin, seq: seq))
            default: action = .erase(reason: pick(["", "consent withdrawn", "é"]))
            }
            return Operation(id: OperationID(origin: origin, seq: seq),
                             timestamp: Timestamp(physical: physical, logical: UInt16.random(in: 0 ... 3, using: &random) == 0 ? 7 : 0),
                             record: pick(records), action: action)
        }
    }
}
