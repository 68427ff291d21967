/// One change to one record. Every change a replica makes is an operation;
/// the visible state is a function of the *set* of operations a replica holds
/// (see `ReplicaState`), never of the order they arrived in.
public struct Operation: Hashable, Sendable {
    public let id: OperationID
    public let timestamp: Timestamp
    public let record: RecordID
    public let action: Action

    public init(id: OperationID, timestamp: Timestamp, record: RecordID, action: Action) {
        self.id = id
        self.timestamp = timestamp
        self.record = record
        self.action = action
    }

    /// The same operation with every value of the record removed: what an
    /// erased record keeps. Ids, clocks, field and set names stay, so version
    /// vectors remain exact and the purge itself syncs.
    public var purged: Operation {
        Operation(id: id, timestamp: timestamp, record: record, action: action.purged)
    }
}

/// What an operation does. Seven kinds serve every record type and field: new
/// types and fields are names, not new kinds.
public enum Action: Hashable, Sendable {
    /// Brings a record of `type` into existence.
    case create(type: String)
    /// Writes `value` to a multi-value register, naming the writes it
    /// overwrites (the field's heads as its author saw them; Automerge's `pred`).
    /// `.null` unsets the field.
    case assign(field: String, value: Value, replaces: [OperationID])
    /// Adds `element` to an observed-remove set; the operation's id is the add's tag.
    case add(set: String, element: Value)
    /// Removes `element` from a set by naming the add tags its author observed.
    case remove(set: String, element: Value, observed: [OperationID])
    /// Irreversibly purges every value of the record, including values that arrive later.
    case erase(reason: String)
    /// Inserts a run of characters into a text field (`TextField`); the
    /// characters' ids are the operation's origin and the run's counters.
    case insertText(field: String, run: TextRun)
    /// Deletes the characters of a text field that its author saw, by id.
    case deleteText(field: String, ranges: [CharacterRange])

    public var purged: Action {
        switch self {
        case .create, .erase: return self
        case .assign(let field, _, let replaces): return .assign(field: field, value: .null, replaces: replaces)
        case .add(let set, _): return .add(set: set, element: .null)
        case .remove(let set, _, let observed): return .remove(set: set, element: .null, observed: observed)
        case .insertText(let field, let run): return .insertText(field: field, run: run.purged)
        case .deleteText: return self
        }
    }

    /// The kind as a small integer, as stored and sent on the wire.
    public var kind: Kind {
        switch self {
        case .create: return .create
        case .assign: return .assign
        case .add: return .add
        case .remove: return .remove
        case .erase: return .erase
        case .insertText: return .insertText
        case .deleteText: return .deleteText
        }
    }

    public enum Kind: UInt8, Sendable, CaseIterable {
        case create = 1, assign = 2, add = 3, remove = 4, erase = 5, insertText = 6, deleteText = 7
    }

    /// The field a text operation edits; nil for the other kinds.
    public var textField: String? {
        switch self {
        case .insertText(let field, _), .deleteText(let field, _): return field
        case .create, .assign, .add, .remove, .erase: return nil
        }
    }
}

extension Action {
    /// A text operation on `field` as an operation's action: an insertion's
    /// replica is the operation's origin, so it is left out.
    public init(_ field: String, _ text: TextOperation) {
        switch text {
        case .insert(let insertion):
            self = .insertText(field: field, run: TextRun(first: insertion.first, text: insertion.text, left: insertion.left, right: insertion.right))
        case .delete(let ranges):
            self = .deleteText(field: field, ranges: ranges)
        }
    }
}
