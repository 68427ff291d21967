import Analysis
import CRDT
import Store
import Testing

@Suite struct CooccurrenceTests {
    /// transport > bus-routes; isolation; money (codes nothing).
    /// Notes: [bus-routes, isolation], [transport, isolation], [transport], [isolation], [].
    @Test func pairsCountNotesCodedWithBothDirectlyOrWithSubThemes() throws {
        try withAnalysisStore { store, _ throws in
            let transport = try store.theme("transport")
            let routes = try store.theme("bus-routes", parent: transport)
            let isolation = try store.theme("isolation")
            _ = try store.theme("money")
            try store.note("a", tags: ["bus-routes", "isolation"])
            try store.note("b", tags: ["transport", "isolation"])
            try store.note("c", tags: ["transport"])
            try store.note("d", tags: ["isolation"])
            try store.note("e")
            let deleted = try store.note("deleted", tags: ["transport", "isolation"])
            try store.commit([.assign(deleted, field: "deleted", value: .bool(true))])

            let direct = try Cooccurrence.load(store, counting: .direct)
            #expect(direct.notes == 5)
            #expect(direct.themes.map(\.id) == [isolation, transport, routes], "codebook order; money codes nothing")
            #expect(direct.themes.map(\.depth) == [0, 0, 1])
            #expect(direct.counts == [
                [3, 1, 1],
                [1, 2, 0],
                [1, 0, 1],
            ])
            #expect(direct.pairs.map { [$0.a, $0.b] } == [[isolation, transport], [isolation, routes]])
            #expect(direct.pairs.map(\.notes) == [1, 1])

            let nested = try Cooccurrence.load(store, counting: .withSubThemes)
            #expect(nested.counts == [
                [3, 2, 1],
                [2, 3, 1],
                [1, 1, 1],
            ])
            #expect(nested.pairs.map(\.notes) == [2, 1, 1], "most notes first")
            #expect(nested.pairs.first.map { [$0.a, $0.b] } == [isolation, transport])
        }
    }

    @Test func passagesCountAsCodingsAndNoteThemesSayHow() throws {
        try withAnalysisStore { store, _ throws in
            let transport = try store.theme("transport")
            let routes = try store.theme("bus-routes", parent: transport)
            let isolation = try store.theme("isolation", aliases: ["alone"])
            let note = try store.note("n", body: "The 9 bus stopped and she is alone.", tags: ["Alone"])
            try store.code(note, "9 bus", routes, by: "alice")
            try store.code(note, "alone", isolation, by: "alice")
            let tagged = try store.note("t", tags: ["transport", "bus-routes"])
            let notes = try store.list(RecordFilter(type: Note.type))
            let codings = try Codings.load(store, notes: notes)
            #expect(Cooccurrence(codings: codings, notes: notes.map(\.id), counting: .direct).counts == [
                [1, 0, 1],  // isolation
                [0, 1, 1],  // transport
                [1, 1, 2],  // bus-routes
            ])
            let rows = NoteThemes.rows(codings, notes: notes).map { [$0.note, $0.theme] }
            let hows = NoteThemes.rows(codings, notes: notes).map(\.how)
            let expected: [([RecordID], NoteThemes.How)] = [
                ([note, isolation], .tag), ([note, transport], .inherited), ([note, routes], .passage),
                ([tagged, transport], .tag), ([tagged, routes], .tag),
            ]
            let order = notes.map(\.id)
            let sorted = expected.sorted { (order.firstIndex(of: $0.0[0]) ?? 0) < (order.firstIndex(of: $1.0[0]) ?? 0) }
            #expect(rows == sorted.map(\.0))
            #expect(hows == sorted.map(\.1))
        }
    }
}
