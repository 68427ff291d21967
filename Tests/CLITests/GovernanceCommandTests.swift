import Foundation
import Testing

/// People's rights as commands: subject access, erasure by participant,
/// retention; and who did it, why and for whom in the audit trail.
@Suite("governance")
struct GovernanceCommandTests {
    static func audit(_ store: TestStore) throws -> [[String: Any]] {
        let run = try store.run("audit", "--format", "json")
        _ = expectSuccess(run)
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
    }

    @Test func subjectAccessGathersOneParticipantsNotesWithTheirWordsAndIsAudited() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let mine = try store.add("--title", "Visit", "--body", "She talks about the bus every week.", "--participant", "P07", "--consent", "withdrawn")
            let other = try store.add("--title", "Other", "--body", "Someone else entirely.", "--participant", "P08")
            _ = expectSuccess(try store.run("theme", "add", "transport"))
            _ = expectSuccess(try store.run("code", mine, "--theme", "transport", "--quote", "the bus"))
            let out = sandbox.path("sar.json")
            _ = expectSuccess(try store.run("subject-access", "p07", "--out", out, "--purpose", "SAR 2026-114", "--recipient", "the participant"))
            let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
            let notes = try #require(document["notes"] as? [[String: Any]])
            #expect(notes.map { $0["id"] as? String } == [mine])
            #expect(notes.first?["body"] as? String == "She talks about the bus every week.", "the person's own words, even with consent withdrawn")
            #expect((document["passages"] as? [[String: Any]])?.first?["text"] as? String == "the bus")
            #expect(!(try String(contentsOfFile: out, encoding: .utf8)).contains(other))
            let attributes = try FileManager.default.attributesOfItem(atPath: out)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let event = try #require(try Self.audit(store).last)
            #expect(event["action"] as? String == "subject-access" && event["purpose"] as? String == "SAR 2026-114"
                    && event["recipient"] as? String == "the participant")
            expectFailure(try store.run("subject-access", "P07"), status: 2, mentioning: ["--out"])
        }
    }

    @Test func eraseByParticipantErasesEveryNoteOfThemWithTheirPassagesAndIsAudited() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let first = try store.add("--title", "One", "--body", "marmelwombat said the bus is late", "--participant", "P07")
            let second = try store.add("--title", "Two", "--body", "quokkaparticipant again", "--participant", "p07")
            let other = try store.add("--title", "Three", "--participant", "P08")
            _ = expectSuccess(try store.run("theme", "add", "transport"))
            _ = expectSuccess(try store.run("code", first, "--theme", "transport", "--quote", "the bus is late"))
            expectFailure(try store.run("erase", "--participant", "P07", "--reason", "withdrawn"), status: 1, mentioning: ["--yes"])
            expectFailure(try store.run("erase", first, "--participant", "P07", "--reason", "withdrawn", "--yes"), status: 2, mentioning: ["not both"])
            _ = expectSuccess(try store.run("erase", "--participant", "P07", "--reason", "consent withdrawn", "--yes"))
            #expect(try store.show(first)["erased"] as? Bool == true && (try store.show(second)["erased"] as? Bool) == true)
            #expect(try store.show(other)["erased"] as? Bool == false)
            let passages = try store.run("passage", "list", "--format", "json")
            #expect(try parseArray(passages.stdout).isEmpty, "the passage went with its note")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: store.path))
            #expect(bytes.range(of: Data("marmelwombat".utf8)) == nil && bytes.range(of: Data("quokkaparticipant".utf8)) == nil)
            let event = try #require(try Self.audit(store).last)
            #expect(event["action"] as? String == "erase-participant" && (event["counts"] as? String ?? "").hasPrefix("notes=2"))
        }
    }

    /// Two people gave one note different participants at once: the note is
    /// held about each of them, whichever value shows, so subject access
    /// gives it to both and an erasure for either erases it (an IG lead found
    /// the value not shown reported as "nothing is held").
    @Test func aNoteGivenTwoParticipantsAtOnceIsHeldAboutBoth() throws {
        try Sandbox.with { sandbox in
            let alice = try sandbox.makeStore("alice.sqlite", device: "alice-laptop")
            let bob = try sandbox.makeStore("bob.sqlite", device: "bob-laptop")
            let note = try alice.add("--title", "Visit", "--body", "quokkaconcurrent words", "--participant", "P-0")
            try AnalysisCommandTests.deliver(from: alice, to: bob)
            _ = expectSuccess(try alice.run("edit", note, "--participant", "P-ALPHA"))
            _ = expectSuccess(try bob.run("edit", note, "--participant", "P-BETA"))
            try AnalysisCommandTests.deliver(from: alice, to: bob)
            try AnalysisCommandTests.deliver(from: bob, to: alice)
            #expect(try alice.digest() == (try bob.digest()))
            for pseudonym in ["P-ALPHA", "P-BETA"] {
                let out = sandbox.path("sar-\(pseudonym).json")
                _ = expectSuccess(try alice.run("subject-access", pseudonym, "--out", out, "--purpose", "SAR", "--recipient", "the participant"))
                let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
                #expect((document["notes"] as? [[String: Any]])?.map { $0["id"] as? String } == [note], "for \(pseudonym)")
            }
            _ = expectSuccess(try bob.run("erase", "--participant", "p-alpha", "--reason", "consent withdrawn", "--yes"))
            #expect(try bob.show(note)["erased"] as? Bool == true)
        }
    }

    /// Erasing one note by id once left no trace in the audit trail, while
    /// erasing a participant's notes did: now both add one event, alike.
    @Test func eraseByIdIsAuditedLikeEraseByParticipant() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore(device: "field-laptop")
            _ = expectSuccess(try store.run("config", "--user", "Jo Bloggs"))
            let note = try store.add("--title", "Visit", "--body", "the bus is late again", "--participant", "P07")
            let kept = try store.add("--title", "Other", "--participant", "P08")
            _ = expectSuccess(try store.run("theme", "add", "transport"))
            _ = expectSuccess(try store.run("code", note, "--theme", "transport", "--quote", "the bus"))
            #expect(try Self.audit(store).isEmpty)
            let erased = expectSuccess(try store.run("erase", String(note.prefix(8)), "--reason", "consent withdrawn", "--yes"))
            #expect(erased.output == note)
            let events = try Self.audit(store)
            try #require(events.count == 1, "\(events)")
            let event = events[0]
            #expect(event["action"] as? String == "erase")
            #expect(event["format"] as? String == "-")
            #expect(event["filters"] as? String == "note=\(note)")
            #expect(event["counts"] as? String == "notes=1 records=2", "the note and its passage")
            #expect(event["purpose"] as? String == "consent withdrawn")
            #expect(event["by"] as? String == "Jo Bloggs on field-laptop")
            #expect(event["path"] as? String == store.path)
            #expect((event["at"] as? String)?.hasSuffix("Z") == true)
            // The same fields as an erase by participant's event.
            _ = expectSuccess(try store.run("erase", "--participant", "P08", "--reason", "consent withdrawn", "--yes"))
            let both = try Self.audit(store)
            #expect(both.map { $0["action"] as? String } == ["erase", "erase-participant"])
            #expect(Set(both[0].keys) == Set(both[1].keys) && both[1]["counts"] as? String == "notes=1 records=1")
            #expect(try store.show(kept)["erased"] as? Bool == true)
            let table = expectSuccess(try store.run("audit"))
            let row = table.stdout.split(separator: "\n").first { $0.contains("note=\(note)") }
            #expect(row.map { $0.contains("Jo Bloggs on field-laptop") && $0.contains(" erase ") && $0.contains("consent withdrawn") } == true, "\(table)")
        }
    }

    @Test func retentionListsFirstAndErasesOnlyWithYes() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let old = try store.add("--title", "Old visit", "--body", "quokkaretention words", "--at", "2020-01-15")
            let recent = try store.add("--title", "Recent visit")
            let digest = try store.digest()
            let dry = try store.run("retention", "--erase-older-than", "24m")
            expectSuccess(dry)
            #expect(dry.stdout.contains(String(old.prefix(8))) && dry.stdout.contains("dry run: 1 note") && !dry.stdout.contains(String(recent.prefix(8))))
            #expect(try store.digest() == digest, "a dry run changes nothing")
            expectFailure(try store.run("retention", "--erase-older-than", "soon"), status: 2, mentioning: ["24m"])
            _ = expectSuccess(try store.run("retention", "--erase-older-than", "24m", "--yes"))
            #expect(try store.show(old)["erased"] as? Bool == true)
            #expect(try store.show(recent)["erased"] as? Bool == false)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: store.path))
            #expect(bytes.range(of: Data("quokkaretention".utf8)) == nil)
            #expect(try Self.audit(store).last?["action"] as? String == "retention")
        }
    }

    @Test func auditEventsNameThePersonAndRefusedExportsAreRecorded() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            _ = expectSuccess(try store.run("config", "--user", "Jo Analyst"))
            _ = try store.add("--title", "Call", "--body", "Ring her on 07700 900123 about the lunch club.")
            let refused = try store.run("export", "csv", "--out", sandbox.path("out"), "--purpose", "board pack")
            #expect(refused.status == 1)
            var events = try Self.audit(store)
            #expect(events.last?["action"] as? String == "export-refused", "\(events)")
            #expect(events.last?["by"] as? String == "Jo Analyst on tester")
            #expect(events.last?["purpose"] as? String == "board pack")
            _ = expectSuccess(try store.run("export", "json", "--out", sandbox.path("out.ndjson"), "--redact", "--recipient", "ICB analytics"))
            events = try Self.audit(store)
            #expect(events.last?["action"] as? String == "export" && events.last?["recipient"] as? String == "ICB analytics")
        }
    }
}
