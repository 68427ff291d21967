import CRDT
import Synthetic
import CRDTTestSupport
import Store
import Testing

/// The store materialises the same rules as `ReplicaState`: fed the same
/// operations, in any batching and order, it shows the same records.
@Suite struct StoreModelAgreementTests {
    static let cases: [(seed: UInt64, replicas: Int)] = [(0x570_0001, 3), (0x570_0002, 5)]

    /// The model holding `operations`.
    static func model(_ operations: [Operation]) -> ReplicaState {
        operations.reduce(into: ReplicaState(replica: ReplicaID(high: 0, low: 0))) { $0.apply($1) }
    }

    /// Conflicted records that `list` does not find by their shown (winning)
    /// value, or does find by a losing text value.
    static func listedByValuesTheyDoNotShow(_ store: Store, _ conflicted: [VisibleRecord]) throws -> [RecordID] {
        var wrong: [RecordID] = []
        for record in conflicted {
            for field in record.conflicts where !field.heads[0].value.isNull {
                let shown = field.heads[0].value
                var filter = RecordFilter(type: record.type)
                filter.includeDeleted = true
                filter.fields = [field.name: shown]
                if try !store.list(filter).contains(where: { $0.id == record.id }) { wrong.append(record.id) }
                // Text only: SQL's `=` treats true and 1 as equal.
                guard shown.text != nil,
                      let loser = field.heads.dropFirst().first(where: { $0.value.text != nil && $0.value != shown }) else { continue }
                filter.fields = [field.name: loser.value]
                if try store.list(filter).contains(where: { $0.id == record.id }) { wrong.append(record.id) }
            }
        }
        return wrong
    }

    @Test(arguments: cases)
    func storesAgreeWithTheModelWhateverTheBatchingAndOrder(seed: UInt64, replicaCount: Int) throws {
        var workload = RandomWorkload(seed: seed, replicaCount: replicaCount)
        workload.run(steps: 1_500)

        try withTemporaryDirectory { directory throws in
            let stores = try (0..<3).map { round in
                try Store.create(at: "\(directory)/round\(round).fieldnotes", name: "round \(round)", wallClock: { RandomWorkload.baseMillis })
            }
            // Whatever a new store writes about itself is delivered to every store along with the workload.
            let own = try stores.flatMap { try $0.allOperations() }
            let model = Self.model(workload.made + own)
            let expected = expectedDigest(model)
            let visible = model.visibleRecords
            #expect(visible.contains { !$0.conflicts.isEmpty } && visible.contains { $0.erased }, "seed \(seed): the workload is too tame")
            let ties = visible.flatMap(\.conflicts).filter { $0.heads[0].timestamp == $0.heads[1].timestamp }.count
            #expect(ties > 0, "seed \(seed): no conflict between equal timestamps, so the origin tie-break goes untested")

            for (round, store) in stores.enumerated() {
                let order = workload.deliveryOrder(workload.everyVersion + own)
                var start = 0
                var applied = 0
                while start < order.count {
                    let end = min(order.count, start + Int.random(in: 1...300, using: &workload.rng))
                    applied += try store.apply(Array(order[start..<end]))
                    start = end
                }
                let context = "seed \(seed), round \(round)"
                #expect(applied + Int(try store.versionVector()[store.replica]) == model.operations.count, "\(context): duplicates counted as new")
                #expect(try store.digest() == expected, "\(context): the store's digest differs from the model's")
                #expect(try store.versionVector() == model.vector, "\(context)")

                var mismatched: [RecordID] = []
                for record in visible where try store.record(record.id) != record { mismatched.append(record.id) }
                #expect(mismatched.isEmpty, "\(context): records \(mismatched.prefix(3)) differ from the model")

                // The log holds what the model holds, purged payloads included.
                let logged = try store.allOperations()
                #expect(logged.count == model.operations.count, "\(context)")
                let differing = logged.filter { model.operations[$0.id] != $0 }.map(\.id)
                #expect(differing.isEmpty, "\(context): logged operations \(differing.prefix(3)) differ from the model's")

                let conflicted = visible.filter { !$0.erased && !$0.conflicts.isEmpty }
                #expect(try store.conflicted().map(\.id) == conflicted.map(\.id), "\(context)")
                #expect(try store.status().conflicts == conflicted.reduce(0) { $0 + $1.conflicts.count }, "\(context)")
                #expect(try store.status().operations == model.operations.count, "\(context)")

                let wrongWinners = try Self.listedByValuesTheyDoNotShow(store, conflicted)
                #expect(wrongWinners.isEmpty, "\(context): records \(wrongWinners.prefix(3)) are listed by a value they do not show")

                let notes = try store.list(RecordFilter(type: "note"))
                #expect(notes.map(\.id) == visible.filter { $0.type == "note" && !$0.erased && !$0.isDeleted }.map(\.id), "\(context)")
                // Whole records, as the bulk reader builds them: every head (conflicts too) and element.
                #expect(notes == visible.filter { $0.type == "note" && !$0.erased && !$0.isDeleted }, "\(context): listed notes differ from the model's")
                var themes = RecordFilter(type: "theme")
                themes.includeDeleted = true
                #expect(try store.list(themes) == visible.filter { $0.type == "theme" }, "\(context)")
            }
            #expect(Set(try stores.map { try $0.digest() }).count == 1, "seed \(seed): stores fed the same operations disagree")
        }
    }

    @Test(arguments: cases)
    func storesConvergeByExchangingWhatTheirVectorsSayTheOtherLacks(seed: UInt64, replicaCount: Int) throws {
        var workload = RandomWorkload(seed: seed, replicaCount: replicaCount)
        workload.run(steps: 1_200)
        // Each store starts with a different prefix of every origin's
        // operations; between them they hold everything.
        let byOrigin = Dictionary(grouping: workload.made, by: \.id.origin).mapValues { $0.sorted { $0.id.seq < $1.id.seq } }
        var first: [Operation] = [], second: [Operation] = []
        for origin in byOrigin.keys.sorted() {
            let operations = byOrigin[origin]!
            let cut = Int.random(in: 0...operations.count, using: &workload.rng)
            if workload.rng.chance(50) {
                first += operations
                second += operations[..<cut]
            } else {
                first += operations[..<cut]
                second += operations
            }
        }

        try withTemporaryDirectory { directory throws in
            let a = try Store.create(at: directory + "/a.fieldnotes", name: "a")
            let b = try Store.create(at: directory + "/b.fieldnotes", name: "b")
            let model = try Self.model(workload.made + a.allOperations() + b.allOperations())
            for (store, operations) in [(a, first), (b, second)] {
                let order = operations.shuffled(using: &workload.rng)
                for start in stride(from: 0, to: order.count, by: 97) {
                    try store.apply(Array(order[start..<min(order.count, start + 97)]))
                }
            }
            #expect(try a.digest() != b.digest(), "seed \(seed): the stores start equal; the exchange would prove nothing")

            // An interrupted sync first, then a full one resuming from the vectors.
            let early = try a.send(to: b, batchSize: 25, maxBatches: 3)
            #expect(early > 0)
            try a.send(to: b, batchSize: 25)
            try b.send(to: a, batchSize: 40)
            #expect(try a.send(to: b) == 0, "seed \(seed): nothing is left to send")
            #expect(try b.send(to: a) == 0)

            #expect(try a.versionVector() == model.vector, "seed \(seed)")
            #expect(try b.versionVector() == model.vector, "seed \(seed)")
            #expect(try a.digest() == expectedDigest(model), "seed \(seed)")
            #expect(try b.digest() == expectedDigest(model), "seed \(seed)")
        }
    }

    /// Local commits on three stores with skewed clocks, synced now and then;
    /// the model rebuilt from a store's log must show what the stores show.
    @Test(arguments: [UInt64(0xC0_4417), 0xC0_4418])
    func committedChangesAgreeWithTheModelRebuiltFromTheLog(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let base = RandomWorkload.baseMillis
        // The third store's clock runs ten minutes behind.
        let clocks = [ManualClock(base), ManualClock(base), ManualClock(base - 600_000)]
        try withTemporaryDirectory { directory throws in
            let stores = try clocks.enumerated().map { index, clock in
                try Store.create(at: "\(directory)/s\(index).fieldnotes", name: "s\(index)", wallClock: clock.read)
            }
            var known: [RecordID] = []
            let elements: [Value] = [.text("a"), .text("b"), .bool(true), .number(2)]
            for _ in 0..<600 {
                let s = Int.random(in: 0..<stores.count, using: &rng)
                clocks[s].advance(UInt64.random(in: 0...2, using: &rng))
                let store = stores[s]
                let visible = try known.filter { try store.record($0) != nil }
                var changes: [Change] = []
                if visible.isEmpty || rng.chance(10) {
                    let id = RecordID(bytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })!
                    known.append(id)
                    changes = [.create(id, type: "note"), .assign(id, field: "title", value: .text("t\(known.count)"))]
                } else {
                    let id = visible.randomElement(using: &rng)!
                    for _ in 0..<Int.random(in: 1...3, using: &rng) {
                        switch Int.random(in: 0..<100, using: &rng) {
                        case ..<1: changes.append(.erase(id, reason: "test"))
                        case ..<45: changes.append(.assign(id, field: ["title", "body", "place"].randomElement(using: &rng)!,
                                                           value: rng.chance(10) ? .null : .text("v\(Int.random(in: 0..<40, using: &rng))")))
                        case ..<55: changes.append(.assign(id, field: "deleted", value: .bool(rng.chance(50))))
                        // "labels": a set the record schema leaves open, so elements of every kind can be committed.
                        case ..<80: changes.append(.add(id, set: "labels", element: elements.randomElement(using: &rng)!))
                        default: changes.append(.remove(id, set: "labels", element: elements.randomElement(using: &rng)!))
                        }
                    }
                }
                let made = try store.commit(changes)
                #expect(made.count == changes.count)
                #expect(made.allSatisfy { $0.id.origin == store.replica }, "seed \(seed)")
                if rng.chance(8) {
                    let other = (s + Int.random(in: 1..<stores.count, using: &rng)) % stores.count
                    try store.send(to: stores[other], batchSize: Int.random(in: 1...50, using: &rng))
                }
            }
            for source in stores { for sink in stores where sink !== source { try source.send(to: sink) } }

            let log = try stores[0].allOperations()
            var model = ReplicaState(replica: ReplicaID(high: 0, low: 0))
            for operation in log { model.apply(operation) }
            let digests = try stores.map { try $0.digest() }
            #expect(Set(digests).count == 1, "seed \(seed): stores disagree after a full exchange")
            #expect(digests[0] == expectedDigest(model), "seed \(seed): the stores differ from the model rebuilt from their log")
            #expect(model.visibleRecords.contains { !$0.conflicts.isEmpty }, "seed \(seed): no conflicts arose")
            for store in stores {
                let vector = try store.versionVector()
                #expect(vector == model.vector, "seed \(seed)")
                #expect(try store.status().localOperations == Int(vector[store.replica]))
            }
        }
    }
}
