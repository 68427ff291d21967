import CRDT
import Store
import Testing

@Suite struct StoreConflictTests {
    static let base: UInt64 = 1_700_000_000_000

    @Test func concurrentWritesKeptAsConflictInBothStoresAndResolvedByALaterCommit() throws {
        try withTemporaryDirectory { directory throws in
            let clockA = ManualClock(Self.base), clockB = ManualClock(Self.base)
            let a = try Store.create(at: directory + "/a.fieldnotes", name: "a", wallClock: clockA.read)
            let b = try Store.create(at: directory + "/b.fieldnotes", name: "b", wallClock: clockB.read)
            let note = try Store.newRecordID()
            try a.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("harbour survey"))])
            try a.send(to: b)

            // Offline, both retitle the note in the same millisecond.
            clockA.advance(10)
            clockB.advance(10)
            let fromA = try a.commit([.assign(note, field: "title", value: .text("quayside survey"))])[0]
            let fromB = try b.commit([.assign(note, field: "title", value: .text("breakwater survey"))])[0]
            #expect(fromA.timestamp == fromB.timestamp, "the test needs a true tie")
            let (winner, loser) = fromA.id.origin > fromB.id.origin ? (fromA, fromB) : (fromB, fromA)
            guard case .assign(_, let winningValue, _) = winner.action else { Issue.record("not an assign"); return }

            try a.send(to: b)
            try b.send(to: a)
            for store in [a, b] {
                let record = try #require(try store.record(note))
                #expect(record.heads("title").map(\.id) == [winner.id, loser.id], "\(store.path)")
                #expect(record.value("title") == winningValue)
                #expect(try store.conflicted().map(\.id) == [note])
                #expect(try store.status().conflicts == 1)
                var filter = RecordFilter(type: "note")
                filter.fields = ["title": winningValue]
                #expect(try store.list(filter).map(\.id) == [note], "list filters on the shown value")
                #expect(try store.search("survey").map(\.record.id) == [note])
            }
            #expect(try a.digest() == b.digest())

            // A later write on B saw both heads and replaces them.
            clockB.advance(5)
            let resolution = try b.commit([.assign(note, field: "title", value: .text("agreed survey"))])[0]
            guard case .assign(_, _, let replaces) = resolution.action else { Issue.record("not an assign"); return }
            #expect(Set(replaces) == [fromA.id, fromB.id])
            try b.send(to: a)
            for store in [a, b] {
                let record = try #require(try store.record(note))
                #expect(record.heads("title").map(\.id) == [resolution.id])
                #expect(record.value("title") == .text("agreed survey"))
                #expect(try store.conflicted().isEmpty)
                #expect(try store.status().conflicts == 0)
                #expect(try store.search("agreed").map(\.record.id) == [note])
            }
            #expect(try a.digest() == b.digest())
        }
    }

    @Test func concurrentDeleteAndEditKeepTheEditButHideTheNoteUntilRestored() throws {
        try withTemporaryDirectory { directory throws in
            let clockA = ManualClock(Self.base), clockB = ManualClock(Self.base)
            let a = try Store.create(at: directory + "/a.fieldnotes", name: "a", wallClock: clockA.read)
            let b = try Store.create(at: directory + "/b.fieldnotes", name: "b", wallClock: clockB.read)
            let note = try Store.newRecordID()
            try a.commit([.create(note, type: "note"), .assign(note, field: "body", value: .text("tide tables"))])
            try a.send(to: b)
            clockA.advance(10)
            clockB.advance(20)
            try a.commit([.assign(note, field: "body", value: .text("tide tables, revised"))])
            try b.commit([.assign(note, field: "deleted", value: .bool(true))])
            try a.send(to: b)
            try b.send(to: a)
            for store in [a, b] {
                // Deleting is a write to another field: the edit is kept, the note is hidden.
                let record = try #require(try store.record(note))
                #expect(record.isDeleted)
                #expect(record.value("body") == .text("tide tables, revised"))
                #expect(try store.list(RecordFilter(type: "note")).isEmpty)
                #expect(try store.search("revised").isEmpty)
                #expect(try store.search("revised", includeDeleted: true).map(\.record.id) == [note])
            }
            clockA.advance(100)
            try a.commit([.assign(note, field: "deleted", value: .bool(false))])
            try a.send(to: b)
            #expect(try b.list(RecordFilter(type: "note")).map(\.id) == [note], "restored everywhere")
            #expect(try a.digest() == b.digest())
        }
    }
}
