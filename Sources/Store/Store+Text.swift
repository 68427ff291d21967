import CRDT
import SQLite

// Text fields (a note's body) in the store: their operations sit in the log
// like every other; the shown text is materialised into `heads` as the
// field's one head, so reading, search, exports and the digest need nothing
// new. The `TextField` behind it is kept per connection and checked against
// the `texts` table (how many operations the field has) before each use, so
// another process's edits are never missed.

extension Store {
    /// The text field the store materialises (`TextField.names`): its name is
    /// also written into the partial index `ops_body` and the queries below.
    static let textField = "body"

    /// The record's text field, current with the log: from this connection's
    /// cache if it has as many operations as the `texts` table says, else
    /// built again from the log. Called once per batch before the batch
    /// writes to the field.
    func loadText(_ rid: Int64, _ batch: Batch) throws {
        guard !batch.textsLoaded.contains(rid) else { return }
        batch.textsLoaded.insert(rid)
        if batch.created.contains(rid) {
            // No operation named the record before this batch, and none of
            // the batch's is on its text field yet: the field is empty.
            texts[rid] = TextField(replica: batch.replica, operations: [])
            return
        }
        _ = try currentText(rid, replica: batch.replica)
    }

    /// The record's text field for `replica`: the cached one if it holds as
    /// many operations as `texts` counts, else built again from the log.
    func currentText(_ rid: Int64, replica: ReplicaID) throws -> TextField {
        let persisted = try statement("SELECT ops FROM texts WHERE record = ? AND field = 'body'").first([.integer(rid)]) { Int($0.int64(0)) } ?? 0
        if let cached = texts[rid], cached.operationCount == persisted, cached.sequence.replica == replica { return cached }
        let field = try buildText(rid, replica: replica)
        texts[rid] = field
        return field
    }

    /// How many built text fields a connection keeps: a hub applying a
    /// whole team's notes would otherwise hold one per note. Building one
    /// again from the log is cheap for a note's body.
    static let textCacheLimit = 256

    /// Keeps `texts` within `textCacheLimit` by forgetting them all (called between batches, never inside one).
    func trimTextCache() {
        if texts.count > Store.textCacheLimit { texts.removeAll() }
    }

    /// Builds a record's text field from every operation on it in the log.
    func buildText(_ rid: Int64, replica: ReplicaID) throws -> TextField {
        let operations = try statement("""
            SELECT origin, seq, ts, kind, value, refs FROM ops WHERE record = ? AND name = 'body' AND kind IN (2, 6, 7)
            """).query([.integer(rid)]) { row -> Operation? in
            guard let origin = ReplicaID(bytes: row.blob(0)), let kind = Action.Kind(rawValue: UInt8(clamping: row.int64(3))) else { return nil }
            // The record id is not needed to build the field.
            guard let action = Store.action(kind: kind, name: Store.textField, value: row.value(4), refs: row.value(5)) else { return nil }
            return Operation(id: OperationID(origin: origin, seq: UInt64(row.int64(1))),
                             timestamp: Timestamp(packed: UInt64(bitPattern: row.int64(2))), record: RecordID(high: 0, low: 0), action: action)
        }
        return TextField(replica: replica, operations: operations.compactMap { $0 })
    }

    /// After the batch's operations: each text field it touched gets its
    /// count in `texts` and its shown text as its one head.
    func finishTexts(_ batch: Batch) throws {
        defer { trimTextCache() }
        for rid in batch.textsTouched {
            if batch.textsRebuild.contains(rid) { texts[rid] = try buildText(rid, replica: batch.replica) }
            guard let field = texts[rid] else { continue }
            try statement("""
                INSERT INTO texts(record, field, ops) VALUES (?, 'body', ?) ON CONFLICT(record, field) DO UPDATE SET ops = excluded.ops
                """).run([.integer(rid), .integer(Int64(field.operationCount))])
            // A record this batch created has no body head yet: only this
            // loop writes one, once per batch.
            if !batch.created.contains(rid) {
                try statement("DELETE FROM heads WHERE record = ? AND field = 'body'").run([.integer(rid)])
            }
            if let head = field.head {
                try statement("INSERT INTO heads(record, field, origin, seq, ts, value, wins) VALUES (?, 'body', ?, ?, ?, ?, 1)")
                    .run([.integer(rid), .blob(head.id.origin.bytes), .integer(Int64(head.id.seq)),
                          .integer(Int64(bitPattern: head.timestamp.packed)), SQLValue(head.value)])
            }
            batch.touchedText.insert(rid)
        }
    }

    /// The text operations that turn the record's text field into `text`, or
    /// append to it; applied to the cached field as they are made.
    func textEdits(_ change: Change, rid: Int64, _ batch: Batch) throws -> [TextOperation] {
        try loadText(rid, batch)
        guard var field = texts[rid] else { return [] }
        let made: [TextOperation]
        switch change {
        case .editText(_, _, let text): made = field.edit(to: text)
        case .appendText(_, _, let text): made = field.append(text).map { [$0] } ?? []
        case .reviseText(_, _, let base, let text): made = field.edit(from: base, to: text)
        default: made = []
        }
        texts[rid] = field
        return made
    }

    /// The text field's register heads (assigns no other assign replaces)
    /// if one of them holds more than `Limits.text`, which only an older
    /// version could write and no peer accepts; nil otherwise. (`kind IN
    /// (2, 6, 7)` matches the partial index `ops_body`'s condition, so SQLite
    /// uses it instead of scanning the whole log.)
    func oversizedBases(_ rid: Int64) throws -> [OperationID]? {
        let heads = try statement("""
            SELECT origin, seq, length(CAST(value AS BLOB)) FROM ops o WHERE record = ?1 AND name = 'body' AND kind IN (2, 6, 7) AND kind = 2
              AND NOT EXISTS (SELECT 1 FROM covered c WHERE c.record = ?1 AND c.origin = o.origin AND c.seq = o.seq)
            ORDER BY origin, seq
            """).query([.integer(rid)]) { row in (Store.readOperationID(row), row.isNull(2) ? 0 : Int(row.int64(2))) }
        guard heads.contains(where: { $0.1 > Limits.text.bytes }) else { return nil }
        return heads.compactMap(\.0)
    }

    // MARK: Anchors

    /// A stable name for the place before the character at `offset` of a
    /// record's text (`offset` = its length: the end), which keeps pointing
    /// at that character whatever is inserted or deleted around it, on
    /// every replica. Nil if the record has no such offset.
    public func anchor(in record: RecordID, at offset: Int) throws -> TextSequence.Anchor? {
        guard let sequence = try textSequence(record), offset >= 0, offset <= sequence.count else { return nil }
        return sequence.anchor(at: offset)
    }

    /// Today's offset of an anchor in a record's text; if its character has
    /// been deleted, where the character stood. Nil if this store does not
    /// hold the character (yet), or the record has no text.
    public func offset(of anchor: TextSequence.Anchor, in record: RecordID) throws -> Int? {
        try textSequence(record)?.offset(of: anchor)
    }

    /// Where the characters `first … last` of a record's text stand today:
    /// from the first's offset to just after the last (characters inserted
    /// between them since belong to the span). A deleted end counts where
    /// it stood, so a span whose characters are all deleted is empty. Nil if
    /// the store does not hold them.
    public func span(in record: RecordID, first: CharacterID, last: CharacterID) throws -> TextSpan? {
        guard let sequence = try textSequence(record),
              let start = sequence.offset(of: TextSequence.Anchor(character: first)),
              let lastOffset = sequence.offset(of: TextSequence.Anchor(character: last)) else { return nil }
        let scalars = Array(sequence.text.unicodeScalars)
        var lower = min(start, scalars.count)
        var upper = min(max(start, lastOffset + (sequence.isVisible(last) ? 1 : 0)), scalars.count)
        // A first or last word deleted leaves the space that stood beside it at the edge: not part of what was coded.
        if !sequence.isVisible(first) { while lower < upper, scalars[lower].properties.isWhitespace { lower += 1 } }
        if !sequence.isVisible(last) { while upper > lower, scalars[upper - 1].properties.isWhitespace { upper -= 1 } }
        return TextSpan(start: lower, end: upper, text: String(String.UnicodeScalarView(scalars[lower ..< upper])))
    }

    /// The first and last characters of `range` in a record's text today;
    /// nil for an empty or out-of-bounds range.
    public func characters(in record: RecordID, range: Range<Int>) throws -> (first: CharacterID, last: CharacterID)? {
        guard let sequence = try textSequence(record), !range.isEmpty, range.lowerBound >= 0, range.upperBound <= sequence.count,
              let first = sequence.anchor(at: range.lowerBound).character,
              let last = sequence.anchor(at: range.upperBound - 1).character else { return nil }
        return (first, last)
    }

    /// The record's text field as this store holds it now, to show a person
    /// and later give back as the base of `Change.reviseText` (nil: no such
    /// record, or erased).
    public func textSnapshot(_ record: RecordID) throws -> TextSequence? {
        try textSequence(record)
    }

    /// The record's text field as this store holds it (nil: no such record, or erased).
    func textSequence(_ record: RecordID) throws -> TextSequence? {
        try guarded {
            guard let row = try statement("SELECT rid, erased FROM records WHERE id = ?").first([.text(record.hex)], { ($0.int64(0), $0.int64(1) != 0) }),
                  !row.1 else { return nil }
            trimTextCache()
            return try currentText(row.0, replica: replica).sequence
        }
    }

    // MARK: Log columns

    /// A run's packed refs: first and count (u64 each), then each origin as
    /// a byte 0 (none) or 1, the replica's 16 bytes and the counter.
    static func packRun(_ run: TextRun) -> SQLValue {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 + 2 * 25)
        bytes.appendBigEndian(run.first)
        bytes.appendBigEndian(run.count)
        for origin in [run.left, run.right] {
            guard let origin else { bytes.append(0); continue }
            bytes.append(1)
            bytes.append(contentsOf: origin.replica.bytes)
            bytes.appendBigEndian(origin.counter)
        }
        return .blob(bytes)
    }

    static func unpackRun(_ bytes: [UInt8], text: String?) -> TextRun? {
        var reader = PackedReader(bytes: bytes)
        guard let first = reader.uint64(), let count = reader.uint64(),
              let left = reader.character(), let right = reader.character() else { return nil }
        return TextRun(first: first, count: count, text: text, left: left, right: right)
    }

    /// Ranges packed as the replica's 16 bytes, first and count (u64 each).
    static func packRanges(_ ranges: [CharacterRange]) -> SQLValue {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ranges.count * 32)
        for range in ranges {
            bytes.append(contentsOf: range.replica.bytes)
            bytes.appendBigEndian(range.first)
            bytes.appendBigEndian(range.count)
        }
        return .blob(bytes)
    }

    static func unpackRanges(_ bytes: [UInt8]) -> [CharacterRange] {
        var reader = PackedReader(bytes: bytes)
        var out: [CharacterRange] = []
        while let replica = reader.replica(), let first = reader.uint64(), let count = reader.uint64() {
            out.append(CharacterRange(replica: replica, first: first, count: count))
        }
        return out
    }

    /// The action a log row holds; nil if the row cannot be read.
    static func action(kind: Action.Kind, name: String, value: SQLValue, refs: SQLValue) -> Action? {
        let bytes: [UInt8]
        if case .blob(let blob) = refs { bytes = blob } else { bytes = [] }
        switch kind {
        case .create: return .create(type: name)
        case .assign: return .assign(field: name, value: value.crdtValue, replaces: unpackRefs(bytes))
        case .add: return .add(set: name, element: value.crdtValue)
        case .remove: return .remove(set: name, element: value.crdtValue, observed: unpackRefs(bytes))
        case .erase: return .erase(reason: value.crdtValue.text ?? "")
        case .insertText: return unpackRun(bytes, text: value.crdtValue.text).map { .insertText(field: name, run: $0) }
        case .deleteText: return .deleteText(field: name, ranges: unpackRanges(bytes))
        }
    }
}

/// Reads the fixed-width packed columns of the log.
struct PackedReader {
    let bytes: [UInt8]
    var index = 0

    mutating func uint64() -> UInt64? {
        guard index + 8 <= bytes.count else { return nil }
        defer { index += 8 }
        return bytes[index ..< index + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func replica() -> ReplicaID? {
        guard index + 16 <= bytes.count else { return nil }
        defer { index += 16 }
        return ReplicaID(bytes: bytes[index ..< index + 16])
    }

    /// A byte 0 (none), or 1, a replica and a counter; nil if unreadable.
    mutating func character() -> CharacterID?? {
        guard index < bytes.count else { return nil }
        let flag = bytes[index]
        index += 1
        guard flag == 1 else { return flag == 0 ? .some(nil) : nil }
        guard let replica = replica(), let counter = uint64() else { return nil }
        return .some(CharacterID(replica: replica, counter: counter))
    }
}

/// Where a span of a text stands: offsets in Unicode scalars, end exclusive.
public struct TextSpan: Sendable, Equatable {
    public let start: Int
    public let end: Int
    public let text: String

    public var isEmpty: Bool { start == end }
}
