import CRDT
import Foundation
import Store
import Testing

/// `Change.reviseText`: a body edited in an editor is written as the changes
/// its author made to the text they were shown, so edits that arrived
/// meanwhile (by sync, or another command) are kept.
@Suite struct StoreReviseTextTests {
    @Test func changesAgainstTheShownTextKeepEditsThatArrivedMeanwhile() throws {
        try withTemporaryDirectory { directory in
            let (a, b, note) = try StoreTextTests.sharedNote(directory, "The bus was late. She waited an hour at the stop.")
            let shown = try #require(try a.textSnapshot(note))
            // Meanwhile, another device changes the start and the end.
            try b.commit([.editText(note, field: "body", text: "The 42 bus was late. She waited an hour at the old stop.")])
            try b.send(to: a)
            // The person changes the middle, as they saw it.
            try a.commit([.reviseText(note, field: "body", base: shown, text: "The bus was late. She waited two hours at the stop.")])
            let merged = try #require(try StoreTextTests.body(a, note))
            #expect(merged == "The 42 bus was late. She waited two hours at the old stop.")
            try a.send(to: b)
            #expect(try StoreTextTests.body(b, note) == merged)
            #expect(try a.digest() == (try b.digest()))
        }
    }

    @Test func withoutIntermediateEditsItIsAnOrdinaryEdit() throws {
        try withTemporaryDirectory { directory in
            let (a, _, note) = try StoreTextTests.sharedNote(directory, "Twelve came to the lunch club.")
            let shown = try #require(try a.textSnapshot(note))
            try a.commit([.reviseText(note, field: "body", base: shown, text: "Fifteen came to the lunch club on Thursday.")])
            #expect(try StoreTextTests.body(a, note) == "Fifteen came to the lunch club on Thursday.")
            // Insertions at the very start and end, and a revision to empty.
            let again = try #require(try a.textSnapshot(note))
            try a.commit([.reviseText(note, field: "body", base: again, text: "Note: Fifteen came to the lunch club on Thursday!")])
            #expect(try StoreTextTests.body(a, note) == "Note: Fifteen came to the lunch club on Thursday!")
            let last = try #require(try a.textSnapshot(note))
            try a.commit([.reviseText(note, field: "body", base: last, text: "")])
            #expect(try StoreTextTests.body(a, note) == nil)
        }
    }

    @Test func anInsertionAfterACharacterDeletedMeanwhileGoesWhereItStood() throws {
        try withTemporaryDirectory { directory in
            let (a, b, note) = try StoreTextTests.sharedNote(directory, "alpha beta gamma")
            let shown = try #require(try a.textSnapshot(note))
            try b.commit([.editText(note, field: "body", text: "alpha gamma")])
            try b.send(to: a)
            // The person typed after "beta ", which is gone now.
            try a.commit([.reviseText(note, field: "body", base: shown, text: "alpha beta and more gamma")])
            #expect(try StoreTextTests.body(a, note) == "alpha and more gamma")
        }
    }
}
