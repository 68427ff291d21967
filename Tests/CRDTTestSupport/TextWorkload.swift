import CRDT
import Synthetic

/// Several replicas editing one text concurrently at random: insertions
/// (often typed character by character at one cursor, so runs form and
/// collide), deletions, and partial syncs that deliver a random part of
/// what a peer holds, in random order, with duplicates. Seeded, so a failing
/// seed replays exactly.
public struct TextWorkload {
    public private(set) var replicas: [TextSequence]
    /// Every operation made, in the order made: a causal order.
    public private(set) var made: [TextOperation] = []
    /// Anchors taken along the way, with the replica that took them.
    public private(set) var anchors: [(replica: Int, anchor: TextSequence.Anchor)] = []
    /// Per replica: the indices into `made` it has been given.
    private var known: [Set<Int>]
    /// Per replica: where it last typed, to continue there.
    private var cursors: [Int]
    public var random: SplitMix64

    /// Scalars typed: ASCII, and some that are not, so offsets count scalars.
    static let alphabet: [String] = ["a", "b", "c", "d", "e", " ", "é", "ß", "😀", "\n"]

    public init(seed: UInt64, replicaCount: Int) {
        random = SplitMix64(seed: seed)
        replicas = (0 ..< replicaCount).map { TextSequence(replica: ReplicaID(high: 0x7E57, low: UInt64($0 + 1) &* 0x9E37_79B9_7F4A_7C15)) }
        known = Array(repeating: [], count: replicaCount)
        cursors = Array(repeating: 0, count: replicaCount)
    }

    public mutating func run(steps: Int, syncPercent: Int = 25) {
        for _ in 0 ..< steps {
            let index = Int.random(in: 0 ..< replicas.count, using: &random)
            if random.chance(syncPercent) {
                var peer = Int.random(in: 0 ..< replicas.count - 1, using: &random)
                if peer >= index { peer += 1 }
                deliver(from: peer, to: index, fraction: Int.random(in: 20 ... 100, using: &random))
            } else {
                edit(index)
            }
        }
    }

    /// One local edit by replica `index`.
    public mutating func edit(_ index: Int) {
        let count = replicas[index].count
        if random.chance(5) {
            anchors.append((index, replicas[index].anchor(at: Int.random(in: 0 ... count, using: &random))))
        }
        if count == 0 || random.chance(65) {
            // Keep typing where this replica last typed, or move somewhere else.
            let offset = random.chance(60) ? min(cursors[index], count) : Int.random(in: 0 ... count, using: &random)
            let length = random.chance(75) ? 1 : Int.random(in: 2 ... 4, using: &random)
            let text = (0 ..< length).map { _ in Self.alphabet[Int.random(in: 0 ..< Self.alphabet.count, using: &random)] }.joined()
            if let operation = replicas[index].insert(text, at: offset) { record(operation, by: index) }
            cursors[index] = offset + length
        } else {
            let start = random.chance(50) ? max(0, min(cursors[index], count) - 1) : Int.random(in: 0 ..< count, using: &random)
            let end = min(count, start + Int.random(in: 1 ... 3, using: &random))
            if let operation = replicas[index].delete(start ..< end) { record(operation, by: index) }
            cursors[index] = start
        }
    }

    private mutating func record(_ operation: TextOperation, by index: Int) {
        known[index].insert(made.count)
        made.append(operation)
    }

    /// Gives replica `to` a random `fraction` percent of what `from` was given
    /// or made and `to` lacks, shuffled, with some sent twice.
    public mutating func deliver(from: Int, to: Int, fraction: Int) {
        var batch = known[from].subtracting(known[to]).filter { _ in random.chance(fraction) }.sorted()
        batch += batch.filter { _ in random.chance(20) }
        batch.shuffle(using: &random)
        for index in batch {
            replicas[to].apply(made[index])
            known[to].insert(index)
        }
    }

    /// Everyone gets everything: every operation in a random order, with duplicates.
    public mutating func syncAll() {
        for index in replicas.indices {
            for operation in deliveryOrder(made) { replicas[index].apply(operation) }
            known[index] = Set(made.indices)
        }
    }

    /// `operations` shuffled, a fifth of them twice.
    public mutating func deliveryOrder(_ operations: [TextOperation]) -> [TextOperation] {
        var out = operations + operations.filter { _ in random.chance(20) }
        out.shuffle(using: &random)
        return out
    }
}
