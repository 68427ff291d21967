import Analysis
import CRDT
import Deflate
import Dispatch
import Formats
import Store

/// The REFI-QDA project exchange export (QDA-XML project 1.0): a ZIP holding
/// `project.qde` and, under `Sources/`, one plain-text file per note and per
/// insight or decision, each named `<guid>.txt`.
///
/// - notes are TextSources whose text is the title, a blank line and the
///   body, with LF line ends (nothing for a note whose text is withheld),
///   referenced as `internal://<guid>.txt`;
/// - themes are the CodeBook, nested as the theme tree; tags no theme names
///   are codes under a non-codable "Tags without a theme";
/// - each coded passage is a PlainTextSelection at the positions its words
///   have in the exported text today (mapped through `--redact`, see
///   `ExportDataset.placement(of:in:)`), holding a Coding of its theme by
///   its coder. Passages of notes whose text is withheld, whose words are
///   all deleted or that this store does not hold yet are left out, and the
///   project's Description counts them;
/// - a note's tags are Codings of one PlainTextSelection spanning the whole
///   text (of the source itself when the text is withheld); positions count
///   Unicode code points (see `selectionEnd`);
/// - participants are Cases, each with a SourceRef to each of its notes. Each
///   case is also a code with the case's GUID under "Participants (cases)",
///   coding each of its notes whole: NVivo writes cases so, and it is the
///   only way QualCoder's importer links sources to cases. The participant
///   is a source variable too, beside area, kind, consent, occurred_at and
///   the measures;
/// - insights and decisions are Notes whose text is a file (`plainTextPath`),
///   which QualCoder keeps as journals. An insight's theme codes carry a
///   NoteRef to it and a decision carries NoteRefs to its insights; an
///   insight's evidence notes are named in its text, not by NoteRefs from
///   the sources (QualCoder reads a note a source refers to as an annotation
///   of that source, and drops it);
/// - devices are Users, and every source, selection, coding and note names
///   its creatingUser and creationDateTime (`QDPXUsers`);
/// - names QualCoder keeps unique (sources, codes, journals) are unique here,
///   ignoring case (`unique(_:tags:)`).
enum QDPXExport {
    static let namespace = "urn:QDA-XML:project:1.0"

    struct Project {
        /// `project.qde`, as UTF-8.
        let xmlBytes: [UInt8]
        var xml: String { String(decoding: xmlBytes, as: UTF8.self) }
        /// Archive path ("Sources/<guid>.txt") and text of every source and note.
        let files: [(path: String, text: String)]
        let passages: PassageCounts
    }

    /// The passages of the notes in an export: how many are selections, and
    /// how many were left out, by reason.
    struct PassageCounts: Equatable {
        var exported = 0
        var withheld = 0
        var allDeleted = 0
        var notHere = 0

        var omitted: Int { withheld + allDeleted + notHere }

        /// A sentence for the project's Description; empty when there were no passages.
        var summary: String {
            guard exported + omitted > 0 else { return "" }
            var text = "\(exported) coded passage\(exported == 1 ? " is a selection" : "s are selections")"
            let reasons = [(withheld, "of notes whose text is withheld"), (allDeleted, "whose words have all been deleted"),
                           (notHere, "of notes this device had not yet synced")].filter { $0.0 > 0 }
            if !reasons.isEmpty { text += "; left out: " + reasons.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }
            return text + "."
        }
    }

    /// The QDPX archive: `project.qde` deflated (zlib level 1: a quarter of a
    /// gigabyte of XML for 100,000 notes becomes about 37 MB) as it is made,
    /// the TextSources' part by the thread that made it (`QDPXCompressor`),
    /// then the sources stored (each a few hundred bytes, too small to gain
    /// from deflating one by one), their entries also made by those threads.
    /// `partSize` as for `project`: the archive inflates to the same files for any.
    static func archive(_ data: ExportDataset, partSize: Int = QDPXExport.partSize) throws -> [UInt8] {
        let compressor = QDPXCompressor()
        var xml = XMLBuilder(chunks: 256 * 1024) { compressor.append($0) }
        let made = build(data, &xml, partSize: partSize, archived: (ZIPWriter(modified: data.generatedAt), compressor))
        xml.finish()
        let qde = compressor.finish()
        var zip = ZIPWriter(modified: data.generatedAt)
        var size = ZIPWriter.entryOverhead(name: "project.qde") + qde.segments.reduce(0) { $0 + $1.count } + ZIPWriter.endOverhead
        let parts = try made.archived.map { try $0.get() }
        for part in parts { size += part.bytes.count + part.centralDirectorySize }
        for file in made.files { size += ZIPWriter.entryOverhead(name: file.path) + file.text.utf8.count }
        zip.reserve(size)
        try zip.add("project.qde", deflated: qde.segments, size: qde.size, crc: qde.crc)
        for part in parts { try zip.append(part) }
        for file in made.files { try zip.add(file.path, text: file.text) }
        return try zip.finish()
    }

    /// `partSize`: notes per part of the TextSources (`inParts`); the project is the same for any.
    static func project(_ data: ExportDataset, partSize: Int = QDPXExport.partSize) -> Project {
        var xml = XMLBuilder()
        let made = build(data, &xml, partSize: partSize)
        return Project(xmlBytes: xml.bytes, files: made.files, passages: made.passages)
    }

    /// Writes `project.qde` into `xml`; returns the archive's other files and the passage counts.
    ///
    /// With `archived` (an empty archive, for its time stamp, and the
    /// compressor `xml` hands its bytes to), each part of the TextSources goes
    /// to the compressor already deflated, as a segment, and its sources'
    /// files come back as archive entries made beside it (`archived`), in
    /// order; `files` then holds the notes' files only.
    static func build(_ data: ExportDataset, _ xml: inout XMLBuilder, partSize: Int = QDPXExport.partSize,
                      archived archive: (zip: ZIPWriter, compressor: QDPXCompressor)? = nil)
        -> (files: [(path: String, text: String)], archived: [Result<ZIPWriter, ZIPWriter.TooLarge>], passages: PassageCounts) {
        let now = ISO8601.format(seconds: data.generatedAt)
        // The sources' unique names, on another thread while this one writes the codebook, variables and cases.
        let names = Handover<[String]>()
        DispatchQueue.global().async { names.put(QDPXExport.sourceNames(data)) }
        let users = QDPXUsers(data)
        let exported = QDPXUsers.Stamp(user: users.guid(replica: data.replica) ?? "", date: now)
        xml.start("Project", [
            ("xmlns", namespace), ("name", "fieldnotes export"), ("origin", "fieldnotes"),
            ("creatingUserGUID", users.guid(replica: data.replica)), ("creationDateTime", now),
        ])
        xml.start("Users")
        for user in users.all { xml.empty("User", [("guid", user.guid), ("name", user.name)]) }
        xml.end()

        let memos = MemoIndex(data)

        // Insights by theme, for the codes' NoteRefs.
        var insightsOfTheme: [RecordID: [RecordID]] = [:]
        for insight in data.insights {
            for theme in Evidence.ids(insight, Insight.themeSet) where data.tree.themes[theme] != nil {
                insightsOfTheme[theme, default: []].append(insight.id)
            }
        }

        // Codes: the theme tree, tags no theme names, and one per participant.
        var tagCodes: [String: (name: String, guid: String)] = [:]
        var participants: [String: [RecordID]] = [:]
        for note in data.notes {
            for tag in ExportDataset.tags(note) where data.themes(coding: tag).isEmpty {
                let key = tag.trimmingSpaces.lowercased()
                if let existing = tagCodes[key], existing.name <= tag { continue }
                tagCodes[key] = (tag, GUID.named("tag", key))
            }
            if let participant = participant(note) { participants[participant, default: []].append(note.id) }
        }
        let themes = data.tree.ordered.map(\.id).filter { data.tree.themes[$0] != nil }
        let tags = tagCodes.sorted { $0.key < $1.key }.map(\.value)
        let cases = participants.keys.sorted()
        // Each participant's case GUID, made once: it is written in the codebook, the cases and each of their notes.
        let caseGUIDs = Dictionary(cases.map { ($0, caseGUID($0)) }, uniquingKeysWith: { first, _ in first })
        func guidOfCase(_ participant: String) -> String { caseGUIDs[participant] ?? caseGUID(participant) }
        let codeNames = unique(themes.map { data.tree.name($0).isEmpty ? "(unnamed theme)" : data.tree.name($0) } + tags.map(\.name) + cases,
                               tags: themes.map(\.short) + tags.map { _ in "tag" } + cases.map { _ in "participant" })
        var nameOfCode: [String: String] = [:]
        for (guid, name) in zip(themes.map(GUID.of) + tags.map(\.guid) + cases.map(guidOfCase), codeNames) { nameOfCode[guid] = name }
        if !themes.isEmpty || !tags.isEmpty || !cases.isEmpty {
            xml.start("CodeBook")
            xml.start("Codes")
            func code(_ id: RecordID) {
                guard let theme = data.tree.themes[id] else { return }
                let color = theme.value("color")?.text.flatMap { Theme.isColor($0) ? $0 : nil }
                xml.start("Code", [("guid", GUID.of(id)), ("name", nameOfCode[GUID.of(id)]), ("isCodable", "true"), ("color", color)])
                let description = [theme.value("description")?.text, memos.text(about: id)].compactMap { $0 }.filter { !$0.isEmpty }
                if !description.isEmpty { xml.leaf("Description", description.joined(separator: "\n\n")) }
                for insight in insightsOfTheme[id] ?? [] { xml.empty("NoteRef", [("targetGUID", GUID.of(insight))]) }
                for child in data.tree.children[id] ?? [] { code(child) }
                xml.end()
            }
            for root in data.tree.roots { code(root) }
            if !tags.isEmpty {
                xml.start("Code", [("guid", GUID.named("tags", "without-theme")), ("name", "Tags without a theme"), ("isCodable", "false")])
                xml.leaf("Description", "Tags on the exported notes that no theme in the codebook names.")
                for tag in tags { xml.empty("Code", [("guid", tag.guid), ("name", nameOfCode[tag.guid]), ("isCodable", "true")]) }
                xml.end()
            }
            if !cases.isEmpty {
                xml.start("Code", [("guid", GUID.named("cases", "participants")), ("name", "Participants (cases)"), ("isCodable", "false")])
                xml.leaf("Description", "Each participant's case as a code with the case's GUID, coding each of their notes whole "
                         + "(how NVivo writes cases, and how QualCoder links sources to cases).")
                for participant in cases {
                    let guid = guidOfCase(participant)
                    xml.empty("Code", [("guid", guid), ("name", nameOfCode[guid]), ("isCodable", "true")])
                }
                xml.end()
            }
            xml.end()
            xml.end()
        }

        // Variables
        var measureNames: Set<String> = []
        for note in data.notes { for measure in Note.measures(of: note) { measureNames.insert(measure.name) } }
        var variables: [(name: String, type: String, description: String)] = [
            ("area", "Text", "The ward, estate or place the note is about."),
            ("kind", "Text", "interview, observation, conversation, phone-call, group-session or partner-report."),
            ("consent", "Text", "given, declined, withdrawn or not-required. Notes declined or withdrawn carry no text."),
            ("participant", "Text", "The participant's pseudonym: the note's case."),
            ("occurred_at", "DateTime", "When it happened, in UTC."),
        ]
        for name in measureNames.sorted() {
            let known = Note.knownMeasures.first { $0.name == name }
            variables.append(("measures.\(name)", known == nil ? "Float" : "Integer", known?.meaning ?? "A measure recorded with the note."))
        }
        // Each variable's GUID, made once: every note refers to several.
        let variableGUIDs = Dictionary(variables.map { ($0.name, GUID.named("variable", $0.name)) }, uniquingKeysWith: { first, _ in first })
        xml.start("Variables")
        for variable in variables {
            xml.start("Variable", [("guid", variableGUIDs[variable.name]), ("name", variable.name), ("typeOfVariable", variable.type)])
            xml.leaf("Description", variable.description)
            xml.end()
        }
        xml.end()

        // Cases: one per participant, with their notes, and the memos about its case records.
        if !cases.isEmpty {
            var caseRecords: [String: [RecordID]] = [:]
            for record in data.cases { caseRecords[Codebook.key(record.value("pseudonym")?.text ?? ""), default: []].append(record.id) }
            xml.start("Cases")
            for participant in cases {
                xml.start("Case", [("guid", guidOfCase(participant)), ("name", participant)])
                if let text = memos.text(about: caseRecords[Codebook.key(participant)] ?? []) { xml.leaf("Description", text) }
                for note in participants[participant] ?? [] { xml.empty("SourceRef", [("targetGUID", GUID.of(note))]) }
                xml.end()
            }
            xml.end()
        }

        // Sources
        var files: [(path: String, text: String)] = []
        var archived: [Result<ZIPWriter, ZIPWriter.TooLarge>] = []
        var counts = PassageCounts()
        let sourceNames = names.take() ?? QDPXExport.sourceNames(data)
        var passagesOfNote: [RecordID: [Passages.Resolved]] = [:]
        for passage in data.passages { passagesOfNote[passage.note, default: []].append(passage) }
        if !data.notes.isEmpty {
            xml.start("Sources")
            let context = SourceContext(data: data, names: sourceNames, users: users, exported: exported, now: now, caseGUIDs: caseGUIDs,
                                        tagCodes: tagCodes, passagesOfNote: passagesOfNote, variableGUIDs: variableGUIDs, memos: memos)
            let zip = archive?.zip
            inParts(data.notes.count, size: partSize, { sourcesMaker(context, partSize: partSize, archived: zip) }) { part in
                if let segment = part.segment, let compressor = archive?.compressor {
                    xml.handOn()
                    compressor.append(segment: segment)
                } else {
                    xml.append(fragment: part.xml)
                }
                if let entries = part.archived { archived.append(entries) }
                files += part.files
                counts.exported += part.counts.exported
                counts.withheld += part.counts.withheld
                counts.allDeleted += part.counts.allDeleted
                counts.notHere += part.counts.notHere
            }
            xml.end()
        }

        // Notes: insights, then decisions, their text in files.
        let insightIDs = Set(data.insights.map(\.id))
        let nameOfSource = Dictionary(uniqueKeysWithValues: zip(data.notes.map(\.id), sourceNames))
        let noteNames = unique(data.insights.map { "Insight: " + clipped($0.value("statement")?.text ?? "", 80) }
                               + data.decisions.map { "Decision: " + clipped($0.value("title")?.text ?? "", 80) },
                               tags: (data.insights + data.decisions).map(\.id.short))
        if !data.insights.isEmpty || !data.decisions.isEmpty {
            xml.start("Notes")
            func note(_ record: VisibleRecord, _ name: String, _ kind: String, _ lines: [String], refs: [RecordID]) {
                let guid = GUID.of(record.id)
                let made = users.stamp(of: record) ?? exported
                files.append(("Sources/\(guid).txt", lineFeeds(lines.joined(separator: "\n"))))
                xml.start("Note", [("guid", guid), ("name", name), ("plainTextPath", "internal://\(guid).txt"),
                                   ("creatingUser", made.user), ("creationDateTime", made.date)])
                xml.leaf("Description", "fieldnotes \(kind) \(record.id.hex)")
                for ref in refs { xml.empty("NoteRef", [("targetGUID", GUID.of(ref))]) }
                xml.end()
            }
            for (insight, name) in zip(data.insights, noteNames) {
                let statement = insight.value("statement")?.text ?? ""
                let evidence = Evidence.ids(insight, Insight.evidenceSet)
                let inExport = evidence.compactMap { nameOfSource[$0] }
                let themes = Evidence.ids(insight, Insight.themeSet).compactMap { nameOfCode[GUID.of($0)] }
                var lines = [statement, "",
                             "Status: \(insight.value("status")?.text ?? "-")", "Confidence: \(insight.value("confidence")?.text ?? "-")",
                             "Area: \(insight.value("area")?.text ?? "-")",
                             "Themes: \(themes.isEmpty ? "-" : themes.joined(separator: ", "))",
                             "Evidence: \(evidence.count) note\(evidence.count == 1 ? "" : "s")"
                                + (inExport.count < evidence.count ? ", \(inExport.count) of them in this export" : "")]
                lines += inExport.map { "- \($0)" }
                note(insight, name, "insight", lines, refs: [])
            }
            for (decision, name) in zip(data.decisions, noteNames.dropFirst(data.insights.count)) {
                var lines = [decision.value("title")?.text ?? "", ""]
                if let description = decision.value("description")?.text, !description.isEmpty { lines += [description, ""] }
                lines += ["Status: \(decision.value("status")?.text ?? "-")", "Decided: \(decision.value("decided_at")?.text ?? "-")",
                          "The evidence suggested: \(decision.value("suggested")?.text ?? "-")",
                          "Decision made: \(decision.value("made")?.text ?? "-")",
                          "Follows the evidence: \(decision.value("follows_evidence")?.text ?? "-")"]
                let insights = Evidence.ids(decision, Decision.insightSet).filter(insightIDs.contains)
                let insightNames = insights.compactMap { id in data.insights.firstIndex { $0.id == id }.map { noteNames[$0] } }
                lines += insightNames.isEmpty ? [] : ["Insights:"] + insightNames.map { "- \($0)" }
                note(decision, name, "decision", lines, refs: insights)
            }
            xml.end()
        }

        xml.leaf("Description", ["Exported by fieldnotes from \(data.exportedBy) at \(now). Filters: \(data.filter.summary).",
                                 "Notes whose consent was declined or withdrawn are included without their text.",
                                 counts.summary].filter { !$0.isEmpty }.joined(separator: " "))
        xml.end()
        return (files, archived, counts)
    }

    /// What the TextSource of each note needs, made once for them all; read
    /// from several threads at once (`inParts`), never written.
    struct SourceContext: Sendable {
        let data: ExportDataset
        /// Each note's source name, unique (`unique(_:tags:)`), in the order of `data.notes`.
        let names: [String]
        let users: QDPXUsers
        let exported: QDPXUsers.Stamp
        let now: String
        let caseGUIDs: [String: String]
        let tagCodes: [String: (name: String, guid: String)]
        let passagesOfNote: [RecordID: [Passages.Resolved]]
        let variableGUIDs: [String: String]
        let memos: MemoIndex

        func guidOfCase(_ participant: String) -> String { caseGUIDs[participant] ?? caseGUID(participant) }
    }

    /// The TextSource elements of a run of notes (children of Sources), their files and their passages:
    /// the XML as it is (`xml`, and the files in `files`), or deflated (`segment`, and the files as entries in `archived`).
    struct SourcePart: Sendable {
        var xml: [UInt8] = []
        var segment: (deflated: [UInt8], size: Int, crc: UInt32)?
        var files: [(path: String, text: String)] = []
        var archived: Result<ZIPWriter, ZIPWriter.TooLarge>?
        var counts = PassageCounts()
    }

    /// What makes the parts on one thread (`inParts`): as they are, or, with
    /// `archived` (an empty archive), ready for the archive, with one XML
    /// buffer and one zlib stream used for each part in turn (a new buffer
    /// per part cost a page fault per 4 KiB).
    static func sourcesMaker(_ context: SourceContext, partSize: Int, archived zip: ZIPWriter?) -> (Range<Int>) -> SourcePart {
        guard let zip else {
            return { range in
                var xml = XMLBuilder(fragmentAt: 2, reserving: range.count * 3_000)
                var files: [(path: String, text: String)] = []
                let counts = sources(context, range, &xml, &files)
                return SourcePart(xml: xml.bytes, files: files, counts: counts)
            }
        }
        var xml = XMLBuilder(fragmentAt: 2, reserving: partSize * 3_000)
        let stream = DeflateStream(level: QDPXCompressor.level)
        return { range in
            xml.removeAll()
            var files: [(path: String, text: String)] = []
            let counts = sources(context, range, &xml, &files)
            stream.append(xml.bytes)
            var entries = zip
            entries.reserve(files.reduce(0) { $0 + ZIPWriter.entryOverhead(name: $1.path) + $1.text.utf8.count })
            let made: Result<ZIPWriter, ZIPWriter.TooLarge>
            do throws(ZIPWriter.TooLarge) {
                for file in files { try entries.add(file.path, text: file.text) }
                made = .success(entries)
            } catch {
                made = .failure(error)
            }
            return SourcePart(segment: stream.segment(), archived: made, counts: counts)
        }
    }

    /// Writes the TextSources of the notes `range` of `context.data.notes` into `xml`, and their files
    /// into `files`; returns the counts of their passages.
    static func sources(_ context: SourceContext, _ range: Range<Int>, _ xml: inout XMLBuilder,
                        _ files: inout [(path: String, text: String)]) -> PassageCounts {
        let data = context.data, users = context.users, exported = context.exported, now = context.now
        let tagCodes = context.tagCodes, passagesOfNote = context.passagesOfNote, variableGUIDs = context.variableGUIDs
        files.reserveCapacity(range.count)
        var counts = PassageCounts()
        for index in range {
            let note = data.notes[index], name = context.names[index], hex = note.id.hex
            let guid = GUID.of(note.id)
            let withheld = data.withheld.contains(note.id)
            let text = sourceText(note, withheld: withheld)
            files.append(("Sources/\(guid).txt", text))
            let made = users.stamp(of: note) ?? exported
            let consent = note.value("consent")?.text ?? ""
            xml.tag("TextSource")
            xml.attribute("guid", plain: guid)
            xml.attribute("name", name)
            xml.attribute("plainTextPath", plain: "internal://\(guid).txt")
            xml.attribute("creatingUser", plain: made.user)
            xml.attribute("creationDateTime", made.date)
            xml.opened()
            xml.leaf("Description", "fieldnotes note \(hex)" + (withheld ? "; its text is withheld because consent was \(consent)" : "")
                     + (context.memos.text(about: note.id).map { "\n\n" + $0 } ?? ""))
            let whole = 0 ..< selectionEnd(text)
            if let participant = participant(note) {
                let stamp = note.heads("participant").first.flatMap(users.stamp) ?? made
                selection(&xml, GUID.named("case-selection", hex), "participant", whole, stamp) {
                    coding(&$0, GUID.named("case-coding", hex), context.guidOfCase(participant), stamp)
                }
            }
            var codes: [String] = []
            for tag in ExportDataset.tags(note) {
                let themes = data.themes(coding: tag)
                let guids = themes.isEmpty ? [tagCodes[lowered(trimmed(tag))]?.guid].compactMap { $0 } : themes.map(GUID.of)
                for guid in guids where !codes.contains(guid) { codes.append(guid) }
            }
            if !codes.isEmpty, !text.isEmpty {
                selection(&xml, GUID.named("selection", hex), "whole note", whole, made) { xml in
                    for code in codes { coding(&xml, GUID.named("coding", "\(hex)/\(code)"), code, made) }
                }
            }
            let passages = (passagesOfNote[note.id] ?? []).map { ($0, data.placement(of: $0, in: note)) }
            for (passage, placement) in passages.sorted(by: { order($0.1, $0.0.record.id) < order($1.1, $1.0.record.id) }) {
                switch placement {
                case .body(let range):
                    let date = ISO8601.parse(passage.codedAt)?.text ?? users.stamp(of: passage.record)?.date ?? now
                    let stamp = QDPXUsers.Stamp(user: users.guid(coder: passage.coder) ?? made.user, date: date)
                    let offset = bodyOffset(note), body = Array((note.value("body")?.text ?? "").unicodeScalars)
                    let start = offset + lineFeedOffset(range.lowerBound, in: body), end = offset + lineFeedOffset(range.upperBound, in: body)
                    selection(&xml, GUID.of(passage.record.id), "passage", start ..< end, stamp,
                              description: context.memos.text(about: passage.record.id)) {
                        coding(&$0, GUID.named("passage-coding", passage.record.id.hex), GUID.of(passage.theme), stamp)
                    }
                    counts.exported += 1
                case .withheld: counts.withheld += 1
                case .allDeleted: counts.allDeleted += 1
                case .notHere: counts.notHere += 1
                }
            }
            if text.isEmpty {
                for code in codes { coding(&xml, GUID.named("coding", "\(hex)/\(code)"), code, made) }
            }
            for variable in textVariables {
                if let value = note.value(variable)?.text { variableValue(&xml, variableGUIDs, variable, "TextValue", value) }
            }
            if let participant = participant(note) { variableValue(&xml, variableGUIDs, "participant", "TextValue", participant) }
            if let occurred = note.value("occurred_at")?.text, ISO8601.parse(occurred) != nil {
                variableValue(&xml, variableGUIDs, "occurred_at", "DateTimeValue", occurred)
            }
            for measure in Note.measures(of: note).sorted(by: { $0.name < $1.name }) {
                let integer = Note.knownMeasures.contains { $0.name == measure.name }
                if integer, measure.value != measure.value.rounded() { continue }
                variableValue(&xml, variableGUIDs, "measures.\(measure.name)", integer ? "IntegerValue" : "FloatValue", DecimalText.format(measure.value))
            }
            xml.end()
        }
        return counts
    }

    /// The note fields written as they are, as Text variables (beside participant, occurred_at and the measures).
    static let textVariables = ["area", "kind", "consent"]

    /// Each note's source name, unique ignoring case.
    static func sourceNames(_ data: ExportDataset) -> [String] {
        unique(data.notes.map { sourceName($0, withheld: data.withheld.contains($0.id)) }, tags: data.notes.map(\.id.short))
    }

    /// A note's participant (pseudonym), trimmed; nil when it has none.
    static func participant(_ note: VisibleRecord) -> String? {
        guard let participant = note.value("participant")?.text.map(trimmed), !participant.isEmpty else { return nil }
        return participant
    }

    static func caseGUID(_ participant: String) -> String { GUID.named("case", participant) }

    /// Passages in the order of their words, then by id; those left out last.
    static func order(_ placement: PassagePlacement, _ id: RecordID) -> (Int, Int, RecordID) {
        if case .body(let range) = placement { return (range.lowerBound, range.upperBound, id) }
        return (Int.max, Int.max, id)
    }

    /// The memos of an export by the record each is about, withheld ones left
    /// out: made once, so a project looks up each note's, passage's and case's
    /// memos instead of going through every memo for each of them.
    struct MemoIndex: Sendable {
        private var about: [RecordID: [VisibleRecord]] = [:]

        init(_ data: ExportDataset) {
            for memo in data.memos where !data.withheldMemos.contains(memo.id) {
                if let target = data.memoTargets[memo.id] { about[target.id, default: []].append(memo) }
            }
        }

        /// The memos about `targets`, as QualCoder shows a memo: "Memo by AUTHOR, DATE: TEXT", one
        /// paragraph each, oldest first; nil for none. A memo withheld with its note's words is left out.
        func text(about targets: some Sequence<RecordID>) -> String? {
            var memos: [VisibleRecord] = []
            for target in Set(targets) { memos += about[target] ?? [] }
            guard !memos.isEmpty else { return nil }
            memos.sort { ($0.value("written_at")?.text ?? "", $0.id) < ($1.value("written_at")?.text ?? "", $1.id) }
            let paragraphs = memos.compactMap { memo -> String? in
                guard let body = memo.value("body")?.text, !body.isEmpty else { return nil }
                return "Memo by \(memo.value("author")?.text ?? "?"), \(memo.value("written_at")?.text ?? "?"): \(body)"
            }
            return paragraphs.isEmpty ? nil : paragraphs.joined(separator: "\n\n")
        }

        /// `text(about:)` of one record (most have no memo: nothing is made for them).
        func text(about target: RecordID) -> String? {
            about[target] == nil ? nil : text(about: CollectionOfOne(target))
        }
    }

    static func selection(_ xml: inout XMLBuilder, _ guid: String, _ name: String, _ range: Range<Int>, _ stamp: QDPXUsers.Stamp,
                          description: String? = nil, _ codings: (inout XMLBuilder) -> Void) {
        xml.tag("PlainTextSelection")
        xml.attribute("guid", plain: guid)
        xml.attribute("name", name)
        xml.attribute("startPosition", range.lowerBound)
        xml.attribute("endPosition", range.upperBound)
        xml.attribute("creatingUser", plain: stamp.user)
        xml.attribute("creationDateTime", stamp.date)
        xml.opened()
        if let description { xml.leaf("Description", description) }
        codings(&xml)
        xml.end()
    }

    static func coding(_ xml: inout XMLBuilder, _ guid: String, _ code: String, _ stamp: QDPXUsers.Stamp) {
        xml.tag("Coding")
        xml.attribute("guid", plain: guid)
        xml.attribute("creatingUser", plain: stamp.user)
        xml.attribute("creationDateTime", stamp.date)
        xml.opened()
        xml.tag("CodeRef")
        xml.attribute("targetGUID", plain: code)
        xml.closed()
        xml.end()
    }

    /// A note's value of `variable`; `guids` holds the variables' GUIDs (`GUID.named("variable", name)`).
    static func variableValue(_ xml: inout XMLBuilder, _ guids: [String: String], _ variable: String, _ element: StaticString, _ value: String) {
        xml.tag("VariableValue")
        xml.opened()
        xml.tag("VariableRef")
        xml.attribute("targetGUID", plain: guids[variable] ?? GUID.named("variable", variable))
        xml.closed()
        xml.leaf(element, value)
        xml.end()
    }
}
