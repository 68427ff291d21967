import CRDT
import Foundation
import SQLite
import Store
import Testing

/// A note's body is a text field: edits merge character by character,
/// anchors follow their character, erase purges every character, and
/// stores from before keep showing what they showed.
@Suite struct StoreTextTests {
    static func body(_ store: Store, _ note: RecordID) throws -> String? {
        try store.record(note)?.value("body")?.text
    }

    /// Two stores holding the same note with `text` as its body.
    static func sharedNote(_ directory: String, _ text: String) throws -> (a: Store, b: Store, note: RecordID) {
        let a = try Store.create(at: "\(directory)/a.fieldnotes", name: "a")
        let b = try Store.create(at: "\(directory)/b.fieldnotes", name: "b")
        let note = try Store.newRecordID()
        try a.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("Lunch club")),
                      .editText(note, field: "body", text: text)])
        try a.send(to: b)
        return (a, b, note)
    }

    @Test func concurrentEditsOfOneBodyMergeCharacterByCharacter() throws {
        try withTemporaryDirectory { directory in
            let (a, b, note) = try Self.sharedNote(directory, "The bus is late and the stop has no shelter.")
            try a.commit([.editText(note, field: "body", text: "The 47 bus is late and the stop has no shelter.")])
            try b.commit([.editText(note, field: "body", text: "The bus is always late and the stop has no shelter at all.")])
            try a.send(to: b)
            try b.send(to: a)
            let merged = "The 47 bus is always late and the stop has no shelter at all."
            #expect(try Self.body(a, note) == merged)
            #expect(try Self.body(b, note) == merged)
            #expect(try a.record(note)?.conflicts.isEmpty == true, "disjoint edits are no conflict")
            #expect(try a.digest() == (try b.digest()))
            // A deletion removes only what its author saw: text typed into the deleted span concurrently stays.
            try a.commit([.editText(note, field: "body", text: "The 47 bus is always late.")])
            try b.commit([.editText(note, field: "body", text: "The 47 bus is always late and the stop (Freeman St) has no shelter at all.")])
            try a.send(to: b)
            try b.send(to: a)
            let after = try #require(try Self.body(a, note))
            #expect(after.hasPrefix("The 47 bus is always late") && after.contains("(Freeman St)") && !after.contains("shelter"), "\(after)")
            #expect(try Self.body(b, note) == after)
        }
    }

    @Test func aOneCharacterFixIsAOneCharacterOperation() throws {
        try withTemporaryDirectory { directory in
            let long = String(repeating: "She has not left the flat since her husband died. ", count: 400)
            let (a, _, note) = try Self.sharedNote(directory, long + "Her daugher visits on Sundays.")
            let made = try a.commit([.editText(note, field: "body", text: long + "Her daughter visits on Sundays.")])
            #expect(made.count == 1)
            guard case .insertText(let field, let run) = made.first?.action else {
                Issue.record("expected one insertion, got \(made.map(\.action))")
                return
            }
            #expect(field == "body" && run.text == "t" && run.count == 1)
            // Appending adds a run at the end; nothing before it is re-sent.
            let appended = try a.commit([.appendText(note, field: "body", text: " She wants a lift to the lunch club.")])
            #expect(appended.count == 1)
            #expect(try Self.body(a, note)?.hasSuffix("Sundays. She wants a lift to the lunch club.") == true)
            // Editing to the same text makes nothing.
            #expect(try a.commit([.editText(note, field: "body", text: try #require(try Self.body(a, note)))]).isEmpty)
        }
    }

    @Test func searchShowAndUnsetReadTheMaterialisedText() throws {
        try withTemporaryDirectory { directory in
            let (a, b, note) = try Self.sharedNote(directory, "Talked about the minibus.")
            try b.commit([.appendText(note, field: "body", text: " Wants a befriender.")])
            try b.send(to: a)
            #expect(try a.search("befriender").map(\.record.id) == [note])
            #expect(try a.search("minibus").map(\.record.id) == [note])
            try a.commit([.editText(note, field: "body", text: "")])
            #expect(try a.record(note)?.value("body") == nil, "an empty body is unset")
            #expect(try a.search("minibus").isEmpty)
        }
    }

    @Test func anchorsFollowTheirCharacterThroughConcurrentEditsOnEveryStore() throws {
        try withTemporaryDirectory { directory in
            var random = SystemRandomNumberGenerator()
            let words = ["bus ", "lonely ", "carer ", "minibus ", "x", "", "\u{1F68C} "]
            let (a, b, note) = try Self.sharedNote(directory, "She said the bus never comes on time.")
            let c = try Store.create(at: "\(directory)/c.fieldnotes", name: "c")
            try a.send(to: c)
            let stores = [a, b, c]
            // Anchors on every fourth character, made on store a.
            let text = Array(try #require(try Self.body(a, note)).unicodeScalars)
            var anchors: [(TextSequence.Anchor, Unicode.Scalar)] = []
            for offset in stride(from: 0, to: text.count, by: 4) {
                anchors.append((try #require(try a.anchor(in: note, at: offset)), text[offset]))
            }
            for round in 0 ..< 12 {
                for store in stores {
                    var scalars = Array(try Self.body(store, note)?.unicodeScalars ?? "".unicodeScalars)
                    if !scalars.isEmpty, Bool.random(using: &random) {
                        let from = Int.random(in: 0 ..< scalars.count, using: &random)
                        scalars.removeSubrange(from ..< min(scalars.count, from + Int.random(in: 1 ... 3, using: &random)))
                    }
                    scalars.insert(contentsOf: words.randomElement(using: &random)!.unicodeScalars, at: Int.random(in: 0 ... scalars.count, using: &random))
                    try store.commit([.editText(note, field: "body", text: String(String.UnicodeScalarView(scalars)))])
                }
                if round % 3 == 2 {
                    for from in stores { for to in stores where to !== from { try from.send(to: to) } }
                }
            }
            for from in stores { for to in stores where to !== from { try from.send(to: to) } }
            let final = try #require(try Self.body(a, note))
            let scalars = Array(final.unicodeScalars)
            for (anchor, character) in anchors {
                let offsets = try stores.map { try $0.offset(of: anchor, in: note) }
                #expect(Set(offsets).count == 1, "every store resolves an anchor to the same offset: \(offsets)")
                let offset = try #require(offsets[0])
                #expect(offset <= scalars.count)
                // The anchor sits on its character if it is still there.
                if offset < scalars.count, scalars[offset] == character { continue }
                #expect(try stores[0].anchor(in: note, at: offset) != anchor || offset == scalars.count,
                        "a deleted character's anchor resolves to where it stood")
            }
            #expect(try b.digest() == (try a.digest()) && (try c.digest()) == (try a.digest()))
        }
    }

    @Test func eraseRemovesEveryCharacterIncludingOnesTypedAfterIt() throws {
        try withTemporaryDirectory { directory in
            let (a, b, note) = try Self.sharedNote(directory, "Lives at 14 Glebe Road with zanzibarquokka the cat.")
            // b types more while a erases; b's edit arrives at a after the erase.
            try b.commit([.appendText(note, field: "body", text: " Nephew is marmelwombat.")])
            try a.commit([.erase(note, reason: "consent withdrawn")])
            try b.send(to: a)
            try a.send(to: b)
            for store in [a, b] {
                #expect(try store.record(note)?.erased == true)
                #expect(StoreEraseTests.secretsOnDisk(store.path).isEmpty, "\(store.path): \(StoreEraseTests.secretsOnDisk(store.path))")
                for operation in try store.allOperations() where operation.record == note {
                    if case .insertText(_, let run) = operation.action { #expect(run.text == nil && run.count > 0) }
                }
            }
            // Late text operations on the erased note are stored purged, on every store.
            let late = try b.commit([.appendText(note, field: "body", text: " brindlewhisker")])
            #expect(late.isEmpty, "an erased note takes no edits")
        }
    }

    @Test func aStoreFromBeforeTextFieldsShowsEveryBodyAsItDidAndTakesTextEdits() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/old.fieldnotes"
            let note = try Store.newRecordID()
            let writerA = try #require(ReplicaID(bytes: [UInt8](repeating: 0x11, count: 16)))
            let writerB = try #require(ReplicaID(bytes: [UInt8](repeating: 0x22, count: 16)))
            let at = Timestamp(physical: 1_764_000_000_000, logical: 0)
            // Two concurrent register writes of the body, as version 2 stores made them: a conflict.
            let legacy = [
                Operation(id: OperationID(origin: writerA, seq: 1), timestamp: at, record: note, action: .create(type: "note")),
                Operation(id: OperationID(origin: writerA, seq: 2), timestamp: at, record: note,
                          action: .assign(field: "body", value: .text("first version"), replaces: [])),
                Operation(id: OperationID(origin: writerB, seq: 1), timestamp: Timestamp(physical: at.physical + 5, logical: 0), record: note,
                          action: .assign(field: "body", value: .text("second version"), replaces: [])),
            ]
            do {
                let store = try Store.create(at: path, name: "old")
                try store.apply(legacy)
            }
            // Make the file what a version 4 store held: both heads, no text table.
            do {
                let database = try Database(path: path, mode: .readWrite)
                try database.execute("""
                    DROP INDEX ops_body; DROP TABLE texts;
                    INSERT INTO heads(record, field, origin, seq, ts, value, wins)
                      SELECT rid, 'body', X'11111111111111111111111111111111', 2, \(Int64(bitPattern: at.packed)), 'first version', 0 FROM records WHERE id = '\(note.hex)';
                    PRAGMA user_version = 4;
                    """)
            }
            let store = try Store.open(at: path)
            #expect(try Self.body(store, note) == "second version")
            #expect(try store.record(note)?.conflicts.isEmpty == true)
            // A text edit names the shown base's characters; a replica that gets the same operations in another order agrees.
            try store.commit([.editText(note, field: "body", text: "second version, edited")])
            #expect(try Self.body(store, note) == "second version, edited")
            let other = try Store.create(at: "\(directory)/other.fieldnotes", name: "other")
            try other.apply(try store.allOperations().reversed())
            #expect(try Self.body(other, note) == "second version, edited")
            try other.send(to: store)
            #expect(try other.digest() == (try store.digest()))
        }
    }

    @Test func aCopiedStoreWhoseCopiesBothEditedABodyKeepsBothEdits() throws {
        try withTemporaryDirectory { directory in
            let original = try Store.create(at: "\(directory)/a.fieldnotes", name: "field")
            let note = try Store.newRecordID()
            try original.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("t")),
                                 .editText(note, field: "body", text: "Met at the library.")])
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: "\(directory)/a.fieldnotes\(suffix)", toPath: "\(directory)/b.fieldnotes\(suffix)")
            }
            let copy = try Store.open(at: "\(directory)/b.fieldnotes")
            try original.commit([.editText(note, field: "body", text: "Met at the library. Lonely since May.")])
            try copy.commit([.editText(note, field: "body", text: "Met at the old library.")])
            try copy.commit([.appendText(note, field: "body", text: " Uses the 47.")])
            let hub = try Store.create(at: "\(directory)/hub.fieldnotes", name: "hub")
            try original.send(to: hub)
            let result = try copy.applyReporting(try hub.allOperations())
            #expect(result.reissue != nil)
            try copy.send(to: hub)
            try hub.send(to: original)
            let expected = try #require(try Self.body(hub, note))
            #expect(expected.contains("old library") && expected.contains("Lonely since May.") && expected.contains("Uses the 47."), "\(expected)")
            #expect(try Self.body(copy, note) == expected && (try Self.body(original, note)) == expected)
            #expect(try copy.digest() == (try hub.digest()) && (try original.digest()) == (try hub.digest()))
        }
    }
}
