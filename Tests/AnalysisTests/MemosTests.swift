import Analysis
import CRDT
import Store
import Testing

@Suite struct MemosTests {
    static func write(_ store: Store, _ text: String, about target: String) throws -> RecordID {
        let id = try Store.newRecordID()
        try store.commit(try Memos.adding(text, about: try Memos.target(target, in: store), author: "alice", now: "2026-12-01T10:00:00Z", id: id))
        return id
    }

    @Test func aTargetIsAThemeByNameOrAliasOrANotePassageThemeOrCaseById() throws {
        try withAnalysisStore { store, _ throws in
            let theme = try store.theme("Transport", aliases: ["buses"])
            let note = try store.note("n", body: "the 9 bus")
            let passage = try store.code(note, "9 bus", theme, by: "alice")
            let person = try Store.newRecordID()
            try store.commit([.create(person, type: Case.type), .assign(person, field: "pseudonym", value: .text("P07"))])
            #expect(try Memos.target("transport", in: store) == Memos.Target(id: theme, type: Theme.type))
            #expect(try Memos.target(" Buses ", in: store) == Memos.Target(id: theme, type: Theme.type))
            #expect(try Memos.target(theme.hex, in: store) == Memos.Target(id: theme, type: Theme.type))
            #expect(try Memos.target(String(note.hex.prefix(8)), in: store) == Memos.Target(id: note, type: Note.type))
            #expect(try Memos.target(passage.hex.uppercased(), in: store) == Memos.Target(id: passage, type: Passage.type))
            #expect(try Memos.target(String(person.hex.prefix(10)), in: store) == Memos.Target(id: person, type: Case.type))
        }
    }

    @Test func unknownAmbiguousDeletedAndErasedTargetsAreRefused() throws {
        try withAnalysisStore { store, _ throws in
            // A note and a theme whose ids share their first 8 hex digits.
            let note = try #require(RecordID(hex: "abcdef01" + String(repeating: "1", count: 24)))
            let theme = try #require(RecordID(hex: "abcdef01" + String(repeating: "2", count: 24)))
            try store.commit([.create(note, type: Note.type), .assign(note, field: "title", value: .text("n"))])
            try store.commit([.create(theme, type: Theme.type), .assign(theme, field: "name", value: .text("t"))])
            let insight = try Store.newRecordID()
            try store.commit([.create(insight, type: Insight.type), .assign(insight, field: "statement", value: .text("s"))])
            let deleted = try store.note("deleted")
            try store.commit([.assign(deleted, field: "deleted", value: .bool(true))])
            let erased = try store.note("erased")
            try store.commit([.erase(erased, reason: "test")])
            func refusal(_ text: String) -> String {
                do {
                    return "accepted \(try Memos.target(text, in: store))"
                } catch let error as StoreError {
                    return error.description
                } catch {
                    return "unexpected \(error)"
                }
            }
            #expect(refusal("abcdef01").contains("starts the ids of a note (abcdef01) and a theme (abcdef01)"))
            #expect(refusal("nothing").contains("no theme is named 'nothing'"))
            #expect(refusal(insight.hex).contains("no note, passage, theme or case"), "memos are not written on insights")
            #expect(refusal(deleted.hex).contains("is deleted"))
            #expect(refusal(erased.hex).contains("was erased"))
        }
    }

    @Test func memosOnANoteWithoutConsentOrOnItsPassagesAreWithheld() throws {
        try withAnalysisStore { store, _ throws in
            let theme = try store.theme("transport")
            let declined = try store.note("declined", body: "the 9 bus", consent: "declined")
            let given = try store.note("given", body: "the 9 bus", consent: "given")
            let passage = try store.code(declined, "9 bus", theme, by: "alice")
            let onNote = try Self.write(store, "SECRET about the declined note", about: declined.hex)
            let onPassage = try Self.write(store, "SECRET about its passage", about: passage.hex)
            let onGiven = try Self.write(store, "about the given note", about: given.hex)
            let onTheme = try Self.write(store, "about the theme", about: "transport")
            let memos = Dictionary(uniqueKeysWithValues: try Memos.all(store).map { ($0.id, $0) })
            #expect(memos.count == 4)
            for id in [onNote, onPassage] {
                #expect(memos[id]?.withheld == true && memos[id]?.body == "")
                #expect(memos[id]?.note == declined)
            }
            #expect(memos[onGiven]?.withheld == false && memos[onGiven]?.body == "about the given note")
            #expect(memos[onTheme]?.withheld == false && memos[onTheme]?.note == nil)
            #expect(try Memos.all(store, about: theme).map(\.id) == [onTheme])
        }
    }

    @Test func erasingANoteErasesTheMemosOnItAndItsPassagesAndHidesAnyWrittenElsewhere() throws {
        try withAnalysisStore { store, directory throws in
            let theme = try store.theme("transport")
            let note = try store.note("n", body: "the 9 bus")
            let other = try store.note("other", body: "the 9 bus")
            let passage = try store.code(note, "9 bus", theme, by: "alice")
            let onNote = try Self.write(store, "MEMO-ON-NOTE", about: note.hex)
            let onPassage = try Self.write(store, "MEMO-ON-PASSAGE", about: passage.hex)
            let deletedMemo = try Self.write(store, "MEMO-DELETED", about: note.hex)
            try store.commit([.assign(deletedMemo, field: "deleted", value: .bool(true))])
            let kept = try Self.write(store, "MEMO-ELSEWHERE", about: other.hex)
            // Another laptop writes a memo on the note before it hears of the erase.
            let laptop = try Store.create(at: directory.appendingPathComponent("laptop.sqlite").path, name: "bob")
            try store.send(to: laptop)
            let late = try Self.write(laptop, "MEMO-LATE", about: note.hex)

            let erases = try Governance.erasures(of: [try #require(try store.record(note))], reason: "consent withdrawn", in: store)
            #expect(Set(erases.map(\.draftRecord)) == [note, passage, onNote, onPassage, deletedMemo])
            try store.commit(erases)
            try laptop.send(to: store)
            for id in [onNote, onPassage, deletedMemo] { #expect(try store.record(id)?.erased == true) }
            #expect(try store.record(late)?.erased == false)
            #expect(try Memos.all(store).map(\.id) == [kept], "a memo whose note is erased is never shown")
        }
    }

    @Test func aMemoBodyMergesCharacterByCharacter() throws {
        try withAnalysisStore { store, directory throws in
            try store.theme("transport")
            let memo = try Self.write(store, "Buses come up in every East Marsh note.", about: "transport")
            let laptop = try Store.create(at: directory.appendingPathComponent("laptop.sqlite").path, name: "bob")
            try store.send(to: laptop)
            try store.commit(try Memos.editing(memo, body: "Buses come up in almost every East Marsh note.", append: nil))
            try laptop.commit(try Memos.editing(memo, body: nil, append: " Check Heneage."))
            try store.send(to: laptop)
            try laptop.send(to: store)
            let merged = "Buses come up in almost every East Marsh note. Check Heneage."
            #expect(try store.record(memo)?.value("body")?.text == merged)
            #expect(try laptop.record(memo)?.value("body")?.text == merged)
            #expect(throws: StoreError.self) { try Memos.editing(memo, body: "   ", append: nil) }
            #expect(throws: StoreError.self) { try Memos.adding(" \n", about: Memos.Target(id: memo, type: Theme.type), author: "a", now: "2026-12-01T10:00:00Z", id: memo) }
        }
    }
}

extension Change {
    /// The record a change is to.
    var draftRecord: RecordID {
        switch self {
        case .create(let id, _), .assign(let id, _, _), .add(let id, _, _), .remove(let id, _, _), .erase(let id, _),
             .editText(let id, _, _), .appendText(let id, _, _), .reviseText(let id, _, _, _):
            return id
        }
    }
}
