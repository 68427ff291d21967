import CRDT
import SQLite
import Store
import Testing

/// What `create` and `open` accept and refuse.
@Suite struct StoreSchemaTests {
    @Test func openRefusesAStoreWrittenByANewerSchemaAndLeavesItAlone() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/newer.fieldnotes"
            _ = try Store.create(at: path, name: "newer")
            do {
                let database = try Database(path: path)
                try database.execute("PRAGMA user_version = 99")
            }
            let before = fileBytes(path)
            let error = #expect(throws: StoreError.self) { try Store.open(at: path) }
            #expect(error?.message.contains("newer") == true, "\(String(describing: error))")
            #expect(error?.message.contains("99") == true)
            #expect(fileBytes(path) == before)
            #expect(try Database(path: path, mode: .readOnly).userVersion == 99)
        }
    }

    @Test func openRefusesAFileThatIsNotSQLite() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/notes.txt"
            let text = Array(String(repeating: "These are field notes in plain text, not a database.\n", count: 100).utf8)
            try writeFile(path, text)
            let error = #expect(throws: StoreError.self) { try Store.open(at: path) }
            #expect(error?.message.contains("not a fieldnotes store") == true, "\(String(describing: error))")
            #expect(fileBytes(path) == text, "the file was changed")
        }
    }

    @Test func openRefusesAnSQLiteFileOfAnotherApplication() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/other.sqlite"
            do {
                let database = try Database(path: path, mode: .readWriteCreate)
                try database.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            }
            let error = #expect(throws: StoreError.self) { try Store.open(at: path) }
            #expect(error?.message.contains("not a fieldnotes store") == true, "\(String(describing: error))")
            let emptyPath = directory + "/empty.sqlite"
            try writeFile(emptyPath, [])
            #expect(throws: StoreError.self) { try Store.open(at: emptyPath) }
        }
    }

    @Test func openRefusesAMissingFile() throws {
        try withTemporaryDirectory { directory throws in
            let error = #expect(throws: StoreError.self) { try Store.open(at: directory + "/absent.fieldnotes") }
            #expect(error?.message.contains("no fieldnotes store") == true)
            #expect(fileBytes(directory + "/absent.fieldnotes") == nil, "open must not create a file")
        }
    }

    @Test func createRefusesAnExistingPathAndLeavesItUntouched() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/existing.fieldnotes"
            let store = try Store.create(at: path, name: "first")
            let note = try Store.newRecordID()
            try store.commit([.create(note, type: "note")])
            let digest = try store.digest()
            let error = #expect(throws: StoreError.self) { try Store.create(at: path, name: "second") }
            #expect(error?.message.contains("already exists") == true)
            #expect(try store.digest() == digest)
            #expect(try store.name == "first")

            let plain = directory + "/plain.txt"
            try writeFile(plain, Array("keep me".utf8))
            #expect(throws: StoreError.self) { try Store.create(at: plain, name: "x") }
            #expect(fileBytes(plain) == Array("keep me".utf8))
        }
    }

    @Test func createRefusesAMissingDirectory() throws {
        try withTemporaryDirectory { directory throws in
            #expect(throws: StoreError.self) { try Store.create(at: directory + "/no/such/dir.fieldnotes", name: "x") }
        }
    }

    @Test func reopenedStoreKeepsItsIdentityStateAndClock() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/s.fieldnotes"
            let now: UInt64 = 1_700_000_000_000
            let note = try Store.newRecordID()
            let replica: ReplicaID, digest: String, last: Operation, version: Int64
            do {
                let store = try Store.create(at: path, name: "field laptop", wallClock: { now })
                last = try store.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("kept"))])[1]
                replica = store.replica
                digest = try store.digest()
            }
            version = try Database(path: path, mode: .readOnly).userVersion
            // Reopened on a machine whose clock is ten minutes behind.
            let reopened = try Store.open(at: path, wallClock: { now - 600_000 })
            #expect(reopened.replica == replica)
            #expect(try reopened.name == "field laptop")
            #expect(try reopened.digest() == digest)
            #expect(try Database(path: path, mode: .readOnly).userVersion == version, "reopening a current store migrates nothing")
            let next = try reopened.commit([.assign(note, field: "title", value: .text("later"))])[0]
            #expect(next.id.seq == last.id.seq + 1)
            #expect(next.timestamp > last.timestamp, "the clock must survive a reopen, or a slow wall clock reorders history")
            #expect(try reopened.record(note)?.value("title") == .text("later"))
            #expect(try reopened.record(note)?.heads("title").count == 1)
        }
    }

    /// Schema 6 left titles and bodies out of the shown-value index: a
    /// version 5 store opens, gets the new index, and finds notes by a
    /// field's value as before, by title too (which the index no longer holds).
    @Test func aVersion5StoreGetsTheSmallerShownValueIndexAndFindsTheSameNotes() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/v5.fieldnotes"
            let note = try Store.newRecordID(), other = try Store.newRecordID()
            do {
                let store = try Store.create(at: path, name: "v5")
                for (id, area) in [(note, "Heneage"), (other, "Park")] {
                    try store.commit([.create(id, type: "note"), .assign(id, field: "title", value: .text("At \(area)")),
                                      .assign(id, field: "area", value: .text(area)), .editText(id, field: "body", text: "Met at the library.")])
                }
            }
            do {
                // What a version 5 store held: the index over every field's shown value.
                let database = try Database(path: path)
                try database.execute("""
                    DROP INDEX heads_shown;
                    CREATE INDEX heads_shown ON heads(field, value) WHERE wins = 1;
                    DROP INDEX records_type;
                    PRAGMA user_version = 5;
                    """)
            }
            let store = try Store.open(at: path)
            let database = try Database(path: path, mode: .readOnly)
            #expect(try database.userVersion == 8)
            let indexSQL = try database.first("SELECT sql FROM sqlite_master WHERE name = 'heads_shown'") { $0.text(0) }
            #expect(indexSQL?.contains("NOT IN ('title', 'body'") == true, "\(String(describing: indexSQL))")
            var byArea = RecordFilter(type: "note")
            byArea.fields = ["area": .text("Heneage")]
            #expect(try store.list(byArea).map(\.id) == [note])
            var byTitle = RecordFilter(type: "note")
            byTitle.conditions = [.fieldIn("title", [.text("At Park")])]
            #expect(try store.list(byTitle).map(\.id) == [other])
            var byBody = RecordFilter(type: "note")
            byBody.fields = ["body": .text("Met at the library.")]
            #expect(Set(try store.list(byBody).map(\.id)) == [note, other])
        }
    }

    /// Schema 7 left `occurred_at` out of the shown-value index too: a
    /// version 6 store with notes opens, gets the narrower index, finds the
    /// same notes by area, by date range and by a date's exact value, and
    /// applies a peer's operations after it as any store does.
    @Test func aVersion6StoreGetsTheIndexWithoutDatesAndFindsAndAppliesAsBefore() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/v6.fieldnotes"
            let early = try Store.newRecordID(), late = try Store.newRecordID()
            do {
                let store = try Store.create(at: path, name: "v6")
                for (id, area, date) in [(early, "Heneage", "2026-03-01T10:00:00Z"), (late, "Park", "2026-05-01T10:00:00Z")] {
                    try store.commit([.create(id, type: "note"), .assign(id, field: "title", value: .text("At \(area)")),
                                      .assign(id, field: "area", value: .text(area)), .assign(id, field: "occurred_at", value: .text(date)),
                                      .editText(id, field: "body", text: "Met at the library.")])
                }
            }
            do {
                // What a version 6 store held: dates in the index.
                let database = try Database(path: path)
                try database.execute("""
                    DROP INDEX heads_shown;
                    CREATE INDEX heads_shown ON heads(field, value) WHERE wins = 1 AND field NOT IN ('title', 'body');
                    DROP INDEX records_type;
                    PRAGMA user_version = 6;
                    """)
                let dated = try database.first("SELECT count(*) FROM heads INDEXED BY heads_shown WHERE field = 'occurred_at' AND wins = 1 AND field NOT IN ('title', 'body')") { $0.int64(0) }
                #expect(dated == 2, "the version 6 index held the dates")
            }
            let store = try Store.open(at: path)
            let database = try Database(path: path, mode: .readOnly)
            #expect(try database.userVersion == 8)
            let indexSQL = try database.first("SELECT sql FROM sqlite_master WHERE name = 'heads_shown'") { $0.text(0) }
            #expect(indexSQL?.contains("NOT IN ('title', 'body', 'occurred_at')") == true, "\(String(describing: indexSQL))")
            let areas = try database.first("""
                SELECT count(*) FROM heads INDEXED BY heads_shown WHERE field = 'area' AND wins = 1 AND field NOT IN ('title', 'body', 'occurred_at')
                """) { $0.int64(0) }
            #expect(areas == 2, "the new index still holds the other fields' shown values")
            let plan = try database.prepare("EXPLAIN QUERY PLAN SELECT rid FROM records WHERE type = 'area'").query([]) { $0.text(3) }
            #expect(plan.contains { $0.contains("records_type") }, "records of one type are found by index: \(plan)")

            var byArea = RecordFilter(type: "note")
            byArea.fields = ["area": .text("Park")]
            #expect(try store.list(byArea).map(\.id) == [late])
            var byRange = RecordFilter(type: "note")
            byRange.rangeField = "occurred_at"
            byRange.from = "2026-02-01"
            byRange.before = "2026-04-01"
            #expect(try store.list(byRange).map(\.id) == [early])
            var byDate = RecordFilter(type: "note")
            byDate.conditions = [.fieldIn("occurred_at", [.text("2026-05-01T10:00:00Z")])]
            #expect(try store.list(byDate).map(\.id) == [late])

            // A peer's notes apply to the migrated store and read back the same.
            let peer = try Store.create(at: directory + "/peer.fieldnotes", name: "peer")
            let third = try Store.newRecordID()
            let made = try peer.commit([.create(third, type: "note"), .assign(third, field: "area", value: .text("Park")),
                                        .assign(third, field: "occurred_at", value: .text("2026-05-02T09:00:00Z"))])
            #expect(try store.apply(made) == made.count)
            #expect(Set(try store.list(byArea).map(\.id)) == [late, third])
            #expect(try store.record(third)?.value("occurred_at") == .text("2026-05-02T09:00:00Z"))
        }
    }

    /// Schema 8 puts `wins` in the shown-value index, so notes are found by
    /// a field's value from the index alone: a version 7 store opens, gets
    /// the wider index, reads an area's notes from it without looking each
    /// head up, and lists by area and tag (the sets intersected) as before.
    @Test func aVersion7StoreGetsTheCoveringShownValueIndexAndListsTheSameNotes() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/v7.fieldnotes"
            var made: [(id: RecordID, area: String, tags: [String])] = []
            do {
                let store = try Store.create(at: path, name: "v7")
                for (index, (area, tags)) in [("Heneage", ["bus"]), ("Heneage", ["bus", "money"]), ("Park", ["bus"]), ("Heneage", ["money"])].enumerated() {
                    let id = try Store.newRecordID()
                    try store.commit([.create(id, type: "note"), .assign(id, field: "area", value: .text(area)),
                                      .assign(id, field: "occurred_at", value: .text("2026-03-0\(4 - index)T10:00:00Z"))]
                                     + tags.map { .add(id, set: Note.tagSet, element: .text($0)) })
                    made.append((id, area, tags))
                }
            }
            do {
                // What a version 7 store held: the index without `wins`.
                let database = try Database(path: path)
                try database.execute("""
                    DROP INDEX heads_shown;
                    CREATE INDEX heads_shown ON heads(field, value) WHERE wins = 1 AND field NOT IN ('title', 'body', 'occurred_at');
                    PRAGMA user_version = 7;
                    """)
            }
            let store = try Store.open(at: path)
            let database = try Database(path: path, mode: .readOnly)
            #expect(try database.userVersion == 8)
            let indexSQL = try database.first("SELECT sql FROM sqlite_master WHERE name = 'heads_shown'") { $0.text(0) }
            #expect(indexSQL?.contains("heads(field, value, wins)") == true, "\(String(describing: indexSQL))")
            let plan = try database.prepare("""
                EXPLAIN QUERY PLAN SELECT record FROM heads WHERE field = ? AND wins = 1 AND value = ? AND field NOT IN ('title', 'body', 'occurred_at')
                """).query([.text("area"), .text("Heneage")]) { $0.text(3) }
            #expect(plan.contains { $0.contains("COVERING INDEX heads_shown") }, "an area's notes are read from the index alone: \(plan)")

            var filter = RecordFilter(type: "note")
            filter.rangeField = "occurred_at"
            filter.conditions = [.fieldIn("area", [.text("Heneage")]), .element(Note.tagSet, .text("bus"))]
            // Both Heneage notes tagged bus, by date: the second was made with the earlier date.
            #expect(try store.list(filter).map(\.id) == [made[1].id, made[0].id])
            filter.conditions.append(.anyElement(Note.tagSet, [.text("money"), .text("caring")]))
            #expect(try store.list(filter).map(\.id) == [made[1].id])
        }
    }
}
