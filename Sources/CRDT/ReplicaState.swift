/// The CRDT in memory: the set of operations a replica holds and the state
/// they imply. Pure values, no I/O; the store materialises exactly the same
/// rules in SQLite, and the tests hold the two against each other.
///
/// Rules (Shapiro et al., *A comprehensive study of Convergent and Commutative
/// Replicated Data Types*, 2011):
/// - a field is a multi-value register: its heads are the writes no other
///   known write names in `replaces`;
/// - a set is an observed-remove set with operation ids as add tags (Bieniusa
///   et al., *An optimized conflict-free replicated set*, 2012): an element is
///   present while some add of it is not named by a remove;
/// - erase purges the record's values, now and for operations arriving later.
/// Each rule depends only on which operations are held, so merging is
/// commutative, associative and idempotent.
public struct ReplicaState: Sendable {
    public let replica: ReplicaID
    public private(set) var clock: HybridLogicalClock
    /// Every operation held (purged where its record is erased).
    public private(set) var operations = OperationLog()
    /// Every record an operation names, found through `recordSlots`.
    private var records: [MutableRecord] = []
    private var recordSlots: [RecordID: Int] = [:]
    /// The record applied to last: a merge brings runs of operations on one record.
    private var lastRecord = 0

    private struct MutableRecord: Sendable {
        let id: RecordID
        var type: String?
        var erased = false
        /// Ids that some write to this record replaces or some remove observed:
        /// never heads or members, whenever they arrive.
        var covered = OperationIDSet()
        var fields: [String: [FieldHead]] = [:]
        /// Set name → live add tag → element.
        var sets: [String: [OperationID: Value]] = [:]
        /// Text field name → its operations (assigns included), built into a `TextField` when read.
        var texts: [String: [Operation]] = [:]
    }

    public init(replica: ReplicaID, clock: HybridLogicalClock = HybridLogicalClock()) {
        self.replica = replica
        self.clock = clock
    }

    /// For each origin, the seq up to which every operation is held.
    public var vector: VersionVector { operations.vector }

    // MARK: Merging

    /// Applies an operation from anywhere; returns false if it was already held.
    @discardableResult
    public mutating func apply(_ operation: Operation, wallMillis: UInt64 = 0) -> Bool {
        let place = operations.place(of: operation.id)
        guard place != .held else { return false }
        clock.observe(operation.timestamp, wallMillis: wallMillis)
        // Mutated in place: copying a large record per operation would be quadratic.
        let (purged, erases) = ReplicaState.admit(operation, into: &records[recordSlot(operation.record)])
        operations.insert(purged ? operation.purged : operation, at: place)
        if erases { operations.purge(record: operation.record) }
        return true
    }

    /// Applies every operation of `other` this replica lacks. The result does
    /// not depend on the order; each origin's operations go in seq order.
    public mutating func merge(_ other: ReplicaState, wallMillis: UInt64 = 0) {
        for operation in other.operations.values { apply(operation, wallMillis: wallMillis) }
    }

    /// The index in `records` of the record `id`, made if new.
    private mutating func recordSlot(_ id: RecordID) -> Int {
        if lastRecord < records.count, records[lastRecord].id == id { return lastRecord }
        if let slot = recordSlots[id] {
            lastRecord = slot
            return slot
        }
        records.append(MutableRecord(id: id))
        lastRecord = records.count - 1
        recordSlots[id] = lastRecord
        return lastRecord
    }

    /// The record `id`, if an operation named it.
    private func held(_ id: RecordID) -> MutableRecord? {
        recordSlots[id].map { records[$0] }
    }

    /// Brings an operation into its record. Returns whether to hold it purged
    /// (its record is erased), and whether it erases the record now.
    private static func admit(_ operation: Operation, into record: inout MutableRecord) -> (purged: Bool, erases: Bool) {
        guard !record.erased else {
            // A create (which purging leaves as it is) still names an erased record's
            // type, so the record shows as erased whether its create came before or after the erase.
            if operation.action.kind == .create { materialise(operation, into: &record) }
            return (true, false)
        }
        materialise(operation, into: &record)
        return (false, operation.action.kind == .erase)
    }

    private static func materialise(_ operation: Operation, into record: inout MutableRecord) {
        switch operation.action {
        case .create(let type):
            // Two creates of one id (only a buggy or hostile peer makes them)
            // settle on the byte-wise smaller type, whatever the order.
            if let existing = record.type, !type.utf8.lexicographicallyPrecedes(existing.utf8) { break }
            record.type = type
        case .assign(let field, _, _) where TextField.isText(field):
            record.texts[field, default: []].append(operation)
        case .insertText(let field, _), .deleteText(let field, _):
            record.texts[field, default: []].append(operation)
        case .assign(let field, let value, let replaces):
            for id in replaces { record.covered.insert(id) }
            let head = record.covered.contains(operation.id) ? nil : FieldHead(id: operation.id, timestamp: operation.timestamp, value: value)
            // One lookup, and the heads changed where they lie.
            settle(&record.fields[field, default: []], replaces: replaces, adding: head)
        case .add(let set, let element):
            if !record.covered.contains(operation.id) { record.sets[set, default: [:]][operation.id] = element }
        case .remove(let set, _, let observed):
            for id in observed { record.covered.insert(id) }
            for tag in observed { record.sets[set]?[tag] = nil }
        case .erase:
            record.erased = true
            record.fields = [:]
            record.sets = [:]
            record.covered = OperationIDSet()
            record.texts = [:]
        }
    }

    /// A field's heads after a write: without those it replaces, with the write if no write replaces it.
    private static func settle(_ heads: inout [FieldHead], replaces: [OperationID], adding head: FieldHead?) {
        if heads.count == 1, replaces.contains(heads[0].id) {
            // The usual write: it replaces the one head, in place.
            if let head { heads[0] = head } else { heads.removeAll(keepingCapacity: true) }
            return
        }
        if !replaces.isEmpty { heads.removeAll { replaces.contains($0.id) } }
        if let head { heads.append(head) }
    }

    // MARK: Reading

    public func record(_ id: RecordID) -> VisibleRecord? {
        guard let record = held(id), let type = record.type else { return nil }
        var fields = record.fields
        for (name, operations) in record.texts {
            if let head = TextField(replica: replica, operations: operations).head { fields[name] = [head] }
        }
        return VisibleRecord(id: id, type: type, erased: record.erased, fields: fields,
                             sets: record.sets.mapValues { Set($0.values) })
    }

    /// Every visible record, in id order.
    public var visibleRecords: [VisibleRecord] {
        recordSlots.keys.sorted().compactMap { record($0) }
    }

    // MARK: Local changes

    /// Makes and applies a local operation: the next seq of this replica and
    /// a clock tick.
    public mutating func makeLocal(_ record: RecordID, _ action: Action, wallMillis: UInt64) -> Operation {
        let id = OperationID(origin: replica, seq: operations.nextSeq(of: replica))
        let operation = Operation(id: id, timestamp: clock.tick(wallMillis: wallMillis), record: record, action: action)
        apply(operation, wallMillis: wallMillis)
        return operation
    }

    /// Writes a field, replacing every head this replica sees.
    @discardableResult
    public mutating func assign(_ record: RecordID, _ field: String, _ value: Value, wallMillis: UInt64) -> Operation {
        var replaces = (held(record)?.fields[field] ?? []).map(\.id).sorted()
        if TextField.isText(field) {
            // A text field's register heads: its assigns no other assign replaces.
            let assigns = (held(record)?.texts[field] ?? []).filter { $0.action.kind == .assign }
            var covered: Set<OperationID> = []
            for case .assign(_, _, let ids) in assigns.map(\.action) { covered.formUnion(ids) }
            replaces = assigns.map(\.id).filter { !covered.contains($0) }.sorted()
        }
        return makeLocal(record, .assign(field: field, value: value, replaces: replaces), wallMillis: wallMillis)
    }

    /// The text field as this replica holds it (`TextField`).
    public func textField(_ record: RecordID, _ field: String) -> TextField {
        TextField(replica: replica, operations: held(record)?.texts[field] ?? [])
    }

    /// Makes and applies the text operations that turn a text field into `text`.
    @discardableResult
    public mutating func editText(_ record: RecordID, _ field: String, to text: String, wallMillis: UInt64) -> [Operation] {
        var state = textField(record, field)
        return state.edit(to: text).map { makeLocal(record, Action(field, $0), wallMillis: wallMillis) }
    }

    /// Removes an element by naming every add of it this replica sees.
    @discardableResult
    public mutating func remove(_ record: RecordID, _ set: String, _ element: Value, wallMillis: UInt64) -> Operation {
        let observed = (held(record)?.sets[set] ?? [:]).filter { $0.value == element }.map(\.key).sorted()
        return makeLocal(record, .remove(set: set, element: element, observed: observed), wallMillis: wallMillis)
    }
}
