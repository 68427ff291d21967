import Analysis
import CRDT
import Dispatch
import Store

/// Everything one export holds, read from the store in one go and already
/// made safe: notes whose consent was declined or withdrawn carry no text,
/// and (with `--redact`) every direct identifier is replaced. Every format is
/// rendered from this, so they cannot disagree about what left the store.
struct ExportDataset {
    /// The notes the filter selects, oldest first.
    private(set) var notes: [VisibleRecord]
    /// Notes whose title and body were withheld for consent.
    let withheld: Set<RecordID>
    private(set) var themes: [VisibleRecord]
    /// Coded passages of the notes in scope, with where they stand today
    /// (their text is withheld with their note's).
    private(set) var passages: [Passages.Resolved]
    private(set) var insights: [VisibleRecord]
    private(set) var decisions: [VisibleRecord]
    /// Every replica's device record, by id (the replica id's bytes).
    private(set) var devices: [VisibleRecord]
    let filter: ExportFilter
    /// When the export was made, in seconds since the Unix epoch.
    let generatedAt: Int64
    /// The exporting device's name and replica.
    private(set) var exportedBy: String
    let replica: ReplicaID
    /// How many identifiers `redacted()` replaced.
    private(set) var redactions = 0
    /// Per note, the identifiers `redacted()` replaced in its body, at their
    /// offsets in the stored body: passages are placed through them (`placement(of:in:)`).
    private(set) var bodyRedactions: [RecordID: [IdentifierScanner.Match]] = [:]

    /// The codebook of `themes` (rebuilt whenever they change).
    private(set) var tree: Codebook
    let noteIDs: Set<RecordID>
    /// Per note: the themes it is coded with, including sub-themes (the
    /// codebook's rule: a note coded with a theme counts for its ancestors).
    private(set) var coded: [RecordID: Set<RecordID>]
    /// Every note an insight names as evidence, in scope or not, as the store
    /// holds it: what `Evidence.flags` judges (never exported itself).
    var evidenceNotes: [RecordID: VisibleRecord] = [:]
    /// Notes left out because their participant withdrew consent (unless
    /// `ExportFilter.includeWithdrawnMetadata`) that the filters would otherwise have selected.
    var withdrawnLeftOut = 0
    /// Whether `redacted()` made this copy.
    private(set) var isRedacted = false
    /// The area vocabulary (wards and the team's areas), for the report's rows and the area filter;
    /// built from `areaRecords`, and rebuilt from them when they are redacted.
    private(set) var areas = Areas([])
    /// Every live area record, as `areas` was built from them.
    private(set) var areaRecords: [VisibleRecord] = []
    /// The name of the known area an area filter names (nil with no filter, or a free-text one).
    private(set) var filteredArea: String?
    /// With a theme filter, the themes it names and those below them: the themes in scope.
    private(set) var filteredThemes: Set<RecordID>?
    /// Distinct people (`people(_:)`) among the notes left out for withdrawn consent.
    private(set) var withdrawnPeople = 0
    /// The text the report writes of its own, besides records: its title (nil when none
    /// was given) and its scope (the filters). Scanned and redacted like the records' text.
    private(set) var reportTitle: String?
    private(set) var reportScope = ""
    /// Whether this export writes the report's own text: `reportTitle`, `reportScope` and the
    /// area vocabulary's names in scope (its rows, gaps and headline), scanned and redacted then;
    /// the team's areas like theme names. The built-in wards are public names, not personal data.
    private(set) var writesReportText = false
    /// Memos about what this export holds, the body dropped from those
    /// withheld with their note's text (`ExportDataset+Analysis.swift`).
    var memos: [VisibleRecord] = []
    /// What each memo is about.
    var memoTargets: [RecordID: Memos.Target] = [:]
    /// Memos withheld with their note's text, for consent.
    var withheldMemos: Set<RecordID> = []
    /// Each note's themes and how it is coded with each (`NoteThemes`).
    var noteThemes: [NoteThemes.Row] = []
    /// The cases of the exported notes (`ExportDataset+Analysis.swift`), and the attributes defined for cases.
    var cases: [VisibleRecord] = []
    var caseAttributes: [CaseAttributeDefinition] = []
    /// The notes' identifiers, found on another thread from the moment they are read (`scan`).
    private(set) var noteScan: NoteScan?

    static func load(_ store: Store, filter: ExportFilter, now: Int64) throws -> ExportDataset {
        var notes = try store.list(try filter.recordFilter())
        // Ethics approvals usually require a withdrawn participant's data to go entirely: metadata and scores too.
        // They are kept aside (few) only to count those the other filters would have selected.
        var withdrawn: [VisibleRecord] = []
        if !filter.includeWithdrawnMetadata {
            withdrawn = notes.filter(Note.hasWithdrawnConsent)
            // In place (order kept): no copy of every record.
            notes.removeAll(where: Note.hasWithdrawnConsent)
        }
        // The area filter matches the vocabulary: any spelling of a known area, in any case.
        let areaRecords = try store.list(RecordFilter(type: Area.type))
        let areas = Areas(areaRecords)
        if let wanted = filter.area {
            let known = areas.area(named: wanted)
            func inArea(_ note: VisibleRecord) -> Bool {
                if let known { return areas.area(of: note)?.name == known.name }
                return Codebook.key(note.value("area")?.text ?? "") == Codebook.key(wanted)
            }
            notes = notes.filter(inArea)
            withdrawn = withdrawn.filter(inArea)
        }
        // The notes' text is scanned for identifiers on the other core while the rest is read and rendered.
        let noteScan = NoteScan(notes)
        let themes = try store.list(RecordFilter(type: Theme.type))
        let tree = Codebook(themes)
        let allPassages = try Passages.all(store)
        let codings = Codings(book: tree, notes: notes, passages: allPassages)
        // Notes coded with no theme are left out: `codes` and the theme filter read a missing note as none.
        var coded: [RecordID: Set<RecordID>] = [:]
        do {
            let notes = notes.span
            for index in notes.indices {
                let themes = codings.themes(of: notes[index].id)
                if !themes.isEmpty { coded[notes[index].id] = themes }
            }
        }
        var filteredThemes: Set<RecordID>?
        if let theme = filter.theme {
            let matches = tree.named(theme)
            filteredThemes = Set(matches.flatMap(tree.subtree))
            guard !matches.isEmpty else {
                let known = tree.ordered.map { tree.name($0.id) }.filter { !$0.isEmpty }
                throw ExportError.unknownTheme(theme, known: known)
            }
            notes = notes.filter { !(coded[$0.id] ?? []).isDisjoint(with: matches) }
            if !withdrawn.isEmpty {
                let codings = Codings(book: tree, notes: withdrawn, passages: allPassages)
                withdrawn = withdrawn.filter { !codings.themes(of: $0.id).isDisjoint(with: matches) }
            }
        }
        // The notes are read borrowed where they stand (a loop over the array, or `map`, copied
        // and retained each one), and only those whose text is withheld are rewritten.
        var withheld: Set<RecordID> = []
        var noteIDs = Set<RecordID>(minimumCapacity: notes.count)
        var withholding: [Int] = []
        do {
            let notes = notes.span
            for index in notes.indices {
                noteIDs.insert(notes[index].id)
                if Note.withholdsText(notes[index]) { withholding.append(index) }
            }
        }
        for index in withholding {
            withheld.insert(notes[index].id)
            notes[index] = notes[index].transformed(dropping: Note.withheldFields)
        }
        let insights = try store.list(RecordFilter(type: Insight.type))
        var evidenceNotes: [RecordID: VisibleRecord] = [:]
        for id in Set(insights.flatMap { Evidence.ids($0, Insight.evidenceSet) }) { evidenceNotes[id] = try store.record(id) }
        var dataset = ExportDataset(
            notes: notes, withheld: withheld, themes: themes,
            passages: allPassages.filter { noteIDs.contains($0.note) && tree.themes[$0.theme] != nil },
            insights: insights,
            decisions: try store.list(RecordFilter(type: Decision.type)),
            devices: try store.list(RecordFilter(type: Store.deviceType)),
            filter: filter, generatedAt: now, exportedBy: try store.name, replica: store.replica,
            tree: tree, noteIDs: noteIDs, coded: coded)
        dataset.evidenceNotes = evidenceNotes
        dataset.noteScan = noteScan
        dataset.areas = areas
        dataset.areaRecords = areaRecords
        dataset.filteredArea = filter.area.flatMap { areas.area(named: $0)?.name }
        dataset.filteredThemes = filteredThemes
        dataset.reportScope = filter.summary
        dataset.withdrawnLeftOut = withdrawn.count
        dataset.withdrawnPeople = ExportDataset.people(withdrawn)
        dataset.noteThemes = NoteThemes.rows(codings, notes: notes)
        try dataset.loadCases(store)
        try dataset.loadMemos(store)
        return dataset
    }

    /// A passage's words as an export may show them: nil for a note out of
    /// scope or whose words are withheld, or a passage whose words are gone;
    /// with identifiers replaced in a redacted export.
    func quotable(_ passage: Passages.Resolved) -> String? {
        guard noteIDs.contains(passage.note), !withheld.contains(passage.note), let text = passage.span?.text, !text.isEmpty else { return nil }
        return isRedacted ? IdentifierScanner.redact(text).text : text
    }

    /// Says what this export writes besides the records: the report writes its title, its
    /// scope and the names of the areas in scope. `format` nil (`scan`) takes what any export
    /// would write: the report's, without a title.
    mutating func prepare(for format: ExportFormat?, title: String? = nil) {
        guard format == nil || format == .report else { return }
        writesReportText = true
        let title = title?.trimmingSpaces ?? ""
        reportTitle = title.isEmpty ? nil : title
    }

    /// The known areas in the export's scope: every one, or the one an area filter names
    /// (none for a filter naming a free-text area), in the vocabulary's order.
    var scopedAreas: [KnownArea] {
        guard filter.area != nil else { return areas.known }
        return filteredArea.flatMap { areas.area(withName: $0) }.map { [$0] } ?? []
    }

    /// The themes in the export's scope, in codebook order: every theme, or with a theme filter
    /// the themes it names and those below them (a theme above counts notes the filter left out).
    var scopedThemes: [(id: RecordID, depth: Int)] {
        guard let filteredThemes else { return tree.ordered }
        return tree.ordered.filter { filteredThemes.contains($0.id) }
    }

    /// The area records whose names this export writes: the team's areas in scope, their
    /// names only (aliases are not written), when the export writes the vocabulary at all.
    var writtenAreaRecords: [VisibleRecord] {
        guard writesReportText else { return [] }
        let written = Set(scopedAreas.filter { $0.source == .team }.flatMap(\.records))
        return areaRecords.filter { written.contains($0.id) }.map { $0.transformed(dropping: [Area.aliasSet]) }
    }

    // MARK: People

    /// Who a note is about, for counting people: its participant's pseudonym
    /// (ignoring case), or the note itself when it names none.
    static func person(_ note: VisibleRecord) -> String {
        let participant = Codebook.key(note.value("participant")?.text ?? "")
        return participant.isEmpty ? "note " + note.id.hex : "person " + participant
    }

    /// How many distinct people (`person(_:)`) the notes are about.
    static func people(_ notes: some Sequence<VisibleRecord>) -> Int { Set(notes.map(person)).count }

    /// Device names by replica, as `RecordJSON` wants them for conflict authors.
    var names: [ReplicaID: String] {
        var names: [ReplicaID: String] = [:]
        for device in devices {
            if let replica = ReplicaID(bytes: device.id.bytes), let name = device.value("name")?.text { names[replica] = name }
        }
        return names
    }

    // MARK: Identifiers

    /// Fields and sets that hold record ids, not free text: never scanned or redacted.
    static func isIDField(_ type: String, _ field: String) -> Bool {
        (type == Theme.type && field == "parent") || (type == Passage.type && ["note", "theme", "start", "last"].contains(field))
            || (type == Memo.type && field == "target")
    }
    static func isIDSet(_ type: String, _ set: String) -> Bool {
        (type == Insight.type && [Insight.themeSet, Insight.evidenceSet, Insight.pinnedSet].contains(set)) || (type == Decision.type && set == Decision.insightSet)
    }

    /// Every direct identifier in the text this export would write, record by record.
    /// The notes' hits come from the scan `load` started on another thread as soon
    /// as the notes were read (`NoteScan`), kept for the notes still in scope and
    /// without those in withheld text; the other records are scanned here.
    func scan() -> [IdentifierHit] {
        var hits: [IdentifierHit] = []
        var cache = ScanCache()
        if let noteScan {
            let found = noteScan.result()
            for note in notes {
                guard let noteHits = found[note.id] else { continue }
                // A note withheld for consent lost its title and body after it was scanned.
                if withheld.contains(note.id) {
                    hits += noteHits.filter { !Note.withheldFields.contains($0.field) }
                } else {
                    hits += noteHits
                }
            }
        } else {
            for record in notes { ExportDataset.scan(record, cache: &cache, into: &hits) }
        }
        for records in [themes, insights, decisions, devices, memos, cases, writtenAreaRecords] {
            for record in records { ExportDataset.scan(record, cache: &cache, into: &hits) }
        }
        // A passage's coder is written as text too, like a memo's author (a device's name then, perhaps not now).
        for passage in passages { ExportDataset.scan(passage.record, cache: &cache, into: &hits) }
        if writesReportText {
            for (field, text) in [("title", reportTitle ?? ""), ("scope", reportScope)] {
                for match in IdentifierScanner.matches(in: text) {
                    hits.append(IdentifierHit(record: nil, type: "report", field: field, kind: match.kind))
                }
            }
        }
        return hits
    }

    /// What an export reports for an identifier in a measure's name: never the name, which holds it.
    static let measureNameField = "measure name"

    /// The kinds of identifier in the name of a note's measure field
    /// (`measures.NAME`), by `IdentifierScanner.identifiers(inMeasureName:)`;
    /// empty for any other field. Such a measure is reported by `scan` and
    /// left out whole by `redacted()`: its name is the identifier, and its
    /// value means nothing without it.
    static func identifiers(inMeasureField field: String, type: String, cache: inout ScanCache) -> [IdentifierKind] {
        guard type == Note.type, field.hasPrefix(Note.measurePrefix) else { return [] }
        if let known = cache.knownMeasureNames[field] { return known }
        let found = IdentifierScanner.identifiers(inMeasureName: String(field.dropFirst(Note.measurePrefix.count)))
        cache.knownMeasureNames[field] = found
        return found
    }

    /// What `scan` remembers between records. Short values repeat across records
    /// (areas, kinds, consent, tags, dates): each distinct one is scanned once.
    /// Longer text (bodies) is scanned every time. Plain text no rule can match
    /// (`IdentifierScanner.mayHoldIdentifier`) is let go before the cache is asked:
    /// no hashing for most values. Participants repeat too (a pseudonym on each of
    /// its person's notes), and their rule differs (`IdentifierScanner.holdsPseudonym`):
    /// remembered apart.
    struct ScanCache {
        var known: [String: [IdentifierScanner.Match]] = [:]
        var knownPseudonyms: [String: [IdentifierScanner.Match]] = [:]
        /// Measure fields (`measures.NAME`) by name: a few names on many notes.
        var knownMeasureNames: [String: [IdentifierKind]] = [:]
    }

    /// Appends the direct identifiers in one record's text, field by field, then set by set.
    static func scan(_ record: VisibleRecord, cache: inout ScanCache, into hits: inout [IdentifierHit]) {
        func remembered(_ text: String, in cache: inout [String: [IdentifierScanner.Match]],
                        _ scan: (String) -> [IdentifierScanner.Match]) -> [IdentifierScanner.Match] {
            guard text.utf8.count <= ExportDataset.rememberedLength else { return scan(text) }
            if let found = cache[text] { return found }
            let found = scan(text)
            cache[text] = found
            return found
        }
        // Fields, heads and elements borrowed where they stand: a loop over copies retained
        // each one's storage, while the other threads read the same records.
        let type = record.type
        let isNote = type == Note.type
        let fields = record.fields.span
        for f in fields.indices {
            let name = fields[f].name
            guard !ExportDataset.isIDField(type, name) else { continue }
            // Only a note's measures (`measures.NAME`) start with "m" among its fields: the rest go by on one byte.
            if isNote, name.utf8.first == UInt8(ascii: "m") {
                for kind in identifiers(inMeasureField: name, type: type, cache: &cache) {
                    hits.append(IdentifierHit(record: record.id, type: type, field: measureNameField, kind: kind))
                }
            }
            // A participant that looks like a name counts whole (`IdentifierScanner.holdsPseudonym`).
            let pseudonym = IdentifierScanner.holdsPseudonym(type: type, field: name)
            let heads = fields[f].heads.span
            for h in heads.indices {
                guard case .text(let text) = heads[h].value else { continue }
                let found = pseudonym
                    ? remembered(text, in: &cache.knownPseudonyms) { IdentifierScanner.matches(in: $0, type: type, field: name) }
                    : IdentifierScanner.mayHoldIdentifier(text) ? remembered(text, in: &cache.known, IdentifierScanner.candidateMatches(in:)) : []
                for match in found {
                    hits.append(IdentifierHit(record: record.id, type: type, field: name, kind: match.kind))
                }
            }
        }
        let sets = record.sets.span
        for s in sets.indices {
            let name = sets[s].name
            guard !ExportDataset.isIDSet(type, name) else { continue }
            let elements = sets[s].elements.span
            for e in elements.indices {
                guard case .text(let text) = elements[e], IdentifierScanner.mayHoldIdentifier(text) else { continue }
                for match in remembered(text, in: &cache.known, IdentifierScanner.candidateMatches(in:)) {
                    hits.append(IdentifierHit(record: record.id, type: type, field: name, kind: match.kind))
                }
            }
        }
    }

    /// The longest text (in UTF-8 bytes) `scan` remembers the matches of.
    static let rememberedLength = 64

    /// The same data with every direct identifier replaced by its placeholder.
    func redacted() -> ExportDataset {
        var copy = self
        copy.isRedacted = true
        // Scanned afresh if ever asked: the notes scanned so far are the unredacted ones.
        copy.noteScan = nil
        var count = 0
        var cache = ScanCache()
        func redact(_ record: VisibleRecord) -> VisibleRecord {
            // A measure whose name holds an identifier goes whole (`identifiers(inMeasureField:)`).
            var dropping: Set<String> = []
            for field in record.type == Note.type ? record.fields : [] where field.name.hasPrefix(Note.measurePrefix) {
                let found = ExportDataset.identifiers(inMeasureField: field.name, type: record.type, cache: &cache)
                if !found.isEmpty { dropping.insert(field.name) }
                count += found.count
            }
            return record.transformed(dropping: dropping, field: { field, value in
                guard !ExportDataset.isIDField(record.type, field), let text = value.text else { return value }
                let result = IdentifierScanner.redact(text, type: record.type, field: field)
                count += result.count
                return .text(result.text)
            }, element: { set, value in
                guard !ExportDataset.isIDSet(record.type, set), let text = value.text else { return value }
                let result = IdentifierScanner.redact(text)
                count += result.count
                return .text(result.text)
            })
        }
        copy.notes = notes.map(redact)
        for note in notes {
            if let body = note.value("body")?.text { copy.bodyRedactions[note.id] = IdentifierScanner.matches(in: body) }
        }
        copy.themes = themes.map(redact)
        copy.tree = Codebook(copy.themes)
        copy.insights = insights.map(redact)
        copy.decisions = decisions.map(redact)
        copy.memos = memos.map(redact)
        copy.passages = passages.map { $0.replacing(record: redact($0.record)) }
        copy.cases = cases.map(redact)
        copy.devices = devices.map(redact)
        copy.exportedBy = IdentifierScanner.redact(exportedBy).text
        // Every area record is redacted (aliases too), so the notes' redacted areas still find their
        // areas in the rebuilt vocabulary; only the names the export writes are counted.
        let counted = count
        copy.areaRecords = areaRecords.map(redact)
        count = counted + writtenAreaRecords.reduce(0) { $0 + ($1.value("name")?.text.map { IdentifierScanner.redact($0).count } ?? 0) }
        copy.areas = Areas(copy.areaRecords)
        copy.filteredArea = filteredArea.map { IdentifierScanner.redact($0).text }
        if writesReportText {
            for text in [reportTitle ?? "", reportScope] { count += IdentifierScanner.redact(text).count }
        }
        copy.reportTitle = reportTitle.map { IdentifierScanner.redact($0).text }
        copy.reportScope = IdentifierScanner.redact(reportScope).text
        copy.redactions = count
        return copy
    }

    // MARK: Views the formats share

    /// The note's tags as text, in canonical order.
    static func tags(_ note: VisibleRecord) -> [String] { note.elements(Note.tagSet).compactMap(\.text) }

    /// Themes a tag codes: those answering to it (the codebook's rule).
    func themes(coding tag: String) -> [RecordID] { tree.named(tag) }

    /// Whether a note is coded with the theme, including its sub-themes.
    func codes(_ note: RecordID, _ theme: RecordID) -> Bool { coded[note]?.contains(theme) ?? false }
}

/// The identifier hits of each note that has any, found on another thread
/// (`ExportDataset.scan`'s rules): `result()` waits for them.
final class NoteScan: Sendable {
    private let handover = Handover<[RecordID: [IdentifierHit]]>()

    init(_ notes: [VisibleRecord]) {
        let handover = handover
        DispatchQueue.global().async {
            var cache = ExportDataset.ScanCache()
            var found: [RecordID: [IdentifierHit]] = [:]
            var hits: [IdentifierHit] = []
            // Each note borrowed where it stands (a loop over the array copied, and retained, each one).
            let notes = notes.span
            for index in notes.indices {
                ExportDataset.scan(notes[index], cache: &cache, into: &hits)
                guard !hits.isEmpty else { continue }
                found[notes[index].id] = hits
                hits.removeAll(keepingCapacity: true)
            }
            handover.put(found)
        }
    }

    /// Each note's hits in the order `scan` finds them, by note; waits until the scan is done.
    func result() -> [RecordID: [IdentifierHit]] { handover.take() ?? [:] }
}

extension VisibleRecord {
    /// A copy with some fields removed and values rewritten, through the
    /// public initialiser so the copy keeps every invariant of the original.
    func transformed(dropping: Set<String> = [], field: (String, Value) -> Value = { $1 },
                     element: (String, Value) -> Value = { $1 }) -> VisibleRecord {
        var fields: [String: [FieldHead]] = [:]
        for (name, heads) in self.fields where !dropping.contains(name) {
            fields[name] = heads.map { FieldHead(id: $0.id, timestamp: $0.timestamp, value: field(name, $0.value)) }
        }
        var sets: [String: Set<Value>] = [:]
        for (name, elements) in self.sets where !dropping.contains(name) {
            sets[name] = Set(elements.map { element(name, $0) })
        }
        return VisibleRecord(id: id, type: type, erased: erased, fields: fields, sets: sets)
    }
}
