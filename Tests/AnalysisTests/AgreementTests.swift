import Analysis
import CRDT
import Store
import Testing

@Suite struct AgreementTests {
    @Test(arguments: [
        // both, A only, B only, neither → percent agreement, kappa (by hand: pe = pA·pB + (1−pA)(1−pB))
        (4, 2, 1, 3, 70.0, 0.4 as Double?),  // po .7, pA .6, pB .5, pe .5
        (5, 0, 0, 5, 100, 1),                // perfect agreement with both answers present
        (0, 5, 5, 0, 0, -1),                 // perfect disagreement, pA = pB = .5
        (3, 0, 0, 0, 100, nil),              // both always yes: pe = 1, kappa undefined
        (0, 0, 0, 7, 100, nil),              // both always no
        (0, 4, 0, 0, 0, 0),                  // A always yes, B always no: pe = 0, po = 0
        (20, 5, 10, 15, 70, 0.4),            // po .7, pA .5, pB .6, pe .5
    ] as [(Int, Int, Int, Int, Double, Double?)])
    func cohensKappaFromA2x2Table(_ both: Int, _ onlyA: Int, _ onlyB: Int, _ neither: Int, _ percent: Double, _ kappa: Double?) {
        let counts = Agreement.Counts(both: both, onlyA: onlyA, onlyB: onlyB, neither: neither)
        #expect(abs(100 * counts.observed - percent) < 1e-9)
        switch (counts.kappa, kappa) {
        case (nil, nil): break
        case (let got?, let want?): #expect(abs(got - want) < 1e-9, "kappa \(got), expected \(want)")
        default: Issue.record("kappa \(String(describing: counts.kappa)), expected \(String(describing: kappa))")
        }
    }

    /// Ten notes both coders coded (each codes "context" on all of them);
    /// on "transport", alice and bob agree on 7: both 4, alice only 2, bob only 1, neither 3.
    @Test func perThemeOverTheNotesBothCoded() throws {
        try withAnalysisStore { store, _ throws in
            let transport = try store.theme("transport")
            let context = try store.theme("context")
            var notes: [RecordID] = []
            for index in 0..<10 { notes.append(try store.note("note \(index)", body: "We spoke about the bus and the lunch club, note \(index).")) }
            for note in notes {
                try store.code(note, "lunch club", context, by: "alice")
                try store.code(note, "lunch club", context, by: "bob-laptop")
            }
            for index in 0..<6 { try store.code(notes[index], "bus", transport, by: "alice") }
            for index in [0, 1, 2, 3, 6] { try store.code(notes[index], "bus", transport, by: "bob-laptop") }
            // Notes only one of them coded are not compared.
            let aliceOnly = try store.note("alice only", body: "bus")
            try store.code(aliceOnly, "bus", transport, by: "alice")

            let result = try Agreement.load(store, coderA: "Alice", coderB: "bob-laptop")
            #expect(result.coderA == "alice", "names are matched ignoring case and shown as the passages record them")
            #expect(result.notes == notes.sorted())
            #expect(result.themes.map(\.theme) == [context, transport], "codebook order")
            let row = try #require(result.themes.first { $0.theme == transport }?.counts)
            #expect(row == Agreement.Counts(both: 4, onlyA: 2, onlyB: 1, neither: 3))
            #expect(abs(row.observed - 0.7) < 1e-12)
            #expect(abs((row.kappa ?? .nan) - 0.4) < 1e-12)
            let everywhere = try #require(result.themes.first { $0.theme == context }?.counts)
            #expect(everywhere == Agreement.Counts(both: 10) && everywhere.kappa == nil, "every note coded by both: kappa undefined")
            #expect(result.pooled == Agreement.Counts(both: 14, onlyA: 2, onlyB: 1, neither: 3))
        }
    }

    /// QualCoder's unit: each character of the bodies of the notes both coded.
    @Test func characterByCharacterOverTheBodiesBothCoded() throws {
        try withAnalysisStore { store, _ throws in
            let transport = try store.theme("transport")
            // 20 characters: "the bus never came !" ; alice codes "the bus never" (0..<13), bob "bus never came" (4..<18).
            let note = try store.note("bus", body: "the bus never came !")
            try store.code(note, "the bus never", transport, by: "alice")
            try store.code(note, "bus never came", transport, by: "bob")
            let result = try Agreement.load(store, coderA: "alice", coderB: "bob", unit: .character)
            let row = try #require(result.themes.first { $0.theme == transport }?.counts)
            // both 4..<13 = 9, alice only 0..<4 = 4, bob only 13..<18 = 5, neither 18..<20 = 2.
            #expect(row == Agreement.Counts(both: 9, onlyA: 4, onlyB: 5, neither: 2))
            #expect(abs(row.observed - 0.55) < 1e-12)
            let byNote = try Agreement.load(store, coderA: "alice", coderB: "bob")
            #expect(byNote.themes.first?.counts == Agreement.Counts(both: 1), "by note they agree entirely")
        }
    }

    @Test func aSubThemeIsItsOwnThemeAndGoneWordsAndNotesDoNotCount() throws {
        try withAnalysisStore { store, _ throws in
            let transport = try store.theme("transport")
            let routes = try store.theme("bus-routes", parent: transport)
            let first = try store.note("first", body: "the 9 bus and the minibus")
            let second = try store.note("second", body: "the 9 bus and the minibus")
            let deleted = try store.note("deleted", body: "the 9 bus")
            try store.code(first, "9 bus", routes, by: "alice")
            try store.code(first, "minibus", transport, by: "bob")
            try store.code(second, "9 bus", routes, by: "alice")
            try store.code(second, "9 bus", routes, by: "bob")
            try store.code(deleted, "9 bus", routes, by: "alice")
            try store.code(deleted, "9 bus", routes, by: "bob")
            try store.commit([.assign(deleted, field: "deleted", value: .bool(true))])
            let result = try Agreement.load(store, coderA: "alice", coderB: "bob")
            #expect(result.notes == [first, second].sorted())
            #expect(result.themes.first { $0.theme == routes }?.counts == Agreement.Counts(both: 1, onlyA: 1))
            #expect(result.themes.first { $0.theme == transport }?.counts == Agreement.Counts(onlyB: 1, neither: 1),
                    "a passage coded with bus-routes is no yes for transport")
            // Once bob's passage on the second note loses its words, he has not coded it.
            try store.commit([.editText(second, field: "body", text: "the  and the minibus")])
            #expect(try Agreement.load(store, coderA: "alice", coderB: "bob").notes == [first])
        }
    }

    @Test func unknownCodersTheSameCoderTwiceAndNoNotesInCommonAreRefused() throws {
        try withAnalysisStore { store, _ throws in
            let theme = try store.theme("transport")
            let one = try store.note("one", body: "bus")
            let two = try store.note("two", body: "bus")
            try store.code(one, "bus", theme, by: "alice")
            try store.code(two, "bus", theme, by: "bob")
            func refusal(_ a: String, _ b: String) -> String {
                do {
                    _ = try Agreement.load(store, coderA: a, coderB: b)
                    return "accepted"
                } catch {
                    return "\(error)"
                }
            }
            #expect(refusal("alice", "carol").contains("no coded passages by 'carol'; coders with passages: alice, bob"))
            #expect(refusal("alice", "ALICE").contains("both coders"))
            #expect(refusal("alice", "bob").contains("no note in common"))
        }
    }
}
