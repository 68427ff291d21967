import CRDT
import Export
import Foundation
import Store
import Testing

/// Issue 12: a participant value that looks like a real name is an identifier
/// to `scan` and every export, however short it is.
@Suite struct ParticipantGuardTests {
    static func addNamedParticipant(_ fixture: Fixture) throws -> RecordID {
        let note = Fixture.id("9a11")
        var input = Note.Input()
        input.title = "Lunch club"
        input.body = "Came for the dinner, stayed for the dominoes."
        input.participant = "Jean Smith"
        input.occurredAt = "2026-11-30"
        input.consent = "given"
        try fixture.store.commit(try Note.changes(input, for: note, creating: true, nowSeconds: 0))
        return note
    }

    @Test func aParticipantThatLooksLikeANameIsFoundAsAPersonsName() throws {
        try Fixture.with { fixture throws in
            let note = try Self.addNamedParticipant(fixture)
            #expect(try fixture.exporter.scan() == [IdentifierHit(record: note, type: "note", field: "participant", kind: .personName)])
        }
    }

    @Test(arguments: ExportFormat.allCases)
    func redactionReplacesTheWholeParticipant(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            _ = try Self.addNamedParticipant(fixture)
            let out = fixture.path("out")
            let summary = try fixture.exporter.write(format: format, to: out, options: ExportOptions(identifiers: .redact))
            #expect(summary.redacted == 1)
            let bytes = try exportedContent(out, format)
            #expect(!contains(bytes, "Jean Smith") && !contains(bytes, "Smith"), "\(format)")
        }
    }
}
