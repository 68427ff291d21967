/// A text field (a note's body) as a replica shows it: the `TextSequence`
/// built from every operation on the field, whatever their order
/// (`Protocol/OPERATIONS.md` §4.7).
///
/// Text operations (`insertText`, `deleteText`) edit the sequence. An
/// `assign` to a text field, which stores from before text fields wrote,
/// is a **base**: its text is one run with no origins, typed by a replica id
/// derived from the assign's id (`baseReplica(of:)`), so every replica gives
/// the same characters the same ids. Of the bases, only the field's winning
/// register head (§4.3) is shown; the others stay as deleted characters,
/// so edits made around them keep their place. A store migrated from
/// registers therefore shows each body exactly as before, and a text edit
/// made on it names the base's characters.
public struct TextField: Sendable {
    /// The fields that are text fields, on every record type.
    public static let names: Set<String> = ["body"]

    /// Whether `field` is a text field: `names` searched without hashing, as
    /// every assign asks and there are one or two names.
    public static func isText(_ field: String) -> Bool { nameList.contains(field) }
    private static let nameList = Array(names)

    public private(set) var sequence: TextSequence
    /// Operations on the field this state holds (bases and text
    /// operations): a store compares it with its log to tell a stale copy.
    public private(set) var operationCount = 0
    /// The latest operation on the field, by `(timestamp, origin, seq)`.
    public private(set) var lastEdit: (id: OperationID, timestamp: Timestamp)?

    /// Builds the field from all its operations, in any order; operations
    /// that are not on a text field are ignored. `replica` makes the local edits.
    public init(replica: ReplicaID, operations: some Sequence<Operation>) {
        sequence = TextSequence(replica: replica)
        var bases: [(id: OperationID, timestamp: Timestamp, count: UInt64)] = []
        var covered: Set<OperationID> = []
        var edits: [Operation] = []
        for operation in operations {
            switch operation.action {
            case .assign(_, let value, let replaces):
                covered.formUnion(replaces)
                noteEdit(operation)
                let count = UInt64(value.text?.unicodeScalars.count ?? 0)
                bases.append((operation.id, operation.timestamp, count))
                if let text = value.text, count > 0 {
                    sequence.apply(.insert(TextInsertion(replica: TextField.baseReplica(of: operation.id), first: 1, text: text,
                                                         left: nil, right: nil)))
                }
            case .insertText, .deleteText:
                edits.append(operation)
            case .create, .add, .remove, .erase:
                break
            }
        }
        // The register's winner among the bases no other base replaces.
        let winner = bases.filter { !covered.contains($0.id) }
            .max { ($0.timestamp, $0.id.origin, $0.id.seq) < ($1.timestamp, $1.id.origin, $1.id.seq) }?.id
        let hidden = bases.filter { $0.id != winner && $0.count > 0 }
            .map { CharacterRange(replica: TextField.baseReplica(of: $0.id), first: 1, count: $0.count) }
        if !hidden.isEmpty { sequence.apply(.delete(hidden)) }
        operationCount = bases.count
        for edit in edits { _ = apply(edit) }
    }

    /// Applies a text operation, in any order, any number of times (a
    /// duplicate changes nothing but is counted: the caller applies each
    /// operation it stores once). Returns false, changing nothing, for an
    /// assign: a new base can change which base shows, so the caller builds
    /// the field again from all its operations.
    public mutating func apply(_ operation: Operation) -> Bool {
        switch operation.action {
        case .insertText(_, let run):
            if let insertion = run.insertion(by: operation.id.origin) { sequence.apply(.insert(insertion)) }
        case .deleteText(_, let ranges):
            sequence.apply(.delete(ranges))
        case .create, .assign, .add, .remove, .erase:
            return false
        }
        operationCount += 1
        noteEdit(operation)
        return true
    }

    private mutating func noteEdit(_ operation: Operation) {
        if let last = lastEdit, (last.timestamp, last.id.origin, last.id.seq) >= (operation.timestamp, operation.id.origin, operation.id.seq) { return }
        lastEdit = (operation.id, operation.timestamp)
    }

    public var text: String { sequence.text }

    /// What the field shows as a register head: its text, dated by its
    /// latest operation; nil when the text is empty (the field is unset).
    public var head: FieldHead? {
        guard sequence.count > 0, let lastEdit else { return nil }
        return FieldHead(id: lastEdit.id, timestamp: lastEdit.timestamp, value: .text(sequence.text))
    }

    /// The replica id that types an assign's base text: the assign's
    /// origin with its first 8 bytes inverted and its last 8 bytes XORed
    /// with the seq (big-endian). Distinct for distinct assigns, and never
    /// the origin itself.
    public static func baseReplica(of id: OperationID) -> ReplicaID {
        ReplicaID(high: ~id.origin.high, low: id.origin.low ^ id.seq)
    }

    // MARK: Local edits

    /// The text operations that turn the text into `newText`, applied here:
    /// only what differs is deleted and inserted (`TextDiff`), so a
    /// one-character fix is a one-character operation.
    public mutating func edit(to newText: String) -> [TextOperation] {
        let old = Array(sequence.text.unicodeScalars)
        let new = Array(newText.unicodeScalars)
        var made: [TextOperation] = []
        // Last edit first, so the offsets of the ones before stay valid.
        for change in TextDiff.edits(from: old, to: new).reversed() {
            if change.deleteCount > 0, let delete = sequence.delete(change.offset ..< change.offset + change.deleteCount) {
                made.append(delete)
            }
            if !change.insert.isEmpty,
               let insert = sequence.insert(String(String.UnicodeScalarView(change.insert)), at: change.offset) {
                made.append(insert)
            }
        }
        return made
    }

    /// The text operations that make the changes a person made to `base`
    /// (this field as it read earlier, when it was shown to them) to reach
    /// `newText`, applied here. Edits others made since `base` are kept: each
    /// deletion names the characters the person saw, and each insertion goes
    /// after the character that preceded it in `base`, wherever that
    /// character stands now (a three-way merge, character by character).
    /// `base` must be an earlier state of this field on this replica.
    public mutating func edit(from base: TextSequence, to newText: String) -> [TextOperation] {
        let old = Array(base.text.unicodeScalars)
        let visible = base.elements.filter { !$0.isDeleted }.map(\.id)
        guard visible.count == old.count else { return edit(to: newText) }
        var made: [TextOperation] = []
        for change in TextDiff.edits(from: old, to: Array(newText.unicodeScalars)).reversed() {
            // The characters deleted, where they stand today: contiguous runs, last first.
            let offsets = visible[change.offset ..< change.offset + change.deleteCount]
                .filter { sequence.isVisible($0) }
                .compactMap { sequence.offset(of: TextSequence.Anchor(character: $0)) }
                .sorted()
            var runs: [Range<Int>] = []
            for offset in offsets {
                if let last = runs.last, last.upperBound == offset { runs[runs.count - 1] = last.lowerBound ..< offset + 1 } else { runs.append(offset ..< offset + 1) }
            }
            for run in runs.reversed() {
                if let delete = sequence.delete(run) { made.append(delete) }
            }
            guard !change.insert.isEmpty else { continue }
            var at = 0
            if change.offset > 0 {
                let left = visible[change.offset - 1]
                let stood = sequence.offset(of: TextSequence.Anchor(character: left)) ?? sequence.count
                at = sequence.isVisible(left) ? stood + 1 : stood
            }
            if let insert = sequence.insert(String(String.UnicodeScalarView(change.insert)), at: min(at, sequence.count)) {
                made.append(insert)
            }
        }
        return made
    }

    /// The operation that appends `text` at the end, applied here.
    public mutating func append(_ text: String) -> TextOperation? {
        sequence.insert(text, at: sequence.count)
    }
}
