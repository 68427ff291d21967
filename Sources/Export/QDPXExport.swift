import CRDT
import Store

/// The REFI-QDA project exchange export (QDA-XML project 1.0): a ZIP holding
/// `project.qde` and one plain-text file per note under `Sources/`.
///
/// - notes are TextSources whose text (title, a blank line, body) is in
///   `Sources/<guid>.txt`, referenced as `internal://<guid>.txt`;
/// - themes are the CodeBook, nested as the theme tree; tags no theme names
///   are codes under a non-codable "Tags without a theme";
/// - each tag coding is a Coding in one PlainTextSelection spanning the whole
///   text, positions in Unicode code points (see `selectionEnd`);
/// - participants are Cases; area, kind, consent, occurred_at and measures are Variables;
/// - insights and decisions are Notes; an evidence note's source and an
///   insight's theme codes carry a NoteRef to the insight, and a decision
///   carries NoteRefs to the insights behind it;
/// - devices are Users.
enum QDPXExport {
    static let namespace = "urn:QDA-XML:project:1.0"

    struct Project {
        let xml: String
        /// Archive path ("Sources/<guid>.txt") and text of every source.
        let sources: [(path: String, text: String)]
    }

    static func archive(_ data: ExportDataset) throws -> [UInt8] {
        let project = project(data)
        var zip = ZIPWriter(modified: data.generatedAt)
        try zip.add("project.qde", Array(project.xml.utf8))
        for source in project.sources { try zip.add(source.path, Array(source.text.utf8)) }
        return try zip.finish()
    }

    /// The text of a note's source: nothing for a note whose text is withheld.
    static func sourceText(_ note: VisibleRecord, withheld: Bool) -> String {
        guard !withheld else { return "" }
        let title = note.value("title")?.text ?? ""
        let body = note.value("body")?.text ?? ""
        return body.isEmpty ? title : title + "\n\n" + body
    }

    /// REFI-QDA positions count characters from 0, the end being the position
    /// after the last one; fieldnotes counts Unicode code points (scalars), as
    /// QualCoder's Python strings do. A whole-text selection is 0..<scalars.
    static func selectionEnd(_ text: String) -> Int { text.unicodeScalars.count }

    static func project(_ data: ExportDataset) -> Project {
        var xml = XMLBuilder()
        let now = ISO8601.format(seconds: data.generatedAt)
        let exporter = RecordID(bytes: data.replica.bytes)
        let users = data.devices.filter { $0.value("name")?.text != nil }.sorted { a, b in
            let (na, nb) = (a.value("name")?.text ?? "", b.value("name")?.text ?? "")
            return na != nb ? na < nb : a.id < b.id
        }
        xml.start("Project", [
            ("xmlns", namespace), ("name", "fieldnotes export"), ("origin", "fieldnotes"),
            ("creatingUserGUID", users.contains { $0.id == exporter } ? exporter.map(GUID.of) : nil),
            ("creationDateTime", now),
        ])

        // Users
        if !users.isEmpty {
            xml.start("Users")
            for device in users { xml.empty("User", [("guid", GUID.of(device.id)), ("name", device.value("name")?.text)]) }
            xml.end()
        }

        // Which insights point at which themes and notes.
        var insightsOfTheme: [RecordID: [RecordID]] = [:]
        var insightsOfNote: [RecordID: [RecordID]] = [:]
        for insight in data.insights {
            for theme in ExportDataset.ids(insight, Insight.themeSet) where data.tree.themes[theme] != nil {
                insightsOfTheme[theme, default: []].append(insight.id)
            }
            for note in ExportDataset.ids(insight, Insight.evidenceSet) where data.noteIDs.contains(note) {
                insightsOfNote[note, default: []].append(insight.id)
            }
        }

        // CodeBook: the theme tree, then tags no theme names.
        var tagCodes: [String: (name: String, guid: String)] = [:]
        for note in data.notes {
            for tag in ExportDataset.tags(note) where data.themes(coding: tag).isEmpty {
                let key = tag.trimmingSpaces.lowercased()
                if let existing = tagCodes[key], existing.name <= tag { continue }
                tagCodes[key] = (tag, GUID.named("tag", key))
            }
        }
        if !data.tree.roots.isEmpty || !tagCodes.isEmpty {
            xml.start("CodeBook")
            xml.start("Codes")
            func code(_ id: RecordID) {
                guard let theme = data.tree.themes[id] else { return }
                let color = theme.value("color")?.text.flatMap { Theme.isColor($0) ? $0 : nil }
                let name = data.tree.name(id).isEmpty ? "(unnamed theme)" : data.tree.name(id)
                xml.start("Code", [("guid", GUID.of(id)), ("name", name), ("isCodable", "true"), ("color", color)])
                if let description = theme.value("description")?.text, !description.isEmpty { xml.leaf("Description", description) }
                for insight in insightsOfTheme[id] ?? [] { xml.empty("NoteRef", [("targetGUID", GUID.of(insight))]) }
                for child in data.tree.children[id] ?? [] { code(child) }
                xml.end()
            }
            for root in data.tree.roots { code(root) }
            if !tagCodes.isEmpty {
                xml.start("Code", [("guid", GUID.named("tags", "without-theme")), ("name", "Tags without a theme"), ("isCodable", "false")])
                xml.leaf("Description", "Tags on the exported notes that no theme in the codebook names.")
                for (_, tag) in tagCodes.sorted(by: { $0.key < $1.key }) {
                    xml.empty("Code", [("guid", tag.guid), ("name", tag.name), ("isCodable", "true")])
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
            ("occurred_at", "DateTime", "When it happened, in UTC."),
        ]
        for name in measureNames.sorted() {
            let known = Note.knownMeasures.first { $0.name == name }
            variables.append(("measures.\(name)", known == nil ? "Float" : "Integer", known?.meaning ?? "A measure recorded with the note."))
        }
        xml.start("Variables")
        for variable in variables {
            xml.start("Variable", [("guid", GUID.named("variable", variable.name)), ("name", variable.name), ("typeOfVariable", variable.type)])
            xml.leaf("Description", variable.description)
            xml.end()
        }
        xml.end()

        // Cases: one per participant.
        var participants: [String: [RecordID]] = [:]
        for note in data.notes {
            if let participant = note.value("participant")?.text?.trimmingSpaces, !participant.isEmpty {
                participants[participant, default: []].append(note.id)
            }
        }
        if !participants.isEmpty {
            xml.start("Cases")
            for (participant, notes) in participants.sorted(by: { $0.key < $1.key }) {
                xml.start("Case", [("guid", GUID.named("case", participant)), ("name", participant)])
                for note in notes { xml.empty("SourceRef", [("targetGUID", GUID.of(note))]) }
                xml.end()
            }
            xml.end()
        }

        // Sources
        var files: [(path: String, text: String)] = []
        if !data.notes.isEmpty {
            xml.start("Sources")
            for note in data.notes {
                let guid = GUID.of(note.id)
                let withheld = data.withheld.contains(note.id)
                let text = sourceText(note, withheld: withheld)
                files.append(("Sources/\(guid).txt", text))
                let consent = note.value("consent")?.text ?? ""
                let occurred = note.value("occurred_at")?.text.flatMap { ISO8601.parse($0) != nil ? $0 : nil }
                let name = withheld ? "Note \(note.id.short) (text withheld: consent \(consent))" : (note.value("title")?.text ?? note.id.short)
                xml.start("TextSource", [("guid", guid), ("name", name), ("plainTextPath", "internal://\(guid).txt"), ("creationDateTime", occurred)])
                xml.leaf("Description", "fieldnotes note \(note.id.hex)" + (withheld ? "; its text is withheld because consent was \(consent)" : ""))
                var codes: [String] = []
                for tag in ExportDataset.tags(note) {
                    let themes = data.themes(coding: tag)
                    let guids = themes.isEmpty ? [tagCodes[tag.trimmingSpaces.lowercased()]?.guid].compactMap { $0 } : themes.map(GUID.of)
                    for guid in guids where !codes.contains(guid) { codes.append(guid) }
                }
                func codings() {
                    for code in codes {
                        xml.start("Coding", [("guid", GUID.named("coding", "\(note.id.hex)/\(code)"))])
                        xml.empty("CodeRef", [("targetGUID", code)])
                        xml.end()
                    }
                }
                if !codes.isEmpty {
                    if text.isEmpty {
                        codings()
                    } else {
                        xml.start("PlainTextSelection", [("guid", GUID.named("selection", note.id.hex)), ("name", "whole note"),
                                                         ("startPosition", "0"), ("endPosition", String(selectionEnd(text)))])
                        codings()
                        xml.end()
                    }
                }
                for insight in insightsOfNote[note.id] ?? [] { xml.empty("NoteRef", [("targetGUID", GUID.of(insight))]) }
                for variable in ["area", "kind", "consent"] {
                    if let value = note.value(variable)?.text { variableValue(&xml, variable, "TextValue", value) }
                }
                if let occurred { variableValue(&xml, "occurred_at", "DateTimeValue", occurred) }
                for measure in Note.measures(of: note).sorted(by: { $0.name < $1.name }) {
                    let integer = Note.knownMeasures.contains { $0.name == measure.name }
                    if integer, measure.value != measure.value.rounded() { continue }
                    variableValue(&xml, "measures.\(measure.name)", integer ? "IntegerValue" : "FloatValue", DecimalText.format(measure.value))
                }
                xml.end()
            }
            xml.end()
        }

        // Notes: insights, then decisions.
        let insightIDs = Set(data.insights.map(\.id))
        if !data.insights.isEmpty || !data.decisions.isEmpty {
            xml.start("Notes")
            for insight in data.insights {
                let statement = insight.value("statement")?.text ?? ""
                let evidence = ExportDataset.ids(insight, Insight.evidenceSet).count
                let lines = [statement, "",
                             "Status: \(insight.value("status")?.text ?? "-")", "Confidence: \(insight.value("confidence")?.text ?? "-")",
                             "Area: \(insight.value("area")?.text ?? "-")",
                             "Evidence: \(evidence) note\(evidence == 1 ? "" : "s")"]
                xml.start("Note", [("guid", GUID.of(insight.id)), ("name", "Insight: " + clipped(statement, 80))])
                xml.leaf("Description", "fieldnotes insight \(insight.id.hex)")
                xml.leaf("PlainTextContent", lines.joined(separator: "\n"))
                xml.end()
            }
            for decision in data.decisions {
                let title = decision.value("title")?.text ?? ""
                var lines = [title, ""]
                if let description = decision.value("description")?.text, !description.isEmpty { lines += [description, ""] }
                lines += ["Status: \(decision.value("status")?.text ?? "-")", "Decided: \(decision.value("decided_at")?.text ?? "-")",
                          "The evidence suggested: \(decision.value("suggested")?.text ?? "-")",
                          "Decision made: \(decision.value("made")?.text ?? "-")",
                          "Follows the evidence: \(decision.value("follows_evidence")?.text ?? "-")"]
                xml.start("Note", [("guid", GUID.of(decision.id)), ("name", "Decision: " + clipped(title, 80))])
                xml.leaf("Description", "fieldnotes decision \(decision.id.hex)")
                xml.leaf("PlainTextContent", lines.joined(separator: "\n"))
                for insight in ExportDataset.ids(decision, Decision.insightSet) where insightIDs.contains(insight) {
                    xml.empty("NoteRef", [("targetGUID", GUID.of(insight))])
                }
                xml.end()
            }
            xml.end()
        }

        xml.leaf("Description", "Exported by fieldnotes from \(data.exportedBy) at \(now). Filters: \(data.filter.summary). "
                 + "Notes whose consent was declined or withdrawn are included without their text.")
        xml.end()
        return Project(xml: xml.text, sources: files)
    }

    static func variableValue(_ xml: inout XMLBuilder, _ variable: String, _ element: String, _ value: String) {
        xml.start("VariableValue")
        xml.empty("VariableRef", [("targetGUID", GUID.named("variable", variable))])
        xml.leaf(element, value)
        xml.end()
    }

    static func clipped(_ text: String, _ limit: Int) -> String {
        let flat = text.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}
