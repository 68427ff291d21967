import Analysis
import CRDT
@testable import Export
import Formats
import Foundation
import Store
import Testing
import TestSupport

/// Start tags of a project.qde, read by hand: enough to find elements and their attributes.
enum QDE {
    struct Element {
        let name: String
        let attributes: [String: String]
        /// The element's text up to its end tag (empty for an empty element).
        let inner: Substring

        subscript(_ attribute: String) -> String? { attributes[attribute] }
    }

    /// Every `name` element in `xml`, in document order.
    static func elements(_ name: String, in xml: Substring) -> [Element] {
        var found: [Element] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)") {
            let after = rest[open.upperBound...]
            guard let first = after.first, first == " " || first == ">" || first == "/", let close = after.firstIndex(of: ">") else {
                rest = after
                continue
            }
            let tag = after[..<close]
            let isEmpty = tag.hasSuffix("/")
            var inner: Substring = ""
            if !isEmpty, let end = after.range(of: "</\(name)>") { inner = after[after.index(after: close) ..< end.lowerBound] }
            found.append(Element(name: name, attributes: attributes(isEmpty ? tag.dropLast() : tag), inner: inner))
            rest = after[close...]
        }
        return found
    }

    static func elements(_ name: String, in xml: String) -> [Element] { elements(name, in: xml[...]) }

    static func attributes(_ tag: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = tag
        while let equals = rest.range(of: "=\"") {
            let name = rest[..<equals.lowerBound].split(separator: " ").last.map(String.init) ?? ""
            let valueStart = equals.upperBound
            guard let quote = rest[valueStart...].firstIndex(of: "\"") else { break }
            result[name] = String(rest[valueStart ..< quote]).replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
            rest = rest[rest.index(after: quote)...]
        }
        return result
    }

    /// The words a selection spans in its source's text (positions in Unicode code points).
    static func words(_ selection: Element, in text: String) -> String? {
        guard let start = selection["startPosition"].flatMap(Int.init), let end = selection["endPosition"].flatMap(Int.init),
              0 <= start, start <= end else { return nil }
        let scalars = Array(text.unicodeScalars)
        guard end <= scalars.count else { return nil }
        return String(String.UnicodeScalarView(scalars[start ..< end]))
    }
}

/// Coded passages in the REFI-QDA project, and what QualCoder's importer
/// needs: users and dates on everything, journals, cases linked to sources,
/// unique names.
@Suite struct QDPXPassageTests {
    /// The fixture's body of the bus note.
    static let busBody = "Since the number 9 bus was cut she only gets out when her son drives over. She misses the lunch club."

    /// Codes `words` (which must occur once in the body) of `note` with `theme` on `store`; returns the passage's id.
    @discardableResult
    static func code(_ words: String, of note: RecordID, _ theme: RecordID, on store: Store) throws -> RecordID {
        let id = try Store.newRecordID()
        try store.commit(try Passages.code(.quote(words), of: note, theme: theme, coder: try store.name, now: "2026-12-09T10:00:00Z",
                                           in: store, id: id))
        return id
    }

    /// Hands `target` every operation `source` holds that it lacks.
    static func deliver(from source: Store, to target: Store) throws {
        for range in try source.versionVector().missing(from: try target.versionVector()) {
            try target.apply(try source.operations(range, limit: Int(range.count)))
        }
    }

    static func project(_ fixture: Fixture, redact: Bool = false) throws -> QDPXExport.Project {
        let data = try ExportDataset.load(fixture.store, filter: ExportFilter(), now: Int64(Fixture.exportMillis / 1000))
        return QDPXExport.project(redact ? data.redacted() : data)
    }

    static func text(_ project: QDPXExport.Project, _ note: RecordID) throws -> String {
        try #require(project.files.first { $0.path == "Sources/\(GUID.of(note)).txt" }).text
    }

    static func selection(_ project: QDPXExport.Project, _ passage: RecordID) throws -> QDE.Element {
        try #require(QDE.elements("PlainTextSelection", in: project.xml).first { $0["guid"] == GUID.of(passage) }, "no selection for \(passage.short)")
    }

    @Test func passagesLandOnTheirWordsAfterConcurrentEditsOnTwoDevices() throws {
        try Fixture.with { fixture throws in
            let analyst = fixture.store
            let coder = try Store.create(at: fixture.path("coder.sqlite"), name: "coder-laptop")
            try Self.deliver(from: analyst, to: coder)
            // Offline on both: each codes passages of the same two notes and edits those bodies around them.
            let bus = try Self.code("the number 9 bus was cut", of: Fixture.busCut, Fixture.transport, on: analyst)
            try analyst.commit([.editText(Fixture.busCut, field: "body", text: "Visited twice. " + Self.busBody)])
            let evenings = try Self.code("naïve 😀", of: Fixture.evenings, Fixture.bereavement, on: analyst)
            try coder.commit([.editText(Fixture.busCut, field: "body", text: Self.busBody.replacingOccurrences(of: "her son", with: "her eldest son"))])
            let lunch = try Self.code("She misses the lunch club.", of: Fixture.busCut, Fixture.isolation, on: coder)
            try coder.commit([.appendText(Fixture.evenings, field: "body", text: "\r\nHe laughed about the 😀 later.")])
            let quietly = try Self.code("then, quietly", of: Fixture.evenings, Fixture.bereavement, on: coder)
            try Self.deliver(from: analyst, to: coder)
            try Self.deliver(from: coder, to: analyst)
            #expect(try analyst.digest() == coder.digest())
            #expect(try analyst.record(Fixture.busCut)?.value("body")?.text
                    == "Visited twice. Since the number 9 bus was cut she only gets out when her eldest son drives over. She misses the lunch club.")

            let project = try Self.project(fixture)
            #expect(project.passages == QDPXExport.PassageCounts(exported: 4))
            let users = Dictionary(uniqueKeysWithValues: QDE.elements("User", in: project.xml).compactMap { user in user["name"].map { ($0, user["guid"] ?? "") } })
            for (passage, note, words, theme, by) in [(bus, Fixture.busCut, "the number 9 bus was cut", Fixture.transport, "analyst-laptop"),
                                                      (lunch, Fixture.busCut, "She misses the lunch club.", Fixture.isolation, "coder-laptop"),
                                                      (evenings, Fixture.evenings, "naïve 😀", Fixture.bereavement, "analyst-laptop"),
                                                      (quietly, Fixture.evenings, "then, quietly", Fixture.bereavement, "coder-laptop")] {
                let selection = try Self.selection(project, passage)
                #expect(QDE.words(selection, in: try Self.text(project, note)) == words)
                #expect(selection["creatingUser"] == users[by] && users[by] != nil, "\(words)")
                #expect(selection["creationDateTime"] == "2026-12-09T10:00:00Z")
                let coding = try #require(QDE.elements("Coding", in: selection.inner).first)
                #expect(coding["creatingUser"] == users[by] && coding["creationDateTime"] == "2026-12-09T10:00:00Z")
                #expect(QDE.elements("CodeRef", in: selection.inner).map { $0["targetGUID"] } == [GUID.of(theme)])
            }
            // The CRLFs of the evenings note are LF in the source, as QualCoder reads it, and the positions count so.
            let evening = try Self.text(project, Fixture.evenings)
            #expect(!evening.contains("\r") && evening.hasSuffix("naïve 😀 <b>&amp;\nHe laughed about the 😀 later."))
            let quiet = try Self.selection(project, quietly)
            #expect(quiet["startPosition"] == "\(Array(evening.unicodeScalars).firstRange(of: Array("then, quietly".unicodeScalars))?.lowerBound ?? -1)")
        }
    }

    /// Memos travel as the Description QualCoder reads as a memo: on the
    /// note's source, the passage's selection and the theme's code; never a
    /// memo withheld with its note's words.
    @Test func memosAreDescriptionsOfWhatTheyAreAbout() throws {
        try Fixture.with { fixture throws in
            let store = fixture.store
            let passage = Fixture.id("9b01")
            try store.commit(try Passages.code(.quote("she only gets out when her son drives over"), of: Fixture.busCut, theme: Fixture.transport,
                                               coder: "ana", now: "2026-12-01T10:00:00Z", in: store, id: passage))
            func memo(_ body: String, _ target: RecordID, _ type: String, _ n: String) throws {
                try store.commit(try Memos.adding(body, about: Memos.Target(id: target, type: type), author: "ana", now: "2026-12-02T09:00:00Z", id: Fixture.id(n)))
            }
            try memo("Follow up with the son.", Fixture.busCut, Note.type, "9c01")
            try memo("Strong example of dependence on family lifts.", passage, Passage.type, "9c02")
            try memo("Includes community transport.", Fixture.transport, Theme.type, "9c03")
            try memo("SECRET-MEMO-ON-DECLINED", Fixture.declined, Note.type, "9c04")
            let project = try Self.project(fixture)
            let source = try #require(QDE.elements("TextSource", in: project.xml).first { $0["guid"] == GUID.of(Fixture.busCut) })
            #expect(source.inner.contains("Memo by ana, 2026-12-02T09:00:00Z: Follow up with the son."))
            #expect(try Self.selection(project, passage).inner.contains("<Description>Memo by ana, 2026-12-02T09:00:00Z: Strong example of dependence on family lifts.</Description>"))
            let code = try #require(QDE.elements("Code", in: project.xml).first { $0["guid"] == GUID.of(Fixture.transport) })
            #expect(code.inner.contains("Memo by ana, 2026-12-02T09:00:00Z: Includes community transport."))
            #expect(!project.xml.contains("SECRET-MEMO-ON-DECLINED"))
        }
    }

    @Test func passagesOfWithheldOrDeletedWordsAreLeftOutAndCounted() throws {
        try Fixture.with { fixture throws in
            try fixture.store.commit(try Passages.code(.range(0 ..< 6), of: Fixture.declined, theme: Fixture.transport, coder: "analyst-laptop",
                                                       now: "2026-12-09T10:00:00Z", in: fixture.store, id: try Store.newRecordID()))
            let gone = try Self.code("Her grandson helps", of: Fixture.gpOnline, Fixture.isolation, on: fixture.store)
            try fixture.store.commit([.editText(Fixture.gpOnline, field: "body", text: "Can't book the GP online. on Sundays.")])
            let kept = try Self.code("Can't book the GP online.", of: Fixture.gpOnline, Fixture.isolation, on: fixture.store)
            let project = try Self.project(fixture)
            #expect(project.passages == QDPXExport.PassageCounts(exported: 1, withheld: 1, allDeleted: 1))
            #expect(QDE.words(try Self.selection(project, kept), in: try Self.text(project, Fixture.gpOnline)) == "Can't book the GP online.")
            #expect(!project.xml.contains(GUID.of(gone)))
            #expect(project.xml.contains("1 coded passage is a selection; left out: 1 of notes whose text is withheld, 1 whose words have all been deleted."))
            for secret in Fixture.secrets + ["about the bench", "SECRET"] {
                #expect(!project.xml.contains(secret) && !project.files.contains { $0.text.contains(secret) }, "\(secret)")
            }
        }
    }

    @Test func passagesAreMappedThroughRedactedIdentifiers() throws {
        try Fixture.with { fixture throws in
            let note = Fixture.id("1d2d")
            var input = Note.Input()
            input.title = "Call back 07700 900123"
            input.body = "Ring 07700 900123 or email jo@example.org about the lunch club, then 01472 313131 again."
            input.consent = "given"
            try fixture.store.commit(try Note.changes(input, for: note, creating: true, nowSeconds: 1_795_000_000))
            let lunch = try Self.code("about the lunch club", of: note, Fixture.isolation, on: fixture.store)
            let across = try Self.code("900123 or email jo", of: note, Fixture.transport, on: fixture.store)   // starts and ends inside identifiers
            let project = try Self.project(fixture, redact: true)
            let text = try Self.text(project, note)
            #expect(text == "Call back [phone]\n\nRing [phone] or email [email] about the lunch club, then [phone] again.")
            #expect(QDE.words(try Self.selection(project, lunch), in: text) == "about the lunch club")
            #expect(QDE.words(try Self.selection(project, across), in: text) == "[phone] or email [email]")
            #expect(!project.xml.contains("07700") && !project.xml.contains("jo@example.org"))
        }
    }

    @Test func placementMapsOffsetsThroughReplacements() {
        // "ab[phone]cd" from "ab0770cd": the phone number 2..<6 became 7 scalars.
        let phone = IdentifierScanner.Match(kind: .phone, range: 2 ..< 6)
        #expect(PassagePlacement.mapped(0 ..< 2, through: [phone]) == 0 ..< 2)
        #expect(PassagePlacement.mapped(6 ..< 8, through: [phone]) == 9 ..< 11)
        #expect(PassagePlacement.mapped(1 ..< 7, through: [phone]) == 1 ..< 10)
        #expect(PassagePlacement.mapped(3 ..< 5, through: [phone]) == 2 ..< 9)
        #expect(PassagePlacement.mapped(3 ..< 8, through: [phone]) == 2 ..< 11)
        #expect(PassagePlacement.mapped(2 ..< 6, through: [phone]) == 2 ..< 9)
        let email = IdentifierScanner.Match(kind: .email, range: 8 ..< 20)   // 12 scalars became 7
        #expect(PassagePlacement.mapped(6 ..< 21, through: [phone, email]) == 9 ..< 19)
        #expect(QDPXExport.lineFeeds("a\r\nb\rc\n") == "a\nb\nc\n")
        #expect(QDPXExport.lineFeedOffset(4, in: Array("a\r\nbc".unicodeScalars)) == 3)
    }

    @Test func everySourceSelectionCodingAndNoteNamesAUserAndADate() throws {
        try Fixture.with { fixture throws in
            try Self.code("the number 9 bus was cut", of: Fixture.busCut, Fixture.transport, on: fixture.store)
            let project = try Self.project(fixture)
            let users = QDE.elements("User", in: project.xml)
            #expect(Set(users.compactMap { $0["name"] }) == ["analyst-laptop", "bob-laptop"])
            #expect(Set(users.compactMap { $0["guid"] }).count == users.count)
            let known = Set(users.compactMap { $0["guid"] })
            var checked = 0
            for name in ["TextSource", "PlainTextSelection", "Coding", "Note"] {
                for element in QDE.elements(name, in: project.xml) {
                    checked += 1
                    #expect(element["creatingUser"].map(known.contains) == true, "\(name) \(element.attributes)")
                    let date = try #require(element["creationDateTime"], "\(name) \(element.attributes)")
                    #expect(ISO8601.parse(date)?.text == date, "\(name): \(date)")
                }
            }
            #expect(checked > 20)
            #expect(project.xml.contains("creatingUserGUID=\"\(users.first { $0["name"] == "analyst-laptop" }?["guid"] ?? "-")\""))
        }
    }

    @Test func aCoderNoDeviceNamesIsStillAUser() throws {
        try Fixture.with { fixture throws in
            let id = try Store.newRecordID()
            try fixture.store.commit(try Passages.code(.quote("the lunch club"), of: Fixture.busCut, theme: Fixture.isolation,
                                                       coder: "old-name jo@example.org", now: "2026-12-09T10:00:00Z", in: fixture.store, id: id))
            // Scanned like any text an export writes, so refused unless --redact, which replaces it (as in CSV and NDJSON).
            let data = try ExportDataset.load(fixture.store, filter: ExportFilter(), now: Int64(Fixture.exportMillis / 1000))
            #expect(data.scan().contains(IdentifierHit(record: id, type: Passage.type, field: "coder", kind: .email)))
            let project = try Self.project(fixture, redact: true)
            let user = try #require(QDE.elements("User", in: project.xml).first { $0["name"] == "old-name [email]" }, "the coder, redacted")
            #expect(try Self.selection(project, id)["creatingUser"] == user["guid"])
            #expect(!project.xml.contains("jo@example.org"))
        }
    }

    @Test func insightsAndDecisionsAreNotesWithTheirTextInFiles() throws {
        try Fixture.with { fixture throws in
            let project = try Self.project(fixture)
            let notes = QDE.elements("Note", in: project.xml)
            #expect(notes.count == 5)
            for note in notes {
                let guid = try #require(note["guid"])
                #expect(note["plainTextPath"] == "internal://\(guid).txt")
                #expect(project.files.contains { $0.path == "Sources/\(guid).txt" && !$0.text.isEmpty })
                #expect(!note.inner.contains("PlainTextContent"), "a note has its text in a file or inline, never both")
            }
            let insight = try #require(project.files.first { $0.path == "Sources/\(GUID.of(Fixture.busInsight)).txt" }).text
            #expect(insight.hasPrefix("Losing a bus route stops people going to social activities\n\nStatus: agreed"))
            #expect(insight.contains("Themes: Transport, Isolation") || insight.contains("Themes: Isolation, Transport"))
            #expect(insight.contains("Evidence: 3 notes, 2 of them in this export\n- Number 9 bus cut\n- Note 00000000 (text withheld: consent declined)"))
            let decision = try #require(project.files.first { $0.path == "Sources/\(GUID.of(Fixture.lunchClub)).txt" }).text
            #expect(decision.contains("Insights:\n- Insight: Losing a bus route"))
            // QualCoder reads a note a source refers to as an annotation of that source, and drops it: no source refers to one.
            for source in QDE.elements("TextSource", in: project.xml) { #expect(!source.inner.contains("<NoteRef")) }
        }
    }

    @Test func casesLinkTheirSourcesAndAreCodesWithTheCaseGUID() throws {
        try Fixture.with { fixture throws in
            let project = try Self.project(fixture)
            let guid = GUID.named("case", "P-017")
            let cases = QDE.elements("Case", in: project.xml)
            let p017 = try #require(cases.first { $0["name"] == "P-017" })
            #expect(p017["guid"] == guid)
            #expect(QDE.elements("SourceRef", in: p017.inner).map { $0["targetGUID"] } == [GUID.of(Fixture.busCut), GUID.of(Fixture.gpOnline)])
            let category = try #require(QDE.elements("Code", in: project.xml).first { $0["name"] == "Participants (cases)" })
            #expect(category["isCodable"] == "false")
            #expect(QDE.elements("Code", in: category.inner).contains { $0["guid"] == guid && $0["name"] == "P-017" && $0["isCodable"] == "true" })
            for note in [Fixture.busCut, Fixture.gpOnline] {
                let source = try #require(QDE.elements("TextSource", in: project.xml).first { $0["guid"] == GUID.of(note) })
                let link = try #require(QDE.elements("PlainTextSelection", in: source.inner).first { $0.inner.contains("targetGUID=\"\(guid)\"") })
                let length = try Self.text(project, note).unicodeScalars.count
                #expect(link["startPosition"] == "0" && link["endPosition"] == "\(length)")
                #expect(source.inner.contains("<VariableRef targetGUID=\"\(GUID.named("variable", "participant"))\"/>\n        <TextValue>P-017</TextValue>"))
            }
            // A withheld note is linked to its case over its empty text.
            let declined = try #require(QDE.elements("TextSource", in: project.xml).first { $0["guid"] == GUID.of(Fixture.declined) })
            #expect(QDE.elements("PlainTextSelection", in: declined.inner).contains { $0["startPosition"] == "0" && $0["endPosition"] == "0" })
        }
    }

    @Test func sourceCodeAndJournalNamesAreUniqueIgnoringCase() throws {
        try Fixture.with { fixture throws in
            for (index, title) in ["Number 9 bus cut", "NUMBER 9 BUS CUT", "Bus 9/10 and the club\\hall"].enumerated() {
                var input = Note.Input()
                input.title = title
                input.body = "Another visit."
                input.participant = "transport"   // a case named as a tag's code
                input.tags = ["transport-card"]
                input.consent = "given"
                let id = try #require(RecordID(hex: "dddd000\(index)" + String(repeating: "0", count: 24)))
                try fixture.store.commit(try Note.changes(input, for: id, creating: true, nowSeconds: 1_795_000_000))
            }
            try fixture.store.commit([.create(Fixture.id("7e05"), type: Theme.type), .assign(Fixture.id("7e05"), field: "name", value: .text("transport-card"))])
            try fixture.store.commit([.create(Fixture.id("7e06"), type: Theme.type), .assign(Fixture.id("7e06"), field: "name", value: .text("TRANSPORT"))])
            let project = try Self.project(fixture)
            let sources = QDE.elements("TextSource", in: project.xml).compactMap { $0["name"] }
            #expect(Set(sources.map { $0.lowercased() }).count == sources.count, "\(sources)")
            #expect(sources.contains("Number 9 bus cut (00000000)") && sources.contains("Number 9 bus cut (dddd0000)")
                    && sources.contains("NUMBER 9 BUS CUT (dddd0001)"), "\(sources)")
            #expect(sources.contains("Bus 9\u{2215}10 and the club\u{2216}hall"))
            let codes = QDE.elements("Code", in: project.xml).filter { $0["isCodable"] == "true" }.compactMap { $0["name"] }
            #expect(Set(codes.map { $0.lowercased() }).count == codes.count, "\(codes)")
            let notes = QDE.elements("Note", in: project.xml).compactMap { $0["name"] }
            #expect(Set(notes).count == notes.count)
            #expect(QDPXExport.unique(["a", "A", "b", "a (x)"], tags: ["x", "y", "z", "w"]) == ["a (x)", "A (y)", "b", "a (x) (2)"])
        }
    }

    /// The demo codes passages on two devices while both edit the same bodies;
    /// its project.qdpx holds every one of them on its words.
    @Test func theDemoProjectHoldsItsPassagesOnTheirWords() throws {
        let temporary = try TemporaryDirectory.make(prefix: "fieldnotes-demo")
        defer { temporary.remove() }
        let directory = temporary.path
        let demo = try FieldnotesBinary.run(store: directory + "/unused.sqlite", ["demo", "--dir", directory, "--notes", "12"], home: directory)
        try #require(demo.status == 0, "\(demo)")
        #expect(demo.stdout.contains("passages: on every store, all 6 still sit on the words they were coded on"), "\(demo.stdout)")
        let listed = try FieldnotesBinary.run(store: directory + "/hub.sqlite", ["passage", "list", "--format", "json"], home: directory)
        let passages = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed)")
        #expect(passages.count == 6)
        #expect(Set(passages.compactMap { $0["coder"] as? String }) == ["alice", "bilal"])
        let unpacked = directory + "/unpacked"
        let unzip = try #require(try runTool("python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
                                                         directory + "/project.qdpx", unpacked]), "python3 is needed to unpack the archive")
        try #require(unzip.status == 0, "\(unzip.output)")
        let qde = try readText(unpacked + "/project.qde")
        let selections = QDE.elements("PlainTextSelection", in: qde)
        for passage in passages {
            let id = try #require(passage["id"] as? String), note = try #require(passage["note_id"] as? String)
            let hex = { (h: String) in [h.prefix(8), h.dropFirst(8).prefix(4), h.dropFirst(12).prefix(4), h.dropFirst(16).prefix(4), h.dropFirst(20)].joined(separator: "-") }
            let selection = try #require(selections.first { $0["guid"] == hex(id) }, "passage \(id) is not in the demo's project")
            #expect(QDE.words(selection, in: try readText(unpacked + "/Sources/\(hex(note)).txt")) == passage["text"] as? String)
        }
    }
}
