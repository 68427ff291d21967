import CRDT
import Export
import Foundation
import Store
import Testing
import TestSupport

/// The real binary, end to end: arguments, output, exit status.
@Suite struct ExportCLITests {
    /// Runs fieldnotes against the fixture's store.
    static func run(_ fixture: Fixture, _ arguments: String...) throws -> Execution {
        try FieldnotesBinary.run(store: fixture.store.path, arguments, home: fixture.directory.path)
    }

    static func expectOneLineFailure(_ run: Execution, status: Int32, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == status, "\(run)", sourceLocation: sourceLocation)
        #expect(run.stdout.isEmpty, "\(run)", sourceLocation: sourceLocation)
        #expect(run.stderrLines.count == 1 && run.stderr.hasPrefix("fieldnotes: error: "), "\(run)", sourceLocation: sourceLocation)
        for fragment in fragments { #expect(run.stderr.contains(fragment), "\(run)", sourceLocation: sourceLocation) }
    }

    @Test func exportWritesEachFormatAndSaysWhat() throws {
        try Fixture.with { fixture throws in
            for format in ["csv", "json", "qdpx", "report"] {
                let out = fixture.path("out-\(format)")
                let run = try Self.run(fixture, "export", format, "--out", out)
                #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
                #expect(run.stdout == "exported 4 notes (1 without text: consent), 4 themes, 3 insights, 2 decisions to \(out)\n", "\(run)")
                #expect(exists(out))
            }
            let audit = try Self.run(fixture, "audit", "--format", "json")
            #expect(audit.status == 0, "\(audit)")
            let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
            #expect(events.map { $0["format"] as? String } == ["csv", "json", "qdpx", "report"])
            #expect(events.allSatisfy { $0["by"] as? String == "analyst-laptop" && $0["action"] as? String == "export" })
            #expect(Set(events.first?.keys.map { $0 } ?? []) == ["id", "action", "format", "filters", "counts", "path", "by", "device", "at", "purpose", "recipient"])
            let table = try Self.run(fixture, "audit")
            #expect(table.status == 0 && table.stdout.hasPrefix("WHEN") && table.stdout.contains("analyst-laptop  export  qdpx"), "\(table)")
        }
    }

    @Test func identifiersAreListedWithoutTheirValuesAndNothingIsWritten() throws {
        try Fixture.with { fixture throws in
            let (note, theme) = try GovernanceTests.addIdentifiers(fixture)
            let out = fixture.path("out.csv")
            let run = try Self.run(fixture, "export", "csv", "--out", out)
            #expect(run.status == 1 && run.stdout.isEmpty, "\(run)")
            #expect(run.stderrLines == [
                "fieldnotes: note \(note.hex) body: NHS number",
                "fieldnotes: note \(note.hex) body: phone number",
                "fieldnotes: theme \(theme.hex) description: email address",
                "fieldnotes: error: found 3 direct identifiers in 2 records; nothing was written; edit them out, or export again with --redact "
                    + "to replace them, or with --allow-identifiers (recorded in the audit trail)",
            ], "\(run)")
            #expect(!exists(out))
            let redacted = try Self.run(fixture, "export", "csv", "--out", out, "--redact")
            #expect(redacted.status == 0 && redacted.stdout.contains("; 3 identifiers redacted to "), "\(redacted)")
            let allowed = try Self.run(fixture, "export", "json", "--out", fixture.path("all.ndjson"), "--allow-identifiers")
            #expect(allowed.status == 0, "\(allowed)")
            #expect(allowed.stderr == "fieldnotes: 3 direct identifiers were exported as written; this is recorded in the audit trail\n")
        }
    }

    @Test func scanListsHitsAndExitsOneOrReportsClean() throws {
        try Fixture.with { fixture throws in
            let clean = try Self.run(fixture, "scan")
            #expect(clean.status == 0 && clean.stderr == "fieldnotes: checked for \(IdentifierKind.checkedList); found none of these\n", "\(clean)")
            let (note, _) = try GovernanceTests.addIdentifiers(fixture)
            let dirty = try Self.run(fixture, "scan", "--format", "json", "--area", "Heneage")
            #expect(dirty.status == 1, "\(dirty)")
            // Themes are always exported whole, so the theme's email counts even in a Heneage export.
            #expect(dirty.stderr == "fieldnotes: error: found 3 direct identifiers in 2 records; edit them out, or export with --redact to replace them\n")
            let hits = try #require(try JSONSerialization.jsonObject(with: Data(dirty.stdout.utf8)) as? [[String: Any]])
            #expect(hits.map { $0["kind"] as? String } == ["nhs_number", "phone", "email"])
            #expect(hits.prefix(2).allSatisfy { $0["record"] as? String == note.hex && $0["field"] as? String == "body" && $0["count"] as? Int == 1 })
            #expect(hits.last?["type"] as? String == "theme" && hits.last?["field"] as? String == "description")
            #expect(!dirty.stdout.contains("943") && !dirty.stdout.contains("07700"))
        }
    }

    @Test func badInputFailsWithOneLineAndTheRightStatus() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("out")
            Self.expectOneLineFailure(try Self.run(fixture, "export", "pdf", "--out", out), status: 2, ["unknown export format 'pdf'", "--help"])
            Self.expectOneLineFailure(try Self.run(fixture, "export", "csv"), status: 2, ["export needs --out PATH"])
            Self.expectOneLineFailure(try Self.run(fixture, "export"), status: 2, ["'export' needs FORMAT"])
            Self.expectOneLineFailure(try Self.run(fixture, "export", "json", "--out", out, "--redact", "--allow-identifiers"), status: 2,
                                      ["--redact and --allow-identifiers contradict each other"])
            Self.expectOneLineFailure(try Self.run(fixture, "export", "json", "--out", out, "--theme", "weather"), status: 1,
                                      ["no theme is named 'weather'; themes are: Bereavement, Isolation, Transport, Money worries"])
            Self.expectOneLineFailure(try Self.run(fixture, "export", "json", "--out", out, "--since", "yesterday"), status: 1, ["not an ISO 8601 date"])
            Self.expectOneLineFailure(try Self.run(fixture, "export", "json", "--out", fixture.path("nowhere/out.ndjson")), status: 1,
                                      ["cannot write", "No such file or directory"])
            try Data("x".utf8).write(to: URL(fileURLWithPath: out))
            Self.expectOneLineFailure(try Self.run(fixture, "export", "json", "--out", out), status: 1, ["already exists", "--force"])
            let forced = try Self.run(fixture, "export", "json", "--out", out, "--force")
            #expect(forced.status == 0, "\(forced)")
        }
    }

    /// `--force` once replaced the store with the export; now the store, a
    /// device and a named pipe are refused with one line, and left alone.
    @Test func forceRefusesTheStoreADeviceAndAFIFO() throws {
        try Fixture.with { fixture throws in
            let digest = try fixture.store.digest()
            Self.expectOneLineFailure(try Self.run(fixture, "export", "json", "--out", fixture.store.path, "--force"), status: 1,
                                      ["\(fixture.store.path) is the store itself; choose another --out path; nothing was written"])
            let fifo = fixture.path("pipe")
            try #require(mkfifo(fifo, 0o600) == 0)
            Self.expectOneLineFailure(try Self.run(fixture, "export", "report", "--out", fifo, "--force"), status: 1,
                                      ["\(fifo) is a named pipe (FIFO), so --force will not replace it"])
            // A device: a node for /dev/null's device (1, 3) in the fixture's directory, where
            // the system allows making one (root, outside most containers' limits); never /dev/null itself.
            let device = fixture.path("null-device")
            if mknod(device, S_IFCHR | 0o600, 1 << 8 | 3) == 0 {
                Self.expectOneLineFailure(try Self.run(fixture, "export", "json", "--out", device, "--force"), status: 1,
                                          ["\(device) is a device, so --force will not replace it"])
                var info = stat()
                #expect(lstat(device, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
            }
            #expect(try Store.open(at: fixture.store.path).digest() == digest)
            #expect(try AuditTrail.entries(in: fixture.store).isEmpty)
        }
    }

    @Test func anEmptyExportSaysSoOnStandardError() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("empty")
            let run = try Self.run(fixture, "export", "csv", "--out", out, "--area", "Nowhere")
            #expect(run.status == 0, "\(run)")
            #expect(run.stdout == "exported 0 notes, 4 themes, 3 insights, 2 decisions to \(out)\n")
            #expect(run.stderr == "fieldnotes: no notes match the filters; the export holds no notes (tables keep their headers)\n")
        }
    }

    @Test func helpListsTheCommandsAndTheirOptions() throws {
        try Fixture.with { fixture throws in
            let help = try Self.run(fixture, "--help")
            for command in ["export", "scan", "audit"] { #expect(help.stdout.contains("\n  \(command) "), "\(command)") }
            let export = try Self.run(fixture, "export", "--help")
            #expect(export.status == 0)
            for option in ["--out PATH", "--since DATE", "--until DATE", "--area AREA", "--theme NAME", "--tag TAG", "--force", "--redact", "--allow-identifiers"] {
                #expect(export.stdout.contains(option), "\(option)")
            }
        }
    }
}
