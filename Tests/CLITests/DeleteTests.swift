import Foundation
import Testing

@Suite("delete and restore")
struct DeleteTests {
    @Test func deleteHidesANoteAndRestoreBringsItBack() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let kept = try store.add("--title", "Kept")
            let id = try store.add("--title", "Hide me", "--body", "still here", "--tag", "t")

            let deleted = try store.run("delete", String(id.prefix(6)))
            expectSuccess(deleted)
            #expect(deleted.output == id)
            #expect(try store.listIDs() == [kept])
            #expect(Set(try store.listIDs("--include-deleted")) == [kept, id])
            let note = try store.show(id)
            #expect(note.bool("deleted") == true)
            #expect(note.string("body") == "still here")
            let table = try store.run("show", id)
            expectSuccess(table)
            #expect(table.stdout.contains("deleted (fieldnotes restore \(id.prefix(8)) brings it back)"))
            #expect((try store.status()["notes"] as? [String: Int]) == ["live": 1, "deleted": 1, "erased": 0])

            let restored = try store.run("restore", id)
            expectSuccess(restored)
            #expect(restored.output == id)
            #expect(Set(try store.listIDs()) == [kept, id])
            #expect(try store.show(id).bool("deleted") == false)
            #expect((try store.status()["notes"] as? [String: Int]) == ["live": 2, "deleted": 0, "erased": 0])
        }
    }

    @Test func deleteAndRestoreOfAnUnknownNoteFail() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = try store.add("--title", "Only")
            let digest = try store.digest()
            expectFailure(try store.run("delete", "ffffffffffffffffffffffffffffffff"), status: 1, mentioning: ["no record matches"])
            expectFailure(try store.run("restore", "ffffff"), status: 1, mentioning: ["no record matches"])
            expectFailure(try store.run("delete"), status: 2, mentioning: ["ID"])
            #expect(try store.digest() == digest)
        }
    }
}
