/// One write that no other known write overwrites.
public struct FieldHead: Hashable, Sendable {
    public let id: OperationID
    public let timestamp: Timestamp
    public let value: Value

    public init(id: OperationID, timestamp: Timestamp, value: Value) {
        self.id = id
        self.timestamp = timestamp
        self.value = value
    }

    /// The order in which heads are shown: the greatest `(timestamp, origin)`
    /// wins, so every replica shows the same winner. `seq` only breaks ties a
    /// well-behaved origin never makes (it never reuses a timestamp).
    public static func showsBefore(_ a: FieldHead, _ b: FieldHead) -> Bool {
        (a.timestamp, a.id.origin, a.id.seq) > (b.timestamp, b.id.origin, b.id.seq)
    }
}

/// What a replica shows of one record: its type, whether it was erased, each
/// field's heads (winner first; more than one is a conflict) and each set's
/// present elements. Built the same way by the in-memory model and the store,
/// and serialised canonically for the state digest.
public struct VisibleRecord: Hashable, Sendable {
    public let id: RecordID
    public let type: String
    public let erased: Bool
    /// Field name → heads, winner first, names in byte order. A field whose
    /// only head is `.null` is unset and left out.
    public let fields: [(name: String, heads: [FieldHead])]
    /// Set name → present elements in canonical order; empty sets left out.
    public let sets: [(name: String, elements: [Value])]

    public init(id: RecordID, type: String, erased: Bool,
                fields: [String: [FieldHead]], sets: [String: Set<Value>]) {
        func byName(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        self.init(id: id, type: type, erased: erased,
                  orderedFields: fields.sorted { byName($0.key, $1.key) }.map { (name: $0.key, heads: $0.value) },
                  orderedSets: sets.sorted { byName($0.key, $1.key) }.map { (name: $0.key, elements: Array($0.value)) })
    }

    /// The same record from fields and sets already in byte order of their
    /// names, as a store reads them from its primary keys: no dictionaries to
    /// build. Heads may be in any order; elements may repeat.
    public init(id: RecordID, type: String, erased: Bool,
                orderedFields: [(name: String, heads: [FieldHead])], orderedSets: [(name: String, elements: [Value])]) {
        self.id = id
        self.type = type
        self.erased = erased
        if erased {
            self.fields = []
            self.sets = []
            return
        }
        // Most fields have one head that is set, and most sets one element: those
        // arrays are kept as they came (no copy), and only the rest rebuilt.
        if orderedFields.allSatisfy({ $0.heads.count == 1 && !$0.heads[0].value.isNull }) {
            self.fields = orderedFields
        } else {
            self.fields = orderedFields
                .filter { !$0.heads.isEmpty && !($0.heads.count == 1 && $0.heads[0].value.isNull) }
                .map { (name: $0.name, heads: $0.heads.count == 1 ? $0.heads : $0.heads.sorted(by: FieldHead.showsBefore)) }
        }
        if orderedSets.allSatisfy({ $0.elements.count == 1 }) {
            self.sets = orderedSets
            return
        }
        self.sets = orderedSets.compactMap { set in
            guard set.elements.count > 1 else { return set.elements.isEmpty ? nil : set }
            var keyed = set.elements.map { (bytes: $0.canonicalBytes, value: $0) }
            if keyed.count > 1 { keyed.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) } }
            var elements: [Value] = []
            var previous: [UInt8]?
            for entry in keyed where entry.bytes != previous {
                elements.append(entry.value)
                previous = entry.bytes
            }
            return elements.isEmpty ? nil : (name: set.name, elements: elements)
        }
    }

    /// The shown value of a field (its winner), or nil when unset.
    public func value(_ field: String) -> Value? {
        // Each field borrowed where it stands: `first(where:)` copied (and retained) each one it passed.
        let fields = self.fields.span
        for index in fields.indices where fields[index].name == field {
            guard let winner = fields[index].heads.first, !winner.value.isNull else { return nil }
            return winner.value
        }
        return nil
    }

    public func heads(_ field: String) -> [FieldHead] {
        let fields = self.fields.span
        for index in fields.indices where fields[index].name == field { return fields[index].heads }
        return []
    }

    public func elements(_ set: String) -> [Value] {
        let sets = self.sets.span
        for index in sets.indices where sets[index].name == set { return sets[index].elements }
        return []
    }

    public var isDeleted: Bool { value("deleted") == .bool(true) }

    /// Fields with concurrent heads.
    public var conflicts: [(name: String, heads: [FieldHead])] {
        fields.filter { $0.heads.count > 1 }
    }

    /// Canonical bytes: every part with an explicit length, in a fixed order.
    /// Two replicas produce the same bytes exactly when they show the same record.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.appendBigEndian(id.high)
        out.appendBigEndian(id.low)
        out.appendLengthPrefixed(type)
        out.append(erased ? 1 : 0)
        out.appendBigEndian(UInt64(fields.count))
        for field in fields {
            out.appendLengthPrefixed(field.name)
            out.appendBigEndian(UInt64(field.heads.count))
            for head in field.heads {
                out.appendBigEndian(head.id.origin.high)
                out.appendBigEndian(head.id.origin.low)
                out.appendBigEndian(head.id.seq)
                out.appendBigEndian(head.timestamp.packed)
                head.value.appendCanonical(to: &out)
            }
        }
        out.appendBigEndian(UInt64(sets.count))
        for set in sets {
            out.appendLengthPrefixed(set.name)
            out.appendBigEndian(UInt64(set.elements.count))
            for element in set.elements { element.appendCanonical(to: &out) }
        }
        return out
    }

    public static func == (a: VisibleRecord, b: VisibleRecord) -> Bool { a.canonicalBytes == b.canonicalBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalBytes) }
}
