import Analysis
import CRDT
import Store

/// Cases, memos and passages as the CSV and NDJSON exports write them.
extension ExportDataset {
    /// Reads the memos this export holds (`Memos.all`'s rules):
    /// - about a note in scope, or a passage this export holds;
    /// - about a theme in the codebook (exported whole), or a case this export holds;
    /// - never about a deleted target, or one out of scope.
    ///
    /// A memo withheld with its note's text keeps its id, target, author and
    /// date, and loses its body, as a withheld note loses its title and body.
    mutating func loadMemos(_ store: Store) throws {
        let passageIDs = Set(passages.map(\.record.id))
        var memos: [VisibleRecord] = []
        var targets: [RecordID: Memos.Target] = [:]
        var withheld: Set<RecordID> = []
        for memo in try Memos.all(store) where !memo.targetDeleted {
            switch memo.target.type {
            case Note.type: guard noteIDs.contains(memo.target.id) else { continue }
            case Passage.type: guard passageIDs.contains(memo.target.id) else { continue }
            case Theme.type: guard tree.themes[memo.target.id] != nil else { continue }
            case Case.type: guard cases.contains(where: { $0.id == memo.target.id }) else { continue }
            default: continue
            }
            targets[memo.id] = memo.target
            if memo.withheld {
                withheld.insert(memo.id)
                memos.append(memo.record.transformed(dropping: ["body"]))
            } else {
                memos.append(memo.record)
            }
        }
        self.memos = memos
        self.memoTargets = targets
        self.withheldMemos = withheld
    }

    /// Reads the cases of the exported notes (`Cases`' rule: a note belongs
    /// to each live case whose pseudonym is its participant), in pseudonym
    /// order, and the attributes defined for cases.
    mutating func loadCases(_ store: Store) throws {
        let all = try Cases.load(store)
        var wanted: Set<RecordID> = []
        // With no cases, no note need be looked at.
        if !all.cases.isEmpty {
            for note in notes { for record in all.cases(of: note) { wanted.insert(record.id) } }
        }
        cases = all.cases.filter { wanted.contains($0.id) }
        caseAttributes = all.attributes
    }

    /// A case's attribute values that are set, in attribute order.
    func attributeValues(_ record: VisibleRecord) -> [(name: String, value: Value)] {
        caseAttributes.compactMap { attribute in record.value(attribute.field).map { (attribute.name, $0) } }
    }

    /// A passage's place and words as the CSV and NDJSON exports write them:
    /// offsets (Unicode scalars, end exclusive) in the note's body as this
    /// export writes it (so after `--redact`'s placeholders), and those words.
    /// All nil when its note's text is withheld, all of its words are
    /// deleted, or this store does not hold them.
    func placed(_ passage: Passages.Resolved, notes byID: [RecordID: VisibleRecord]) -> (start: Int, end: Int, text: String)? {
        guard let note = byID[passage.note], case .body(let range) = placement(of: passage, in: note) else { return nil }
        let body = Array((note.value("body")?.text ?? "").unicodeScalars)
        return (range.lowerBound, range.upperBound, String(String.UnicodeScalarView(body[range])))
    }

    /// The notes in scope that passages are on, by id, for `placed(_:notes:)`.
    var notesWithPassages: [RecordID: VisibleRecord] {
        let coded = Set(passages.map(\.note))
        guard !coded.isEmpty else { return [:] }
        return Dictionary(notes.filter { coded.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The passages in the order the notes are exported, then by where they
    /// start in the body, then by id: how `passages.csv` and NDJSON list them.
    var passagesInNoteOrder: [Passages.Resolved] {
        let order = Dictionary(notes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        return passages.sorted {
            (order[$0.note] ?? .max, $0.span?.start ?? .max, $0.record.id) < (order[$1.note] ?? .max, $1.span?.start ?? .max, $1.record.id)
        }
    }
}
