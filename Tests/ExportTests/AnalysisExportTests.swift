import Analysis
import CRDT
import Export
import Formats
import Foundation
import Store
import Testing
import TestSupport

/// note_themes, passages and memos in the CSV and NDJSON exports: the same
/// rows under the same names in both, and the consent, scope and identifier
/// rules every other record follows.
@Suite struct AnalysisExportTests {
    struct Coded {
        let store: Store
        let directory: URL
        var ids: [String: RecordID] = [:]

        subscript(_ name: String) -> RecordID { ids[name] ?? RecordID(high: 0, low: 0) }

        var exporter: Exporter { Exporter(store: store, clock: { 1_796_904_000_000 }) }

        /// The files of an export, by name ("" for a single-file format); the phone
        /// number in one note is let through unless asked otherwise.
        func render(_ format: ExportFormat, filter: ExportFilter = ExportFilter(), identifiers: IdentifierPolicy = .allow) throws -> [String: String] {
            Dictionary(try exporter.render(format: format, filter: filter, identifiers: identifiers).map { ($0.name, String(decoding: $0.bytes, as: UTF8.self)) },
                       uniquingKeysWith: { first, _ in first })
        }
    }

    static func with(_ body: (Coded) throws -> Void) throws {
        let temporary = try TemporaryDirectory.make(prefix: "fieldnotes-analysis-export")
        defer { temporary.remove() }
        let directory = temporary.url
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path, name: "alice-laptop")
        var coded = Coded(store: store, directory: directory)
        func theme(_ name: String, parent: String? = nil) throws {
            let id = try Store.newRecordID()
            var changes: [Change] = [.create(id, type: Theme.type), .assign(id, field: "name", value: .text(name))]
            if let parent { changes.append(.assign(id, field: "parent", value: .text(coded[parent].hex))) }
            try store.commit(changes)
            coded.ids[name] = id
        }
        func note(_ name: String, _ body: String, area: String, consent: String = "given", tags: [String] = [], participant: String = "P00") throws {
            let id = try Store.newRecordID()
            try store.commit([.create(id, type: Note.type), .assign(id, field: "title", value: .text(name)),
                              .assign(id, field: "participant", value: .text(participant)),
                              .assign(id, field: "area", value: .text(area)), .assign(id, field: "consent", value: .text(consent)),
                              .assign(id, field: "occurred_at", value: .text("2026-11-0\(coded.ids.count % 9 + 1)T10:00:00Z")),
                              .editText(id, field: "body", text: body)] + tags.map { .add(id, set: Note.tagSet, element: .text($0)) })
            coded.ids[name] = id
        }
        func code(_ name: String, _ note: String, _ quote: String, _ theme: String, by coder: String = "alice-laptop") throws {
            let id = try Store.newRecordID()
            try store.commit(try Passages.code(.quote(quote), of: coded[note], theme: coded[theme], coder: coder, now: "2026-12-01T10:00:00Z", in: store, id: id))
            coded.ids[name] = id
        }
        func memo(_ name: String, _ text: String, about target: String) throws {
            let id = try Store.newRecordID()
            try store.commit(try Memos.adding(text, about: try Memos.target(target, in: store), author: "alice-laptop", now: "2026-12-02T10:00:00Z", id: id))
            coded.ids[name] = id
        }
        try theme("transport")
        try theme("bus-routes", parent: "transport")
        try theme("isolation")
        try note("bus", "The 9 bus never came, so she missed the lunch club.", area: "East Marsh", tags: ["isolation"], participant: "p07")
        try note("phone", "Call her daughter on 07700 900123 about the 9 bus.", area: "East Marsh")
        try note("declined", "SECRET-DECLINED-WORDS about the bus.", area: "East Marsh", consent: "declined")
        try note("elsewhere", "The minibus in Heneage runs on Tuesdays.", area: "Heneage")
        for (name, kind, choices) in [("age_band", CaseAttributeDefinition.Kind.choice, "under 50,50-64,65-79,80+"),
                                      ("lives_alone", .boolean, nil), ("children", .number, nil)] {
            try store.commit(try Cases.load(store).defining(name: name, kind: kind, choices: choices, description: nil, id: try Store.newRecordID()))
        }
        for (pseudonym, values) in [("P07", ["age_band=65-79", "lives_alone=yes"]), ("P99", ["children=2"])] {
            let id = try Store.newRecordID()
            try store.commit(try Cases.load(store).adding(pseudonym, assignments: values, id: id))
            coded.ids[pseudonym] = id
        }
        try code("bus-passage", "bus", "9 bus", "bus-routes")
        try code("lunch-passage", "bus", "lunch club", "isolation", by: "bob-laptop")
        try code("phone-passage", "phone", "900123 about the 9", "transport")
        try code("declined-passage", "declined", "SECRET-DECLINED-WORDS", "transport")
        try code("gone-passage", "elsewhere", "minibus", "transport")
        try store.commit([.editText(coded["elsewhere"], field: "body", text: "The  in Heneage runs on Tuesdays.")])
        try memo("theme-memo", "Transport comes up everywhere.", about: coded["transport"].hex)
        try memo("note-memo", "Ask about the 9 bus timetable.", about: coded["bus"].hex)
        try memo("passage-memo", "This is the heart of it.", about: coded["bus-passage"].hex)
        try memo("declined-memo", "SECRET-DECLINED-MEMO", about: coded["declined"].hex)
        try memo("declined-passage-memo", "SECRET-DECLINED-PASSAGE-MEMO", about: coded["declined-passage"].hex)
        try memo("elsewhere-memo", "Heneage has a minibus.", about: coded["elsewhere"].hex)
        try memo("case-memo", "Lives alone since May.", about: coded["P07"].hex)
        try memo("other-case-memo", "Never interviewed.", about: coded["P99"].hex)
        try memo("deleted-memo", "DELETED-MEMO", about: coded["bus"].hex)
        try store.commit([.assign(coded["deleted-memo"], field: "deleted", value: .bool(true))])
        try body(coded)
    }

    /// A CSV table as rows of column → cell.
    static func rows(_ csv: String?) throws -> [[String: String]] {
        let records = try CSVReader.records(try #require(csv)).map(\.fields)
        guard let header = records.first else { return [] }
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// NDJSON lines of `type` as column → cell, written as the CSV writes cells.
    static func lines(_ ndjson: String?, _ type: String) throws -> [[String: String]] {
        try (ndjson ?? "").split(separator: "\n").compactMap { line in
            guard case .object(let members) = try JSONParser.parse(String(line)),
                  members.contains(where: { $0.0 == "type" && $0.1 == .string(type) }) else { return nil }
            var row: [String: String] = [:]
            for (key, value) in members where key != "type" {
                switch value {
                case .null: row[key] = ""
                case .bool(let bool): row[key] = bool ? "true" : "false"
                case .number(let number): row[key] = number.text
                case .string(let text): row[key] = text
                case .array, .object: row[key] = value.serialized()
                }
            }
            return row
        }
    }

    @Test func noteThemesPassagesAndMemosAreTheSameRowsUnderTheSameNamesInCSVAndNDJSON() throws {
        try Self.with { coded in
            let csv = try coded.render(.csv)
            let ndjson = try coded.render(.json)[""]
            for (table, type) in [("note_themes", "note_theme"), ("passages", "passage"), ("memos", "memo"), ("cases", "case")] {
                let fromCSV = try Self.rows(csv[table + ".csv"])
                // A case's attributes are case_attributes.csv's rows, as a note's measures are note_measures.csv's.
                let fromJSON = try Self.lines(ndjson, type).map { $0.filter { !["attributes", "deleted", "erased", "conflicts"].contains($0.key) } }
                #expect(!fromCSV.isEmpty, "\(table) has rows")
                #expect(fromCSV == fromJSON, "\(table): CSV \(fromCSV) NDJSON \(fromJSON)")
            }
            // A theme's parent is parent_id in both, and the same.
            let themes = try Self.rows(csv["themes.csv"])
            let themeLines = try Self.lines(ndjson, "theme")
            for theme in themes {
                #expect(themeLines.first { $0["id"] == theme["id"] }?["parent_id"] == theme["parent_id"])
            }
            #expect(themes.first { $0["name"] == "bus-routes" }?["parent_id"] == coded["transport"].hex)
            let attributes = try Self.rows(csv["case_attributes.csv"]).map { [$0["case_id"] ?? "", $0["attribute"] ?? "", $0["value"] ?? ""] }
            #expect(attributes == [[coded["P07"].hex, "age_band", "65-79"], [coded["P07"].hex, "lives_alone", "true"]])
            #expect(try Self.lines(ndjson, "case").first?["attributes"] == #"{"age_band":"65-79","lives_alone":true}"#)
        }
    }

    @Test func theCasesOfTheExportedNotesAreExportedWithTheirMemos() throws {
        try Self.with { coded in
            let csv = try coded.render(.csv)
            #expect(try Self.rows(csv["cases.csv"]) == [["id": coded["P07"].hex, "pseudonym": "P07"]],
                    "P07 is the participant of an exported note (ignoring case); P99 has no notes")
            let memos = try Self.rows(csv["memos.csv"]).compactMap { $0["id"] }
            #expect(memos.contains(coded["case-memo"].hex) && !memos.contains(coded["other-case-memo"].hex))
            let heneage = try coded.render(.csv, filter: ExportFilter(area: "Heneage"))
            #expect(try Self.rows(heneage["cases.csv"]).isEmpty && !(try Self.rows(heneage["memos.csv"]).contains { $0["id"] == coded["case-memo"].hex }))
        }
    }

    @Test func noteThemesSayHowEachNoteIsCoded() throws {
        try Self.with { coded in
            let rows = try Self.rows(try coded.render(.csv)["note_themes.csv"]).map { [$0["note_id"] ?? "", $0["theme_id"] ?? "", $0["how"] ?? ""] }
            #expect(rows.contains([coded["bus"].hex, coded["isolation"].hex, "tag"]), "a tag and a passage: tag")
            #expect(rows.contains([coded["bus"].hex, coded["bus-routes"].hex, "passage"]))
            #expect(rows.contains([coded["bus"].hex, coded["transport"].hex, "inherited"]))
            #expect(rows.contains([coded["phone"].hex, coded["transport"].hex, "passage"]))
            #expect(!rows.contains { $0[0] == coded["elsewhere"].hex }, "a passage whose words are all gone codes nothing")
            #expect(rows.count == 5, "\(rows)")
        }
    }

    @Test func passageWordsAreWithheldGoneOrRedactedAndPointIntoTheExportedBody() throws {
        try Self.with { coded in
            let csv = try coded.render(.csv, identifiers: .redact)
            let passages = Dictionary(uniqueKeysWithValues: try Self.rows(csv["passages.csv"]).map { ($0["id"] ?? "", $0) })
            let notes = Dictionary(uniqueKeysWithValues: try Self.rows(csv["notes.csv"]).map { ($0["id"] ?? "", $0) })
            #expect(passages.count == 5)
            let bus = try #require(passages[coded["bus-passage"].hex])
            #expect(bus["text"] == "9 bus" && bus["start"] == "4" && bus["end"] == "9" && bus["coder"] == "alice-laptop")
            #expect(bus["note_id"] == coded["bus"].hex && bus["theme_id"] == coded["bus-routes"].hex && bus["coded_at"] == "2026-12-01T10:00:00Z")
            #expect(passages[coded["lunch-passage"].hex]?["coder"] == "bob-laptop")
            for withheld in ["declined-passage", "gone-passage"] {
                let row = try #require(passages[coded[withheld].hex])
                #expect(row["start"] == "" && row["end"] == "" && row["text"] == "", "\(withheld): \(row)")
            }
            // The passage starts inside the phone number: it takes in the whole placeholder,
            // and its offsets are in the redacted body notes.csv holds.
            let phone = try #require(passages[coded["phone-passage"].hex])
            #expect(phone["text"] == "[phone] about the 9", "\(phone)")
            let body = Array((notes[coded["phone"].hex]?["body"] ?? "").unicodeScalars)
            let start = try #require(Int(phone["start"] ?? "")), end = try #require(Int(phone["end"] ?? ""))
            #expect(String(String.UnicodeScalarView(body[start..<end])) == phone["text"])
            for file in csv.values { #expect(!file.contains("900123") && !file.contains("SECRET-DECLINED")) }
        }
    }

    @Test func memosFollowTheExportsScopeConsentAndIdentifierRules() throws {
        try Self.with { coded in
            let all = Dictionary(uniqueKeysWithValues: try Self.rows(try coded.render(.csv)["memos.csv"]).map { ($0["id"] ?? "", $0) })
            #expect(Set(all.keys) == Set(["theme-memo", "note-memo", "passage-memo", "declined-memo", "declined-passage-memo", "elsewhere-memo",
                                          "case-memo"].map { coded[$0].hex }),
                    "a deleted memo is not exported")
            let passageMemo = try #require(all[coded["passage-memo"].hex])
            #expect(passageMemo["target_id"] == coded["bus-passage"].hex && passageMemo["target_type"] == "passage")
            #expect(passageMemo["author"] == "alice-laptop" && passageMemo["written_at"] == "2026-12-02T10:00:00Z")
            #expect(passageMemo["body"] == "This is the heart of it." && passageMemo["text_withheld"] == "false")
            for withheld in ["declined-memo", "declined-passage-memo"] {
                #expect(all[coded[withheld].hex]?["text_withheld"] == "true" && all[coded[withheld].hex]?["body"] == "")
            }
            // Memos on notes out of scope stay out; memos on themes go with the codebook, whole.
            let eastMarsh = try Self.rows(try coded.render(.csv, filter: ExportFilter(area: "East Marsh"))["memos.csv"]).compactMap { $0["id"] }
            #expect(!eastMarsh.contains(coded["elsewhere-memo"].hex) && eastMarsh.contains(coded["theme-memo"].hex) && eastMarsh.count == 6)
            // No format lets a withheld or deleted memo's words out.
            for format in ExportFormat.allCases {
                for (name, text) in try coded.render(format) {
                    for secret in ["SECRET-DECLINED-MEMO", "SECRET-DECLINED-PASSAGE-MEMO", "DELETED-MEMO"] {
                        #expect(!text.contains(secret), "\(format) \(name) holds \(secret)")
                    }
                }
            }
        }
    }

    @Test func anIdentifierInAMemoStopsTheExportUnlessRedacted() throws {
        try Self.with { coded in
            let memo = try Store.newRecordID()
            try coded.store.commit(try Memos.adding("Her son is on sam.jones@example.org", about: try Memos.target("isolation", in: coded.store),
                                                    author: "alice-laptop", now: "2026-12-02T10:00:00Z", id: memo))
            do {
                _ = try coded.render(.csv, identifiers: .refuse)
                Issue.record("the export was written with an email address in a memo")
            } catch let error as ExportError {
                #expect(error.isIdentifiersFound && error.hits.contains { $0.record == memo && $0.type == Memo.type && $0.field == "body" })
            }
            let redacted = try Self.rows(try coded.render(.csv, identifiers: .redact)["memos.csv"]).first { $0["id"] == memo.hex }
            #expect(redacted?["body"] == "Her son is on [email]")
        }
    }
}
