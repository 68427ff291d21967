import CRDT
import CRDTTestSupport
import SQLite
import Store
import Testing

/// A batch is one transaction: all of it or none of it; applying it again
/// changes nothing.
@Suite struct StoreBatchTests {
    static let writerID = ReplicaID(high: 0xAB, low: 1)

    /// What the store must show once it holds `operations` and its own.
    static func expected(_ store: Store, _ operations: [Operation]) throws -> String {
        var model = ReplicaState(replica: ReplicaID(high: 0, low: 0))
        for operation in try store.allOperations() + operations { model.apply(operation) }
        return expectedDigest(model)
    }

    @Test func batchWhoseLastOperationFailsLeavesNoTrace() throws {
        try withTemporaryStore { store, _ throws in
            var writer = ReplicaState(replica: Self.writerID)
            let note = recordID(1), other = recordID(2)
            let base = [
                writer.makeLocal(note, .create(type: "note"), wallMillis: 1_000),
                writer.assign(note, "title", .text("first title"), wallMillis: 1_001),
            ]
            #expect(try store.apply(base) == 2)
            let digest = try store.digest()
            let vector = try store.versionVector()
            let logged = try store.allOperations()

            // SQLite failing part-way through a batch (a full disk, an I/O
            // error) is stood in for by a trigger, installed through a second
            // connection, that aborts the statement writing one poisoned value.
            let saboteur = try Database(path: store.path)
            try saboteur.execute("""
                CREATE TRIGGER poison BEFORE INSERT ON heads WHEN NEW.value = 'poison'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
            let batch = [
                writer.assign(note, "title", .text("second title"), wallMillis: 1_002),
                writer.makeLocal(note, .add(set: "tags", element: .text("coast")), wallMillis: 1_003),
                writer.makeLocal(other, .create(type: "note"), wallMillis: 1_004),
                writer.makeLocal(note, .erase(reason: "withdrawn"), wallMillis: 1_005),
                writer.assign(other, "body", .text("poison"), wallMillis: 1_006),
            ]
            #expect(throws: StoreError.self) { try store.apply(batch) }

            #expect(try store.digest() == digest)
            #expect(try store.versionVector() == vector)
            #expect(try store.allOperations() == logged)
            #expect(try store.record(other) == nil)
            let shown = try #require(try store.record(note))
            #expect(!shown.erased && shown.value("title") == .text("first title"), "the erase in the failed batch was rolled back")
            #expect(try store.search("first").map(\.record.id) == [note])
            #expect(try store.search("second").isEmpty)

            // The same failure through commit: nothing written, and the next
            // local seq is not skipped.
            let localBefore = try store.versionVector()[store.replica]
            #expect(throws: StoreError.self) {
                try store.commit([.create(recordID(3), type: "note"), .assign(recordID(3), field: "body", value: .text("poison"))])
            }
            #expect(try store.versionVector()[store.replica] == localBefore)
            #expect(try store.record(recordID(3)) == nil)

            // The store still works, and once the fault is gone the whole batch goes in.
            try saboteur.execute("DROP TRIGGER poison")
            #expect(try store.apply(batch) == batch.count)
            let committed = try store.commit([.create(recordID(3), type: "note")])
            #expect(committed.map(\.id.seq) == [localBefore + 1])
            #expect(try store.digest() == Self.expected(store, []))
        }
    }

    @Test func reapplyingOperationsChangesNothingAndCountsNothingNew() throws {
        var workload = RandomWorkload(seed: 0x1DE4_90E7, replicaCount: 3)
        workload.run(steps: 400)
        try withTemporaryStore { store, _ throws in
            #expect(try store.apply(workload.made) == workload.made.count)
            let digest = try store.digest()
            let vector = try store.versionVector()
            #expect(try store.apply(workload.made) == 0)
            #expect(try store.apply(workload.deliveryOrder(workload.everyVersion)) == 0)
            #expect(try store.apply([]) == 0)
            #expect(try store.digest() == digest)
            #expect(try store.versionVector() == vector)
            #expect(digest == (try Self.expected(store, [])))
        }
    }

    @Test func operationsPastAGapAreHeldButNotCountedUntilItFills() throws {
        var writer = ReplicaState(replica: Self.writerID)
        let note = recordID(1)
        let ops = [
            writer.makeLocal(note, .create(type: "note"), wallMillis: 1),
            writer.assign(note, "title", .text("one"), wallMillis: 2),
            writer.assign(note, "title", .text("two"), wallMillis: 3),
            writer.assign(note, "title", .text("three"), wallMillis: 4),
        ]
        try withTemporaryStore { store, _ throws in
            #expect(try store.apply([ops[2]]) == 1)
            #expect(try store.versionVector()[Self.writerID] == 0, "seq 3 past a gap must not count")
            #expect(try store.apply([ops[0], ops[3]]) == 2)
            #expect(try store.versionVector()[Self.writerID] == 1)
            // A peer resends from the vector; what is already held past the gap is skipped.
            #expect(try store.apply(Array(ops[1...])) == 1)
            #expect(try store.versionVector()[Self.writerID] == 4, "filling the gap walks over everything held past it")
            #expect(try store.record(note)?.value("title") == .text("three"))
            #expect(try store.record(note)?.heads("title").count == 1)
            #expect(try store.digest() == Self.expected(store, []))
        }
    }
}
