import CRDT
import Export
import Foundation
import Store
import Testing

@Suite struct GovernanceTests {
    /// Every byte of an export written to disk, a QDPX archive's entries unpacked (`exportedContent`).
    static func exportBytes(_ fixture: Fixture, _ format: ExportFormat, options: ExportOptions = ExportOptions()) throws -> [UInt8] {
        let out = fixture.path("\(format.rawValue)-\(UUID().uuidString)")
        try fixture.exporter.write(format: format, to: out, options: options)
        return try exportedContent(out, format)
    }

    @Test(arguments: ExportFormat.allCases)
    func declinedWithdrawnAndErasedTextIsAbsentFromEveryFormat(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            let bytes = try Self.exportBytes(fixture, format)
            for secret in Fixture.secrets + ["DELETED-NOTE-TEXT"] { #expect(!contains(bytes, secret), "\(format): \(secret)") }
            #expect(contains(bytes, format == .report ? "Since the number 9 bus was cut" : "Number 9 bus cut"), "\(format) lost the text of a note with consent")
        }
    }

    @Test func aConcurrentDeclineIsHonouredEvenWhenGivenIsShown() throws {
        try Fixture.with { fixture throws in
            // bob-laptop, offline, recorded "declined" on the bus note while it shows "given" here.
            let op = CRDT.Operation(id: OperationID(origin: Fixture.bob, seq: 5), timestamp: Timestamp(physical: 1_000, logical: 0),
                                    record: Fixture.busCut, action: .assign(field: "consent", value: .text("declined"), replaces: []))
            try fixture.store.apply([op])
            #expect(try fixture.store.record(Fixture.busCut)?.value("consent") == .text("given"))
            let json = try fixture.render(.json)
            #expect(!json.contains("Since the number 9 bus"))
            #expect(!json.contains("No. 9 bus withdrawn"), "a conflicting title is text too")
        }
    }

    @Test(arguments: ExportFormat.allCases)
    func anExportAfterAnEraseShowsNoTraceOfTheErasedText(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            let id = Fixture.id("e4a5e")
            var input = Note.Input()
            input.title = "Mr K and the allotment"
            input.body = "UNIQUE-ALLOTMENT-STORY of the shed and the keys"
            input.area = "Scartho"
            input.tags = ["allotment-gossip"]
            input.consent = "given"
            try fixture.store.commit(try Note.changes(input, for: id, creating: true, nowSeconds: 1_795_000_000))
            if format != .report { #expect(contains(try Self.exportBytes(fixture, format), "UNIQUE-ALLOTMENT-STORY")) }
            try fixture.store.commit([.erase(id, reason: "consent withdrawn")])
            let bytes = try Self.exportBytes(fixture, format)
            for trace in ["UNIQUE-ALLOTMENT-STORY", "Mr K and the allotment", "allotment-gossip"] { #expect(!contains(bytes, trace), "\(format): \(trace)") }
        }
    }

    /// Adds a note whose body holds an NHS number and a phone number, and a theme whose description holds an email.
    static func addIdentifiers(_ fixture: Fixture) throws -> (note: RecordID, theme: RecordID) {
        let note = Fixture.id("1d1d"), theme = Fixture.id("7e1d")
        var input = Note.Input()
        input.title = "Referral details"
        input.body = "NHS 943 476 5919, mobile 07700 900123. Seen 2026-11-30, ucla3 = 7, in 2026."
        input.area = "Heneage"
        input.occurredAt = "2026-11-30"
        input.consent = "given"
        try fixture.store.commit(try Note.changes(input, for: note, creating: true, nowSeconds: 0))
        try fixture.store.commit([.create(theme, type: Theme.type), .assign(theme, field: "name", value: .text("Referrals")),
                                  .assign(theme, field: "description", value: .text("ask jo.bloggs@example.org"))])
        return (note, theme)
    }

    @Test func theFixtureHasNoIdentifiersDatesAndMeasuresAreNotMistakenForThem() throws {
        try Fixture.with { fixture throws in #expect(try fixture.exporter.scan().isEmpty) }
    }

    @Test(arguments: ExportFormat.allCases)
    func identifiersStopTheExportAndNothingIsWritten(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            let (note, theme) = try Self.addIdentifiers(fixture)
            let out = fixture.path("out")
            let before = try AuditTrail.entries(in: fixture.store).count
            let error = try #require(throws: ExportError.self) { try fixture.exporter.write(format: format, to: out) }
            #expect(error.isIdentifiersFound)
            #expect(Set(error.hits) == [IdentifierHit(record: note, type: "note", field: "body", kind: .nhsNumber),
                                        IdentifierHit(record: note, type: "note", field: "body", kind: .phone),
                                        IdentifierHit(record: theme, type: "theme", field: "description", kind: .email)])
            #expect(!error.description.contains("943") && !error.description.contains("07700") && !error.description.contains("jo.bloggs"))
            #expect(!exists(out))
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).filter { $0.contains("fieldnotes-tmp") }.isEmpty)
            // The refusal itself is recorded: someone tried to take identifiers out. It names no value.
            let entries = try AuditTrail.entries(in: fixture.store)
            #expect(entries.count == before + 1)
            #expect(entries.last?.action == "export-refused" && entries.last?.counts == "identifiers=3")
        }
    }

    @Test(arguments: ExportFormat.allCases)
    func redactReplacesIdentifiersWithPlaceholders(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            _ = try Self.addIdentifiers(fixture)
            let out = fixture.path("out")
            let summary = try fixture.exporter.write(format: format, to: out, options: ExportOptions(identifiers: .redact))
            #expect(summary.redacted == 3)
            let bytes = try exportedContent(out, format)
            for value in ["943 476 5919", "07700 900123", "jo.bloggs@example.org"] { #expect(!contains(bytes, value), "\(format): \(value)") }
            if format != .report {
                #expect(contains(bytes, "NHS [NHS number], mobile [phone]. Seen 2026-11-30, ucla3 = 7, in 2026."))
                #expect(contains(bytes, "ask [email]"))
            }
            let audit = try #require(try AuditTrail.entries(in: fixture.store).last)
            #expect(audit.counts.hasSuffix("redacted=3"))
        }
    }

    @Test func allowingIdentifiersIsRecordedWithWhoAndWhen() throws {
        try Fixture.with { fixture throws in
            _ = try Self.addIdentifiers(fixture)
            let out = fixture.path("out.ndjson")
            let summary = try fixture.exporter.write(format: .json, to: out, filter: ExportFilter(area: "Heneage"),
                                                     options: ExportOptions(identifiers: .allow))
            #expect(summary.allowed.count == 3)
            #expect(contains(try readBytes(out), "943 476 5919"))
            let entries = try AuditTrail.entries(in: fixture.store)
            #expect(entries.map(\.action) == ["export", "allow-identifiers"])
            let allowed = try #require(entries.last)
            #expect(allowed.counts == "nhs_number=1 phone=1 email=1")
            #expect(allowed.by == "analyst-laptop" && allowed.at == "2026-12-10T12:00:00Z" && allowed.format == "json")
            #expect(allowed.filters == "area=Heneage" && allowed.path.hasSuffix("/out.ndjson") && allowed.path.hasPrefix("/"))
        }
    }

    @Test func everyExportAppendsAnAuditEventThatIsAnOrdinaryRecord() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("report.html")
            let summary = try fixture.exporter.write(format: .report, to: out, filter: ExportFilter(since: "2026-11-01", theme: "isolation"))
            let entries = try AuditTrail.entries(in: fixture.store)
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.id == summary.audit)
            #expect(entry.action == "export" && entry.format == "report" && entry.by == "analyst-laptop" && entry.at == "2026-12-10T12:00:00Z")
            #expect(entry.filters == "since=2026-11-01 theme=isolation")
            #expect(entry.counts == "notes=2 withheld=1 themes=4 insights=3 decisions=2", "the withdrawn note is left out")
            #expect(entry.path == summary.path)
            let record = try #require(try fixture.store.record(entry.id))
            #expect(record.type == AuditEvent.type)
            // Purpose and recipient are set only when given.
            #expect(AuditEvent.fields.filter { !["purpose", "recipient"].contains($0) }.allSatisfy { record.value($0)?.text != nil })
        }
    }

    @Test(arguments: ExportFormat.allCases)
    func aWithdrawnParticipantsNotesAreLeftOutAltogetherUnlessTheirMetadataIsAskedFor(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            // The withdrawn note: area Heneage, tagged isolation, dated 20 Nov; its id must appear nowhere by default.
            let out = fixture.path("default-\(format.rawValue)")
            let summary = try fixture.exporter.write(format: format, to: out)
            #expect(summary.notes == 4)
            let everything = try files(under: out).map { String(decoding: $0.1, as: UTF8.self) }.joined()
            #expect(!everything.contains(Fixture.withdrawn.hex) && !everything.contains("Withdrawn note title"))
            let kept = fixture.path("metadata-\(format.rawValue)")
            let withMetadata = try fixture.exporter.write(format: format, to: kept, filter: ExportFilter(includeWithdrawnMetadata: true))
            #expect(withMetadata.notes == 5 && withMetadata.withheld == 2)
            #expect(!(try files(under: kept).map { String(decoding: $0.1, as: UTF8.self) }.joined()).contains("SECRET-WITHDRAWN-BODY"))
            #expect(try AuditTrail.entries(in: fixture.store).last?.filters == "withdrawn=metadata")
        }
    }

    @Test func scanFindsWhatTheExportWouldHoldOnly() throws {
        try Fixture.with { fixture throws in
            _ = try Self.addIdentifiers(fixture)
            #expect(try fixture.exporter.scan().count == 3)
            // The note is in Heneage; a Scartho export holds only the theme's email.
            #expect(try fixture.exporter.scan(filter: ExportFilter(area: "Scartho")).map(\.kind) == [.email])
        }
    }

    @Test func aDeviceNameIsScannedBecauseItIsExportedAsAnAuthor() throws {
        try Fixture.with { fixture throws in
            let device = RecordID(bytes: Fixture.bob.bytes)!
            let op = CRDT.Operation(id: OperationID(origin: Fixture.bob, seq: 5), timestamp: Timestamp(physical: Fixture.storeMillis, logical: 9),
                                    record: device, action: .assign(field: "name", value: .text("bob@example.org"), replaces: []))
            try fixture.store.apply([op])
            #expect(try fixture.exporter.scan().contains(IdentifierHit(record: device, type: "device", field: "name", kind: .email)))
        }
    }
}
