import CRDT
import Dispatch
import Store
import Synchronization
import Testing

/// Two processes may open one store file; every write takes the write lock
/// up front (`BEGIN IMMEDIATE`) and waits for the other.
@Suite struct StoreConcurrencyTests {
    /// Results shared by the writer threads.
    final class Outcome: Sendable {
        let errors = Mutex<[String]>([])
        let made = Mutex<[Operation]>([])
    }

    @Test func twoStoreObjectsOnOneFileCommittingAtOnceBothSucceed() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/shared.fieldnotes"
            let initial = try Store.create(at: path, name: "shared").allOperations().count
            let notesPerWriter = 200
            let outcome = Outcome()
            let group = DispatchGroup()
            for writer in 0..<2 {
                // Separate queues, so two threads; each opens its own connection, as a second process would.
                DispatchQueue(label: "writer \(writer)").async(group: group) {
                    do {
                        let store = try Store.open(at: path)
                        for index in 0..<notesPerWriter {
                            let id = try Store.newRecordID()
                            let made = try store.commit([
                                .create(id, type: "note"),
                                .assign(id, field: "title", value: .text("writer \(writer) note \(index)")),
                                .add(id, set: "tags", element: .text("writer\(writer)")),
                            ])
                            outcome.made.withLock { $0 += made }
                        }
                    } catch {
                        outcome.errors.withLock { $0.append("writer \(writer): \(error)") }
                    }
                }
            }
            group.wait()
            #expect(outcome.errors.withLock { $0 } == [])

            let store = try Store.open(at: path)
            let made = outcome.made.withLock { $0 }
            #expect(made.count == 2 * notesPerWriter * 3)
            #expect(Set(made.map(\.id)).count == made.count, "two writers were given the same operation id")
            #expect(try store.status().counts["note"]?.live == 2 * notesPerWriter)
            for writer in 0..<2 {
                var filter = RecordFilter(type: "note")
                filter.elements = ["tags": .text("writer\(writer)")]
                #expect(try store.list(filter).count == notesPerWriter)
            }
            // One replica, one gap-free log, with clocks in seq order.
            let log = try store.allOperations().sorted { $0.id.seq < $1.id.seq }
            #expect(log.count == initial + made.count)
            #expect(try store.versionVector()[store.replica] == UInt64(log.count))
            #expect(log.map(\.id.seq) == Array(1...UInt64(log.count)))
            #expect(zip(log, log.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp }, "timestamps must rise with seq")
            var model = ReplicaState(replica: ReplicaID(high: 0, low: 0))
            for operation in log { model.apply(operation) }
            #expect(try store.digest() == expectedDigest(model))
        }
    }
}
