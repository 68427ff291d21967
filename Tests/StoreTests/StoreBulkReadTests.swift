import CRDT
import Store
import Synthetic
import Testing

/// `list` reads its records in bulk: by ranges of records when they are many
/// and dense, by their rids otherwise. Either way each record must be exactly
/// what a lookup of that one record shows.
@Suite struct StoreBulkReadTests {
    @Test func listedRecordsEqualThoseReadOneByOneOnEveryPath() throws {
        try withTemporaryDirectory { directory throws in
            let store = try Store.create(at: directory + "/bulk.fieldnotes", name: "bulk")
            var generator = FieldNotesGenerator(seed: 0xB01C)
            let base: Int64 = 1_790_000_000
            var ids: [RecordID] = []
            for _ in 0..<3 {
                var changes: [Change] = []
                for _ in 0..<400 {
                    let id = try Store.newRecordID()
                    ids.append(id)
                    changes += try Note.changes(generator.next(baseSeconds: base), for: id, creating: true, nowSeconds: base)
                }
                try store.commit(changes)
            }
            // A deleted note, and an erased one, among them.
            try store.commit([.assign(ids[5], field: "deleted", value: .bool(true)), .erase(ids[7], reason: "test")])

            // Dense (all 1,200 notes): by ranges.
            let all = try store.list(RecordFilter(type: Note.type))
            #expect(all.count == 1_198)
            for record in all { #expect(try store.record(record.id) == record, "\(record.id.short)") }

            // Sparse (one tag's notes): by rids, in the query's order (by occurred_at).
            let tag = try #require(all.flatMap { $0.elements(Note.tagSet) }.first)
            var filter = RecordFilter(type: Note.type)
            filter.rangeField = "occurred_at"
            filter.elements[Note.tagSet] = tag
            filter.includeDeleted = true
            let tagged = try store.list(filter)
            #expect(!tagged.isEmpty && tagged.count < 512)
            #expect(tagged.map { $0.value("occurred_at")?.text ?? "" } == tagged.map { $0.value("occurred_at")?.text ?? "" }.sorted())
            for record in tagged { #expect(try store.record(record.id) == record, "\(record.id.short)") }

            // In pieces, each path gives the same records in the same order, no piece over the size asked for.
            var limited = filter
            limited.limit = 7
            for (wanted, listed) in [(RecordFilter(type: Note.type), all), (filter, tagged), (limited, Array(tagged.prefix(7)))] {
                for size in [1, 5, 128, 5_000] {
                    var pieces: [[VisibleRecord]] = []
                    try store.list(wanted, piece: size) { pieces.append($0) }
                    #expect(pieces.flatMap { $0 } == listed, "pieces of \(size)")
                    #expect(pieces.allSatisfy { !$0.isEmpty && $0.count <= size })
                    #expect(pieces.dropLast().allSatisfy { $0.count == size }, "only the last piece is short")
                }
            }
            // When the caller stops (throws), no more pieces come: read by ranges, or by rids.
            struct Enough: Error {}
            for (wanted, size) in [(RecordFilter(type: Note.type), 100), (filter, 2)] {
                var handed = 0
                #expect(throws: Enough.self) {
                    try store.list(wanted, piece: size) { _ in
                        handed += 1
                        if handed == 2 { throw Enough() }
                    }
                }
                #expect(handed == 2)
            }
            // And the store goes on reading and writing after that.
            try store.commit([.assign(ids[9], field: "title", value: .text("Still here"))])
            #expect(try store.list(filter).count == tagged.count)
            let deletedWithTag = try store.record(ids[5])?.elements(Note.tagSet).contains(tag) ?? false
            #expect(Set(tagged.map(\.id)) == Set(all.filter { $0.elements(Note.tagSet).contains(tag) }.map(\.id) + (deletedWithTag ? [ids[5]] : [])))
        }
    }

    /// Past eight ranges of 2,048 records, `list` reads the second half of the
    /// ranges on another thread through a connection of its own: every record
    /// must still be there, once, exactly as read alone, in the query's order.
    @Test func manyRangesReadOnTwoConnectionsGiveEveryRecordOnceInOrder() throws {
        try withTemporaryDirectory { directory throws in
            let store = try Store.create(at: directory + "/ranges.fieldnotes", name: "ranges")
            var generator = FieldNotesGenerator(seed: 0x2A7E)
            let base: Int64 = 1_790_000_000
            var ids: [RecordID] = []
            for _ in 0..<17 {
                var changes: [Change] = []
                for _ in 0..<1_000 {
                    let id = try Store.newRecordID()
                    ids.append(id)
                    changes += try Note.changes(generator.next(baseSeconds: base), for: id, creating: true, nowSeconds: base)
                }
                try store.commit(changes)
            }
            let all = try store.list(RecordFilter(type: Note.type))
            #expect(all.count == ids.count)
            #expect(all.map(\.id) == ids.sorted { $0.hex < $1.hex })
            for record in all { #expect(try store.record(record.id) == record, "\(record.id.short)") }

            var byTime = RecordFilter(type: Note.type)
            byTime.rangeField = "occurred_at"
            let ordered = try store.list(byTime)
            #expect(Set(ordered.map(\.id)) == Set(ids) && ordered.count == ids.count)
            let keys = ordered.map { ($0.value("occurred_at")?.text ?? "", $0.id.hex) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 })
            let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
            #expect(ordered.allSatisfy { byID[$0.id] == $0 })
        }
    }
}
