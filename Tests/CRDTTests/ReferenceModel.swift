import CRDT

/// The data model's rules written as directly as possible, as a function of
/// a set of operations with no incremental bookkeeping, to hold
/// `ReplicaState` against (swift-collections' tests do the same with naive
/// reference implementations). Assumes well-formed operations: a write only
/// replaces writes to its own field, a remove only observes adds of its set.
enum ReferenceModel {
    static func visibleRecords(_ operations: some Sequence<Operation>) -> [VisibleRecord] {
        var held: [OperationID: Operation] = [:]
        for operation in operations where held[operation.id] == nil { held[operation.id] = operation }
        let all = Array(held.values)
        let erased = Set(all.compactMap { operation -> RecordID? in
            if case .erase = operation.action { return operation.record }
            return nil
        })
        // Ids some write replaces or some remove observed.
        var covered: Set<OperationID> = []
        for operation in all where !erased.contains(operation.record) {
            switch operation.action {
            case .assign(_, _, let replaces): covered.formUnion(replaces)
            case .remove(_, _, let observed): covered.formUnion(observed)
            default: break
            }
        }
        var types: [RecordID: String] = [:]
        var fields: [RecordID: [String: [FieldHead]]] = [:]
        var sets: [RecordID: [String: Set<Value>]] = [:]
        var texts: [RecordID: [String: [Operation]]] = [:]
        for operation in all {
            let record = operation.record
            switch operation.action {
            case .assign(let field, _, _) where TextField.names.contains(field):
                if !erased.contains(record) { texts[record, default: [:]][field, default: []].append(operation) }
            case .insertText(let field, _), .deleteText(let field, _):
                if !erased.contains(record) { texts[record, default: [:]][field, default: []].append(operation) }
            case .create(let type):
                // The byte-wise smallest type, if a record is ever created twice.
                if let existing = types[record], existing.utf8.lexicographicallyPrecedes(type.utf8) { break }
                types[record] = type
            case .assign(let field, let value, _) where !covered.contains(operation.id) && !erased.contains(record):
                fields[record, default: [:]][field, default: []].append(FieldHead(id: operation.id, timestamp: operation.timestamp, value: value))
            case .add(let set, let element) where !covered.contains(operation.id) && !erased.contains(record):
                sets[record, default: [:]][set, default: []].insert(element)
            default:
                break
            }
        }
        for (record, byField) in texts {
            for (field, operations) in byField {
                if let head = textHead(operations, covered: covered) { fields[record, default: [:]][field] = [head] }
            }
        }
        return types.keys.sorted().map { id in
            VisibleRecord(id: id, type: types[id]!, erased: erased.contains(id), fields: fields[id] ?? [:], sets: sets[id] ?? [:])
        }
    }

    /// A text field read plainly: every operation on it in clock order (a
    /// causal order, since a replica's clock passes what it has seen), each
    /// assign's text as a run with no origins typed by its base replica,
    /// then the bases other than the register's winner deleted.
    static func textHead(_ operations: [Operation], covered: Set<OperationID>) -> FieldHead? {
        let ordered = operations.sorted { ($0.timestamp, $0.id.origin, $0.id.seq) < ($1.timestamp, $1.id.origin, $1.id.seq) }
        var text = TextReferenceModel([])
        var bases: [(id: OperationID, timestamp: Timestamp, count: Int)] = []
        for operation in ordered {
            switch operation.action {
            case .assign(_, let value, _):
                let scalars = value.text?.unicodeScalars.count ?? 0
                bases.append((operation.id, operation.timestamp, scalars))
                if let body = value.text, scalars > 0 {
                    text.apply(.insert(TextInsertion(replica: TextField.baseReplica(of: operation.id), first: 1, text: body, left: nil, right: nil)))
                }
            case .insertText(_, let run):
                if let insertion = run.insertion(by: operation.id.origin) { text.apply(.insert(insertion)) }
            case .deleteText(_, let ranges):
                text.apply(.delete(ranges))
            default:
                break
            }
        }
        let winner = bases.filter { !covered.contains($0.id) }.max { ($0.timestamp, $0.id.origin, $0.id.seq) < ($1.timestamp, $1.id.origin, $1.id.seq) }
        for base in bases where base.id != winner?.id && base.count > 0 {
            text.apply(.delete([CharacterRange(replica: TextField.baseReplica(of: base.id), first: 1, count: UInt64(base.count))]))
        }
        let visible = String(String.UnicodeScalarView(text.items.filter { !$0.deleted }.map(\.scalar)))
        guard !visible.isEmpty, let last = ordered.last else { return nil }
        return FieldHead(id: last.id, timestamp: last.timestamp, value: .text(visible))
    }
}
