import CRDT
import SQLite
import Store
import Testing

/// A catch-up applies a peer's many operations without the value indexes
/// and builds them at the end (`Store+CatchUp.swift`).
@Suite struct StoreCatchUpTests {
    /// The SQL of the value indexes as a store holds them.
    static func valueIndexSQL(_ path: String) throws -> [String: String] {
        let database = try Database(path: path, mode: .readOnly)
        var found: [String: String] = [:]
        for row in try database.query("SELECT name, sql FROM sqlite_master WHERE name IN ('heads_shown', 'members_element')", [], { ($0.text(0), $0.text(1)) }) {
            found[row.0] = row.1
        }
        return found
    }

    /// Notes in two areas with tags, committed in one store.
    static func writeNotes(_ store: Store, count: Int) throws -> [(id: RecordID, area: String, tags: [String])] {
        var made: [(id: RecordID, area: String, tags: [String])] = []
        var changes: [Change] = []
        for index in 0 ..< count {
            let id = try Store.newRecordID()
            let area = index % 3 == 0 ? "Heneage" : "Park"
            let tags = index % 2 == 0 ? ["bus", "money"] : ["caring"]
            changes += [.create(id, type: "note"), .assign(id, field: "title", value: .text("note \(index)")),
                        .assign(id, field: "area", value: .text(area))]
                + tags.map { .add(id, set: Note.tagSet, element: .text($0)) }
            made.append((id, area, tags))
        }
        try store.commit(changes)
        return made
    }

    /// What the value-indexed queries answer: notes of one area with one tag, and a set's elements.
    static func answers(_ store: Store) throws -> [[RecordID]] {
        var filter = RecordFilter(type: "note")
        filter.conditions = [.fieldIn("area", [.text("Heneage")]), .element(Note.tagSet, .text("bus"))]
        var caring = RecordFilter(type: "note")
        caring.conditions = [.element(Note.tagSet, .text("caring"))]
        return [try store.list(filter).map(\.id), try store.list(caring).map(\.id)]
    }

    @Test func aCatchUpIsManyOperationsAndNoFewerThanTheStoreHolds() {
        #expect(!Store.isCatchUp(coming: 4_999, held: 0))
        #expect(Store.isCatchUp(coming: 5_000, held: 0))
        #expect(Store.isCatchUp(coming: 20_000, held: 20_000))
        #expect(!Store.isCatchUp(coming: 20_000, held: 20_001))
        #expect(!Store.isCatchUp(coming: 1_000, held: 100_000))
    }

    /// Applied without the indexes, a peer's operations answer every query
    /// the same; finished, the indexes are back exactly as the schema makes
    /// them, and queries by value read them again.
    @Test func theIndexesComeBackAsTheSchemaMakesThemAndAnswersNeverChange() throws {
        try withTemporaryDirectory { directory throws in
            let source = try Store.create(at: directory + "/source.fieldnotes", name: "source")
            _ = try Self.writeNotes(source, count: 300)
            let reference = try Store.create(at: directory + "/reference.fieldnotes", name: "reference")
            try source.send(to: reference, batchSize: 100)
            let schemaSQL = try Self.valueIndexSQL(reference.path)
            #expect(schemaSQL.count == 2)

            let target = try Store.create(at: directory + "/target.fieldnotes", name: "target")
            try target.deferValueIndexes()
            #expect(try target.indexesDeferred)
            #expect(try Self.valueIndexSQL(target.path).isEmpty)
            // Half the operations arrive; queries already answer as the reference would for them.
            try source.send(to: target, batchSize: 100, maxBatches: 6)
            let half = try Store.create(at: directory + "/half.fieldnotes", name: "half")
            try source.send(to: half, batchSize: 100, maxBatches: 6)
            #expect(try Self.answers(target) == (try Self.answers(half)))
            try source.send(to: target, batchSize: 100)
            #expect(try Self.answers(target) == (try Self.answers(reference)))
            #expect(try Self.answers(reference)[0].count == 50)

            #expect(try target.finishCatchUp())
            #expect(try !target.indexesDeferred)
            #expect(try Self.valueIndexSQL(target.path) == schemaSQL)
            #expect(try Self.answers(target) == (try Self.answers(reference)))
            let notes = RecordFilter(type: "note")
            #expect(try target.list(notes).map(\.id) == (try reference.list(notes).map(\.id)))
            #expect(try target.list(notes).count == 300)
            let plan = try Database(path: target.path, mode: .readOnly).prepare("""
                EXPLAIN QUERY PLAN SELECT record FROM heads WHERE field = ? AND wins = 1 AND value = ? AND field NOT IN ('title', 'body', 'occurred_at')
                """).query([.text("area"), .text("Heneage")]) { $0.text(3) }
            #expect(plan.contains { $0.contains("heads_shown") }, "\(plan)")
            // Nothing left to do: a second finish changes nothing.
            #expect(try !target.finishCatchUp())
        }
    }

    /// A catch-up cut off (the process killed) leaves the note that the
    /// indexes are to be built, in the same commit that dropped them.
    @Test func aCatchUpCutOffIsFinishedByTheNextOpening() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/cut.fieldnotes"
            do {
                let store = try Store.create(at: path, name: "cut")
                _ = try Self.writeNotes(store, count: 20)
                try store.deferValueIndexes()
            }
            let reopened = try Store.open(at: path)
            #expect(try reopened.indexesDeferred)
            #expect(try Self.answers(reopened)[0].count == 4)
            #expect(try reopened.finishCatchUp())
            #expect(try Self.valueIndexSQL(path).count == 2)
            #expect(try Self.answers(reopened)[0].count == 4)
        }
    }
}
