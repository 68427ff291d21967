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
        for operation in all {
            let record = operation.record
            switch operation.action {
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
        return types.keys.sorted().map { id in
            VisibleRecord(id: id, type: types[id]!, erased: erased.contains(id), fields: fields[id] ?? [:], sets: sets[id] ?? [:])
        }
    }
}
