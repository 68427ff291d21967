import CRDT
import Store
import Testing

/// `commit` fills in what its author sees: the heads an assign replaces and
/// the adds a remove observes, by exactly the rules of `ReplicaState`.
@Suite struct StoreCommitTests {
    @Test func removeTakesOnlyTheElementNamedNotEqualLookingOnes() throws {
        try withTemporaryStore { store, _ throws in
            // "labels": a set the record schema leaves open (a note's tags must be text).
            let note = try Store.newRecordID()
            try store.commit([.create(note, type: "note")])
            let adds = try store.commit([Value.bool(true), .number(1), .text("1"), .text("coast")].map { .add(note, set: "labels", element: $0) })
            let remove = try store.commit([.remove(note, set: "labels", element: .number(1))])[0]
            guard case .remove(_, _, let observed) = remove.action else { Issue.record("not a remove"); return }
            #expect(observed == [adds[1].id], "removing the number 1 must not observe the add of true")
            #expect(Set(try store.record(note)?.elements("labels") ?? []) == [.bool(true), .text("1"), .text("coast")])
            try store.commit([.remove(note, set: "labels", element: .bool(true))])
            #expect(Set(try store.record(note)?.elements("labels") ?? []) == [.text("1"), .text("coast")])
            // A null element is a value like any other.
            let nullAdd = try store.commit([.add(note, set: "labels", element: .null)])[0]
            let nullRemove = try store.commit([.remove(note, set: "labels", element: .null)])[0]
            guard case .remove(_, _, let observedNull) = nullRemove.action else { Issue.record("not a remove"); return }
            #expect(observedNull == [nullAdd.id])
            #expect(Set(try store.record(note)?.elements("labels") ?? []) == [.text("1"), .text("coast")])
        }
    }

    @Test func removeObservesEveryLiveAddOfTheElement() throws {
        try withTemporaryStore { store, _ throws in
            let note = try Store.newRecordID()
            let made = try store.commit([.create(note, type: "note"), .add(note, set: "tags", element: .text("coast")),
                                         .add(note, set: "tags", element: .text("coast")), .add(note, set: "people", element: .text("coast"))])
            let remove = try store.commit([.remove(note, set: "tags", element: .text("coast"))])[0]
            guard case .remove(_, _, let observed) = remove.action else { Issue.record("not a remove"); return }
            #expect(Set(observed) == [made[1].id, made[2].id])
            #expect(try store.record(note)?.elements("tags") == [])
            #expect(try store.record(note)?.elements("people") == [.text("coast")], "another set is untouched")
            try store.commit([.add(note, set: "tags", element: .text("coast"))])
            #expect(try store.record(note)?.elements("tags") == [.text("coast")], "re-adding after a remove works")
        }
    }

    @Test func assignReplacesTheHeadsAndNullUnsets() throws {
        try withTemporaryStore { store, _ throws in
            let note = try Store.newRecordID()
            let made = try store.commit([.create(note, type: "note"), .assign(note, field: "place", value: .text("pier")),
                                         .assign(note, field: "score", value: .number(2.5))])
            let unset = try store.commit([.assign(note, field: "place", value: .null)])[0]
            guard case .assign(_, _, let replaces) = unset.action else { Issue.record("not an assign"); return }
            #expect(replaces == [made[1].id])
            let record = try #require(try store.record(note))
            #expect(record.value("place") == nil)
            #expect(record.fields.map(\.name) == ["score"], "a field whose only head is null is left out")
            #expect(record.value("score") == .number(2.5))
            try store.commit([.assign(note, field: "place", value: .text("harbour wall"))])
            #expect(try store.record(note)?.value("place") == .text("harbour wall"))
            #expect(try store.record(note)?.heads("place").count == 1)
        }
    }

    @Test func valuesRoundTripWithTheirKinds() throws {
        try withTemporaryStore { store, _ throws in
            let note = try Store.newRecordID()
            let values: [Value] = [.bool(true), .bool(false), .number(1), .number(-0.0), .number(2.5), .number(-1e300),
                                   .number(4_503_599_627_370_497), .text(""), .text("1"), .text("naïve — ünïcode ✓")]
            var changes: [Change] = [.create(note, type: "note")]
            for (index, value) in values.enumerated() { changes.append(.assign(note, field: "f\(index)", value: value)) }
            let made = try store.commit(changes)
            let record = try #require(try store.record(note))
            for (index, value) in values.enumerated() {
                #expect(record.value("f\(index)") == value, "field f\(index)")
            }
            #expect(try store.allOperations().filter { $0.record == note } == made)
        }
    }

    @Test func commitsStayOrderedWhenTheWallClockStepsBack() throws {
        let clock = ManualClock(1_700_000_000_000)
        try withTemporaryStore(wallClock: clock.read) { store, _ in
            let note = try Store.newRecordID()
            var made = try store.commit([.create(note, type: "note")])
            for step in 0..<20 {
                if step % 5 == 0 { clock.millis -= 600_000 } else { clock.advance() }
                made += try store.commit([.assign(note, field: "title", value: .text("t\(step)"))])
            }
            #expect(zip(made, made.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp })
            #expect(zip(made, made.dropFirst()).allSatisfy { $0.id.seq + 1 == $1.id.seq })
            #expect(try store.record(note)?.value("title") == .text("t19"))
            #expect(try store.record(note)?.heads("title").count == 1)
        }
    }

    @Test func searchCoversNoteTitlesBodiesAndTagsOnly() throws {
        try withTemporaryStore { store, _ throws in
            let note = try Store.newRecordID(), theme = try Store.newRecordID()
            try store.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("Lighthouse keepers")),
                              .assign(note, field: "body", value: .text("They spoke about fog horns.")),
                              .add(note, set: "tags", element: .text("maritime")),
                              .assign(note, field: "place", value: .text("Dunnet Head")),
                              .create(theme, type: "theme"), .assign(theme, field: "title", value: .text("Lighthouse theme"))])
            #expect(try store.search("lighthouse").map(\.record.id) == [note], "only notes are indexed")
            #expect(try store.search("fog").map(\.record.id) == [note])
            #expect(try store.search("maritime").map(\.record.id) == [note])
            #expect(try store.search("dunnet").isEmpty, "other fields are not indexed")
            #expect(try store.search("light*").map(\.record.id) == [note])
            try store.commit([.remove(note, set: "tags", element: .text("maritime")),
                              .assign(note, field: "title", value: .text("Harbour pilots"))])
            #expect(try store.search("maritime").isEmpty, "the index follows removes")
            #expect(try store.search("lighthouse").isEmpty, "the index follows overwrites")
            #expect(try store.search("pilots").map(\.record.id) == [note])
            #expect(throws: StoreError.self) { try store.search("   ") }
        }
    }
}
