import CRDT
import Synthetic

/// A seeded random history on several in-memory replicas: creates, field
/// writes (including `.null` unsets and delete/restore through the `deleted`
/// field), set adds and removes, and rare erases, with replicas now and then
/// handing each other a random subset of what they hold, so that many writes
/// are truly concurrent and many arrive out of causal order.
///
/// Shared by CRDTTests and StoreTests through this support target.
public struct RandomWorkload {
    public let seed: UInt64
    public var rng: SplitMix64
    public var replicas: [ReplicaState]
    /// Real time in milliseconds, advancing slowly so that writes on
    /// different replicas often share a millisecond (and so tie).
    public var now = RandomWorkload.baseMillis
    /// How far each replica's wall clock is behind real time: replica 0 by
    /// ten minutes; any of them now and then steps back a few seconds for a while.
    public var lag: [UInt64]
    /// Every record some replica created.
    public var records: [RecordID] = []
    /// Every operation made, as its author made it.
    public var made: [Operation] = []

    public static let types = ["note", "theme"]
    public static let fields = ["title", "body", "place", "score", "deleted"]
    public static let sets = ["tags", "people"]
    /// Few elements, so adds and removes collide; `.bool(true)`, `.number(1)`
    /// and `.text("1")` must stay three different elements.
    public static let elements: [Value] = [.text("a"), .text("b"), .text("1"), .number(1), .bool(true), .null]
    public static let baseMillis: UInt64 = 1_700_000_000_000

    public init(seed: UInt64, replicaCount: Int) {
        self.seed = seed
        rng = SplitMix64(seed: seed)
        var replicas: [ReplicaState] = []
        for index in 0..<replicaCount {
            // Half the ids share their high word, so ties also break on the low word.
            let high = index % 2 == 0 ? 0x0102_0304_0506_0708 : rng.next()
            replicas.append(ReplicaState(replica: ReplicaID(high: high, low: rng.next())))
        }
        self.replicas = replicas
        lag = (0..<replicaCount).map { RandomWorkload.usualLag($0) }
    }

    /// Runs `steps` local operations, syncing a random pair about every
    /// `syncEvery` steps.
    public mutating func run(steps: Int, syncEvery: Int = 20) {
        for _ in 0..<steps {
            if rng.chance(3) { tiedPair() } else { step() }
            if Int.random(in: 0..<syncEvery, using: &rng) == 0 { syncRandomPair() }
        }
    }

    public static func usualLag(_ replica: Int) -> UInt64 { replica == 0 ? 600_000 : 0 }

    /// Replica `r`'s wall clock now.
    public func wall(_ r: Int) -> UInt64 { now - lag[r] }

    public mutating func step() {
        let r = Int.random(in: 0..<replicas.count, using: &rng)
        if rng.chance(50) { now += 1 }
        if rng.chance(2) {
            lag[r] += UInt64.random(in: 0...5_000, using: &rng)
        } else if rng.chance(5) {
            lag[r] = RandomWorkload.usualLag(r)
        }
        let wall = wall(r)
        guard !records.isEmpty, !rng.chance(6), let record = knownRecord(on: r) else {
            create(on: r, wall: wall)
            return
        }
        let roll = Int.random(in: 0..<1000, using: &rng)
        let operation: Operation
        switch roll {
        case ..<4:
            operation = replicas[r].makeLocal(record, .erase(reason: "requested"), wallMillis: wall)
        case ..<420:
            // A text edit of the body: insert a word at a random place or delete a random span.
            let scalars = Array(replicas[r].textField(record, "body").text.unicodeScalars)
            var edited = scalars
            if scalars.isEmpty || rng.chance(65) {
                let at = Int.random(in: 0...scalars.count, using: &rng)
                edited.insert(contentsOf: "w\(Int.random(in: 0..<50, using: &rng)) ".unicodeScalars, at: at)
            } else {
                let from = Int.random(in: 0..<scalars.count, using: &rng)
                edited.removeSubrange(from ..< min(scalars.count, from + Int.random(in: 1...6, using: &rng)))
            }
            let operations = replicas[r].editText(record, "body", to: String(String.UnicodeScalarView(edited)), wallMillis: wall)
            made.append(contentsOf: operations)
            return
        case ..<500:
            let field = RandomWorkload.fields.randomElement(using: &rng)!
            let value: Value = field == "deleted" ? .bool(rng.chance(50)) : randomValue()
            operation = replicas[r].assign(record, field, value, wallMillis: wall)
        case ..<780:
            let set = RandomWorkload.sets.randomElement(using: &rng)!
            operation = replicas[r].makeLocal(record, .add(set: set, element: RandomWorkload.elements.randomElement(using: &rng)!), wallMillis: wall)
        default:
            let set = RandomWorkload.sets.randomElement(using: &rng)!
            let present = replicas[r].record(record)?.elements(set) ?? []
            let element = !present.isEmpty && rng.chance(80) ? present.randomElement(using: &rng)! : RandomWorkload.elements.randomElement(using: &rng)!
            operation = replicas[r].remove(record, set, element, wallMillis: wall)
        }
        made.append(operation)
    }

    /// Two replicas whose clocks agree write one field of one record in the
    /// same fresh millisecond, unaware of each other: equal timestamps, so
    /// only the origin can break the tie.
    public mutating func tiedPair() {
        let punctual = replicas.indices.filter { lag[$0] == 0 }.shuffled(using: &rng)
        guard punctual.count >= 2, !records.isEmpty else { return step() }
        let (a, b) = (punctual[0], punctual[1])
        for _ in 0..<4 {
            let record = records.randomElement(using: &rng)!
            guard replicas[a].record(record) != nil, replicas[b].record(record) != nil else { continue }
            // Past every timestamp issued so far, so both ticks read the wall clock.
            now += 5
            let field = RandomWorkload.fields.randomElement(using: &rng)!
            made.append(replicas[a].assign(record, field, randomValue(), wallMillis: wall(a)))
            made.append(replicas[b].assign(record, field, randomValue(), wallMillis: wall(b)))
            return
        }
    }

    private mutating func create(on r: Int, wall: UInt64) {
        let id = RecordID(bytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })!
        records.append(id)
        made.append(replicas[r].makeLocal(id, .create(type: RandomWorkload.types.randomElement(using: &rng)!), wallMillis: wall))
    }

    /// A record whose create replica `r` holds, as a person could only edit
    /// a record they can see; nil after a few misses. Half the time one of
    /// the newest records, so that edits crowd onto the same few.
    private mutating func knownRecord(on r: Int) -> RecordID? {
        for _ in 0..<4 {
            let id = rng.chance(50) ? records.suffix(6).randomElement(using: &rng)! : records.randomElement(using: &rng)!
            if replicas[r].record(id) != nil { return id }
        }
        return nil
    }

    private mutating func randomValue() -> Value {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return .null
        case 1: return .bool(rng.chance(50))
        case 2: return .number([0, -0.0, 1, 2.5, -1e300, 4_503_599_627_370_497].randomElement(using: &rng)!)
        case 3: return .text("")
        default: return .text("v\(Int.random(in: 0..<50, using: &rng))")
        }
    }

    /// One replica hands another a random half of what the other lacks, in
    /// random order: not a causally complete prefix, so gaps and overwrites
    /// arriving before what they overwrite are common.
    public mutating func syncRandomPair() {
        let from = Int.random(in: 0..<replicas.count, using: &rng)
        var to = Int.random(in: 0..<replicas.count - 1, using: &rng)
        if to >= from { to += 1 }
        let lacking = replicas[from].operations.values.filter { replicas[to].operations[$0.id] == nil }
            .sorted { $0.id < $1.id }
            .filter { _ in rng.chance(50) }
            .shuffled(using: &rng)
        for operation in lacking { replicas[to].apply(operation, wallMillis: wall(to)) }
    }

    /// Every operation made, plus the purged copies replicas hold of erased
    /// records' operations: a sync may deliver either version of one id.
    public var everyVersion: [Operation] {
        let original = Dictionary(uniqueKeysWithValues: made.map { ($0.id, $0) })
        var versions = made
        for replica in replicas {
            // Sorted: dictionary order changes from run to run, and the seed must reproduce.
            versions += replica.operations.values.filter { original[$0.id] != $0 }.sorted { $0.id < $1.id }
        }
        return versions
    }

    /// `operations` shuffled, with about a fifth of them delivered again at random places.
    public mutating func deliveryOrder(_ operations: [Operation]) -> [Operation] {
        var order = operations
        for _ in 0..<(operations.count / 5) { order.append(operations.randomElement(using: &rng)!) }
        return order.shuffled(using: &rng)
    }
}
