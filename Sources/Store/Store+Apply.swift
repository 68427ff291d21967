import CRDT
import SQLite

/// A change made on this replica; `commit` turns each into an operation,
/// filling in what its author sees (the heads it replaces, the adds it removes).
public enum Change: Sendable {
    case create(RecordID, type: String)
    case assign(RecordID, field: String, value: Value)
    case add(RecordID, set: String, element: Value)
    case remove(RecordID, set: String, element: Value)
    case erase(RecordID, reason: String)
    /// Makes a text field read `text`: only the characters that differ are
    /// deleted and inserted.
    case editText(RecordID, field: String, text: String)
    /// Adds `text` at the end of a text field.
    case appendText(RecordID, field: String, text: String)
    /// Makes the changes a person made to `base` (the text field as shown to
    /// them, from `textSnapshot`) to reach `text`; edits that others made
    /// since are kept (`TextField.edit(from:to:)`).
    case reviseText(RecordID, field: String, base: TextSequence, text: String)
}

/// What one transaction has touched, so the derived state (winners, the text
/// index, the version vector, the clock) is recomputed once per batch, not per op.
final class Batch {
    var clock: HybridLogicalClock
    /// The store's replica id as this transaction sees it.
    var replica: ReplicaID
    /// Set when this batch moved the store's own operations to a new replica id.
    var reissue: Reissue?
    var records: [RecordID: (rid: Int64, erased: Bool)] = [:]
    /// Per origin: highest contiguous seq held, and the highest seq stored.
    var vector: [ReplicaID: (held: UInt64, stored: UInt64)] = [:]
    var dirtyOrigins: Set<ReplicaID> = []
    var touchedFields: Set<FieldKey> = []
    var touchedText: Set<Int64> = []
    /// Records whose row this batch created, and that nothing has covered
    /// yet: they have no heads, members or covered ids to look up.
    var fresh: Set<Int64> = []
    /// Records whose row this batch created: no text index row yet.
    var created: Set<Int64> = []
    /// Fields given a head in this batch.
    var written: Set<FieldKey> = []
    var erased = false
    /// Text fields (by record row) checked against the log in this batch,
    /// written to, and to be built again from the log (an assign arrived).
    var textsLoaded: Set<Int64> = []
    var textsTouched: Set<Int64> = []
    var textsRebuild: Set<Int64> = []

    struct FieldKey: Hashable {
        let rid: Int64
        let field: String
    }

    init(clock: HybridLogicalClock, replica: ReplicaID) {
        self.clock = clock
        self.replica = replica
    }
}

extension Store {
    /// Fields whose text the full-text index holds.
    static let indexedFields: Set<String> = ["title", "body"]
    static let indexedSet = "tags"

    /// Makes one operation per change and applies them in one transaction:
    /// all of them are on disk when this returns, or none.
    @discardableResult
    public func commit(_ changes: [Change]) throws -> [Operation] {
        var operations: [Operation] = []
        try commit(parts: [changes]) { made, _ in operations = made }
        return operations
    }

    /// `commit` of many parts (an import, a part per few hundred notes) in
    /// one transaction: all of them are on disk when this returns, or none,
    /// however the command is stopped. Each part is made and applied as
    /// `commit` makes one (its text index rows written at its end), and
    /// `made` is told its operations and how many parts are done.
    public func commit(parts: [[Change]], made: ([Operation], Int) -> Void) throws {
        try guarded {
            for changes in parts { try checkChanges(changes) }
            let erased = try keepingTextsOnFailure {
                try database.transaction { () -> Bool in
                    var erased = false
                    for (index, changes) in parts.enumerated() {
                        let batch = try beginBatch()
                        var operations: [Operation] = []
                        for change in changes {
                            for (record, action) in try actions(for: change, batch) {
                                let operation = try makeOperation(record, action, batch)
                                _ = try applyOne(operation, batch)
                                operations.append(operation)
                            }
                        }
                        try finish(batch)
                        replica = batch.replica
                        erased = erased || batch.erased
                        made(operations, index + 1)
                    }
                    return erased
                }
            }
            // The erase has committed: if readers stop the purge of the files, it stays pending.
            if erased { finishPurge(waiting: purgeWaitAfterErase) }
        }
    }

    /// Applies operations from another replica in one transaction: all or
    /// none. Operations already held are skipped, so re-applying is harmless.
    /// Returns how many were new.
    ///
    /// An operation whose id is held with different content is never
    /// skipped: if it is of this store's own origin, another copy of this
    /// store wrote it (a restored backup, a copied file), and the store first
    /// moves its own operations from that seq onward to a fresh replica id
    /// (`reissue` says so), then applies it; of any other origin, nothing of
    /// the batch is written and the error names the operation.
    @discardableResult
    public func apply(_ operations: [Operation]) throws -> Int {
        try applyReporting(operations).applied
    }

    /// `apply`, also saying whether the store re-issued its own operations.
    public func applyReporting(_ operations: [Operation]) throws -> (applied: Int, reissue: Reissue?) {
        try guarded {
            let (count, erased, reissue) = try keepingTextsOnFailure {
                try database.transaction { () -> (Int, Bool, Reissue?) in
                    let batch = try beginBatch()
                    let wall = wallClock()
                    var applied = 0
                    for operation in operations {
                        batch.clock.observe(operation.timestamp, wallMillis: wall)
                        if try applyOne(operation, batch) { applied += 1 }
                    }
                    try finish(batch)
                    return (applied, batch.erased, batch.reissue)
                }
            }
            if let reissue { replica = reissue.replica }
            // The erase has committed: if readers stop the purge of the files, it stays pending.
            if erased { finishPurge(waiting: purgeWaitAfterErase) }
            return (count, reissue)
        }
    }

    /// A failed transaction leaves nothing on disk, but may have changed the
    /// cached text fields: forget them, to be built again from the log.
    private func keepingTextsOnFailure<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            texts.removeAll()
            throw error
        }
    }

    // MARK: Local operations

    /// The actions a change becomes, filling in what its author sees: one,
    /// except for a text edit, which is as many insertions and deletions as
    /// the text differs in (none if it does not).
    private func actions(for change: Change, _ batch: Batch) throws -> [(RecordID, Action)] {
        switch change {
        case .create(let id, let type):
            return [(id, .create(type: type))]
        case .assign(let id, let field, let value):
            let rid = try recordRow(id, batch).rid
            let replaces = try statement("SELECT origin, seq FROM heads WHERE record = ? AND field = ? ORDER BY origin, seq")
                .query([.integer(rid), .text(field)], Store.readOperationID).compactMap { $0 }
            return [(id, .assign(field: field, value: value, replaces: replaces))]
        case .add(let id, let set, let element):
            return [(id, .add(set: set, element: element))]
        case .remove(let id, let set, let element):
            let rid = try recordRow(id, batch).rid
            // `IS` and `typeof`, not `=`: SQL's `=` finds the add of `true` (1)
            // for the number 1 and nothing at all for `.null`; the element
            // must be the same value, as `ReplicaState.remove` compares it.
            let observed = try statement("""
                SELECT origin, seq FROM members WHERE record = ?1 AND name = ?2 AND element IS ?3 AND typeof(element) = typeof(?3)
                ORDER BY origin, seq
                """).query([.integer(rid), .text(set), SQLValue(element)], Store.readOperationID).compactMap { $0 }
            return [(id, .remove(set: set, element: element, observed: observed))]
        case .erase(let id, let reason):
            return [(id, .erase(reason: reason))]
        case .editText(let id, let field, let text), .appendText(let id, let field, let text), .reviseText(let id, let field, _, let text):
            let (rid, erased) = try recordRow(id, batch)
            guard !erased else { return [] }
            var wholeText = true
            if case .appendText = change { wholeText = false }
            if wholeText, !batch.created.contains(rid), let heads = try oversizedBases(rid) {
                // A body written by an older version over today's limit cannot
                // be sent, so edits around it could never reach a peer: a new
                // whole text replaces it, and sync may then clear the old value.
                return [(id, .assign(field: field, value: .text(text), replaces: heads))]
            }
            return try textEdits(change, rid: rid, batch).map { (id, Action(field, $0)) }
        }
    }

    private func makeOperation(_ record: RecordID, _ action: Action, _ batch: Batch) throws -> Operation {
        let seq = try vectorEntry(batch.replica, batch).held + 1
        let timestamp = batch.clock.tick(wallMillis: wallClock())
        return Operation(id: OperationID(origin: batch.replica, seq: seq), timestamp: timestamp, record: record, action: action)
    }

    static func readOperationID(_ row: Row) -> OperationID? {
        ReplicaID(bytes: row.blob(0)).map { OperationID(origin: $0, seq: UInt64(row.int64(1))) }
    }

    // MARK: The batch

    func beginBatch() throws -> Batch {
        var clock = HybridLogicalClock()
        if case .integer(let packed) = try meta("clock") {
            clock = HybridLogicalClock(latest: Timestamp(packed: UInt64(bitPattern: packed)))
        }
        // Another process may have re-issued this store's operations under a new id.
        if case .blob(let bytes)? = try meta("replica"), let current = ReplicaID(bytes: bytes) { replica = current }
        return Batch(clock: clock, replica: replica)
    }

    private func recordRow(_ id: RecordID, _ batch: Batch) throws -> (rid: Int64, erased: Bool) {
        let found = try recordRow(id, batch, type: nil)
        return (found.rid, found.erased)
    }

    /// The record's row, made if no operation named the record before; a
    /// row made for a create (`type`) is made with its type, which is what
    /// the create would set (`typed`).
    private func recordRow(_ id: RecordID, _ batch: Batch, type: String?) throws -> (rid: Int64, erased: Bool, typed: Bool) {
        if let cached = batch.records[id] { return (cached.rid, cached.erased, false) }
        let row = try statement("SELECT rid, erased FROM records WHERE id = ?").first([.text(id.hex)]) { ($0.int64(0), $0.int64(1) != 0) }
        let found: (rid: Int64, erased: Bool)
        if let row {
            found = (row.0, row.1)
        } else {
            let rid = try statement("INSERT INTO records(id, type) VALUES (?, ?) RETURNING rid")
                .first([.text(id.hex), type.map(SQLValue.text) ?? .null]) { $0.int64(0) } ?? 0
            found = (rid, false)
            batch.fresh.insert(rid)
            batch.created.insert(rid)
        }
        batch.records[id] = found
        return (found.rid, found.erased, row == nil && type != nil)
    }

    private func vectorEntry(_ origin: ReplicaID, _ batch: Batch) throws -> (held: UInt64, stored: UInt64) {
        if let cached = batch.vector[origin] { return cached }
        let held = try statement("SELECT seq FROM vector WHERE origin = ?").first([.blob(origin.bytes)]) { UInt64($0.int64(0)) } ?? 0
        let stored = try statement("SELECT max(seq) FROM ops WHERE origin = ?").first([.blob(origin.bytes)]) { UInt64($0.int64(0)) } ?? 0
        let entry = (held: held, stored: max(held, stored))
        batch.vector[origin] = entry
        return entry
    }

    /// Appends one operation to the log and updates the materialised state in
    /// place. Returns false if the operation was already held.
    private func applyOne(_ operation: Operation, _ batch: Batch) throws -> Bool {
        try Store.checkSeqs(operation)
        var createType: String?
        if case .create(let type) = operation.action { createType = type }
        let (rid, erased, typed) = try recordRow(operation.record, batch, type: createType)
        let onText = !erased && Store.isOnTextField(operation.action)
        if onText { try loadText(rid, batch) }
        let stored = erased ? operation.purged : operation
        let (kind, name, value, refs) = Store.columns(of: stored.action)
        let origin = SQLValue.blob(operation.id.origin.bytes)
        let seq = SQLValue.integer(Int64(operation.id.seq))
        let row: [SQLValue] = [origin, seq, .integer(Int64(bitPattern: operation.timestamp.packed)),
                               .integer(rid), .integer(Int64(kind.rawValue)), .text(name), value, refs]
        let insert = try statement("INSERT OR IGNORE INTO ops(origin, seq, ts, record, kind, name, value, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        try insert.run(row)
        if database.changes == 0 {
            // Held already: the same operation is a duplicate; a different one is a fork.
            let held = try statement("SELECT origin, seq, ts, record, kind, name, value, refs FROM ops WHERE origin = ? AND seq = ?")
                .first([row[0], row[1]]) { columns in (0 ..< 8).map { columns.value($0) } }
            guard let held, !Store.sameOperation(held, row) else { return false }
            guard operation.id.origin == batch.replica else {
                throw StoreError.forked(operation.id, path)
            }
            _ = try moveOwnOperations(from: operation.id.seq, batch)
            try insert.run(row)
        }
        try advanceVector(past: operation.id, batch)

        switch stored.action {
        case .create(let type):
            // Two creates of one id settle on the byte-wise smaller type,
            // whatever the order. A row this create made has its type already.
            if !typed {
                try statement("UPDATE records SET type = ?2 WHERE rid = ?1 AND (type IS NULL OR type > ?2)").run([.integer(rid), .text(type)])
            }
            batch.touchedText.insert(rid)
        case _ where erased:
            break
        case _ where onText:
            // The field is built from all its operations: a text operation is
            // applied to it, an assign (a base) has it built again.
            if case .assign(_, _, let replaces) = stored.action {
                for id in replaces { try cover(id, rid, batch) }
            }
            if var field = texts[rid], field.apply(stored) {
                texts[rid] = field
            } else {
                batch.textsRebuild.insert(rid)
            }
            batch.textsTouched.insert(rid)
        case .insertText, .deleteText:
            // On a field that is not a text field: kept in the log (the
            // schema check refuses it from peers), shown nowhere.
            break
        case .assign(let field, let value, let replaces):
            for id in replaces {
                try cover(id, rid, batch)
                try statement("DELETE FROM heads WHERE record = ? AND field = ? AND origin = ? AND seq = ?")
                    .run([.integer(rid), .text(field), .blob(id.origin.bytes), .integer(Int64(id.seq))])
            }
            let key = Batch.FieldKey(rid: rid, field: field)
            if try !isCovered(operation.id, rid, batch) {
                // A field with no other head shows this one: no recomputation needed.
                var alone = batch.fresh.contains(rid) && !batch.written.contains(key)
                if !alone {
                    alone = try statement("SELECT 1 FROM heads WHERE record = ? AND field = ? LIMIT 1").first([.integer(rid), .text(field)]) { _ in true } == nil
                }
                try statement("INSERT INTO heads(record, field, origin, seq, ts, value, wins) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .run([.integer(rid), .text(field), origin, seq, .integer(Int64(bitPattern: operation.timestamp.packed)), SQLValue(value),
                          .integer(alone ? 1 : 0)])
                batch.written.insert(key)
                if !alone { batch.touchedFields.insert(key) }
            } else if !replaces.isEmpty {
                batch.touchedFields.insert(key)
            }
            if Store.indexedFields.contains(field) { batch.touchedText.insert(rid) }
        case .add(let set, let element):
            if try !isCovered(operation.id, rid, batch) {
                try statement("INSERT INTO members(record, name, origin, seq, element) VALUES (?, ?, ?, ?, ?)")
                    .run([.integer(rid), .text(set), origin, seq, SQLValue(element)])
            }
            if set == Store.indexedSet { batch.touchedText.insert(rid) }
        case .remove(let set, _, let observed):
            for id in observed {
                try cover(id, rid, batch)
                try statement("DELETE FROM members WHERE record = ? AND name = ? AND origin = ? AND seq = ?")
                    .run([.integer(rid), .text(set), .blob(id.origin.bytes), .integer(Int64(id.seq))])
            }
            if set == Store.indexedSet { batch.touchedText.insert(rid) }
        case .erase:
            try purge(rid)
            batch.records[operation.record] = (rid, true)
            batch.touchedText.remove(rid)
            batch.textsTouched.remove(rid)
            texts[rid] = nil
            batch.erased = true
        }
        return true
    }

    /// Whether two log rows (origin, seq, ts, record, kind, name, value,
    /// refs) are the same operation: equal in everything but the value, and
    /// equal in value unless either is NULL, which is what an erase leaves
    /// (a purged copy may arrive before or after the whole one) and how
    /// SQLite stores a NaN.
    static func sameOperation(_ held: [SQLValue], _ incoming: [SQLValue]) -> Bool {
        guard held.count == 8, incoming.count == 8 else { return false }
        for index in [0, 1, 2, 3, 4, 5, 7] where held[index] != incoming[index] { return false }
        func stored(_ value: SQLValue) -> SQLValue {
            if case .real(let number) = value, number.isNaN { return .null }
            return value
        }
        let (a, b) = (stored(held[6]), stored(incoming[6]))
        return a == .null || b == .null || a == b
    }

    /// Refuses seqs SQLite's signed 64-bit INTEGER cannot hold (the wire
    /// protocol refuses them too): nothing of the batch is written.
    static func checkSeqs(_ operation: Operation) throws {
        func check(_ id: OperationID) throws {
            guard id.seq >= 1, id.seq <= UInt64(Int64.max) else {
                throw StoreError.invalid("operation \(operation.id) names seq \(id.seq), outside 1...2^63-1", "nothing of that batch was written")
            }
        }
        try check(operation.id)
        switch operation.action {
        case .assign(_, _, let ids), .remove(_, _, let ids):
            for id in ids { try check(id) }
        case .create, .add, .erase, .insertText, .deleteText:
            break
        }
    }

    /// Whether the action writes the store's text field (`textField`): a
    /// text operation, or an assign (a base; `TextField`).
    static func isOnTextField(_ action: Action) -> Bool {
        switch action {
        case .assign(let field, _, _), .insertText(let field, _), .deleteText(let field, _): return field == textField
        case .create, .add, .remove, .erase: return false
        }
    }

    private func cover(_ id: OperationID, _ rid: Int64, _ batch: Batch) throws {
        batch.fresh.remove(rid)
        try statement("INSERT OR IGNORE INTO covered(record, origin, seq) VALUES (?, ?, ?)")
            .run([.integer(rid), .blob(id.origin.bytes), .integer(Int64(id.seq))])
    }

    private func isCovered(_ id: OperationID, _ rid: Int64, _ batch: Batch) throws -> Bool {
        guard !batch.fresh.contains(rid) else { return false }
        return try statement("SELECT 1 FROM covered WHERE record = ? AND origin = ? AND seq = ?")
            .first([.integer(rid), .blob(id.origin.bytes), .integer(Int64(id.seq))]) { _ in true } ?? false
    }

    /// Erase: removes every value of the record from the state, the log's
    /// payloads and the text index. With `secure_delete` the freed bytes are
    /// zeroed; `finish` then merges the index segments and the caller
    /// checkpoints the WAL, so the text is gone from every file.
    private func purge(_ rid: Int64) throws {
        try statement("UPDATE records SET erased = 1 WHERE rid = ?").run([.integer(rid)])
        try statement("DELETE FROM heads WHERE record = ?").run([.integer(rid)])
        try statement("DELETE FROM members WHERE record = ?").run([.integer(rid)])
        try statement("DELETE FROM covered WHERE record = ?").run([.integer(rid)])
        // No index on ops.record: erase is rare, and a scan here is cheaper
        // than an index entry for every operation ever applied.
        try statement("UPDATE ops SET value = NULL WHERE record = ? AND kind IN (2, 3, 4, 6) AND value IS NOT NULL").run([.integer(rid)])
        try statement("DELETE FROM texts WHERE record = ?").run([.integer(rid)])
        try statement("DELETE FROM note_text WHERE rowid = ?").run([.integer(rid)])
    }

    private func advanceVector(past id: OperationID, _ batch: Batch) throws {
        var entry = try vectorEntry(id.origin, batch)
        entry.stored = max(entry.stored, id.seq)
        if id.seq == entry.held + 1 {
            entry.held = id.seq
            // Operations past a gap may already be here; walk over them.
            while entry.held < entry.stored,
                  try statement("SELECT 1 FROM ops WHERE origin = ? AND seq = ?")
                    .first([.blob(id.origin.bytes), .integer(Int64(entry.held + 1))], { _ in true }) != nil {
                entry.held += 1
            }
            batch.dirtyOrigins.insert(id.origin)
        }
        batch.vector[id.origin] = entry
    }

    /// Recomputes what the batch touched: each field's shown head, each
    /// note's text index row, the vector and the clock.
    func finish(_ batch: Batch) throws {
        for key in batch.touchedFields {
            let values: [SQLValue] = [.integer(key.rid), .text(key.field)]
            try statement("UPDATE heads SET wins = 0 WHERE record = ?1 AND field = ?2 AND wins = 1").run(values)
            try statement("""
                UPDATE heads SET wins = 1 WHERE record = ?1 AND field = ?2 AND (origin, seq) =
                  (SELECT origin, seq FROM heads WHERE record = ?1 AND field = ?2 ORDER BY ts DESC, origin DESC, seq DESC LIMIT 1)
                """).run(values)
        }
        try finishTexts(batch)
        try reindexText(batch)
        for origin in batch.dirtyOrigins {
            guard let entry = batch.vector[origin] else { continue }
            try statement("INSERT INTO vector(origin, seq) VALUES (?, ?) ON CONFLICT(origin) DO UPDATE SET seq = excluded.seq")
                .run([.blob(origin.bytes), .integer(Int64(entry.held))])
        }
        try setMeta("clock", .integer(Int64(bitPattern: batch.clock.latest.packed)))
        if batch.erased {
            // Merging every segment drops the erased rows' tokens from the index.
            try database.execute("INSERT INTO note_text(note_text) VALUES ('optimize')")
            try markPurgePending()
        }
    }

    /// Rewrites the text index rows of the notes the batch touched, from
    /// their shown title and body and their tags. A record that is no note
    /// (or not yet one) gets no row.
    ///
    /// One DELETE and one INSERT for the whole batch: FTS5 writes the terms
    /// it holds in memory out as a new index segment at every statement
    /// savepoint once it has been written in a transaction, so a statement
    /// per note made a segment per note, and merging them cost more than the
    /// rest of the apply. (`+name` keeps SQLite on the primary key: the
    /// (name, element) index would scan every note's tags to save a sort of a few.)
    private func reindexText(_ batch: Batch) throws {
        guard !batch.touchedText.isEmpty else { return }
        let rids = batch.touchedText.sorted()
        let held = rids.filter { !batch.created.contains($0) }
        if !held.isEmpty {
            try statement("DELETE FROM note_text WHERE rowid IN (SELECT value FROM json_each(?))").run([.text(Store.jsonList(held))])
        }
        try statement("""
            INSERT INTO note_text(rowid, title, body, tags)
            SELECT r.rid,
                   coalesce((SELECT value FROM heads WHERE record = r.rid AND field = 'title' AND wins = 1 AND typeof(value) = 'text'), ''),
                   coalesce((SELECT value FROM heads WHERE record = r.rid AND field = 'body' AND wins = 1 AND typeof(value) = 'text'), ''),
                   coalesce((SELECT group_concat(element, ' ') FROM
                              (SELECT DISTINCT element FROM members WHERE record = r.rid AND +name = 'tags' ORDER BY element)), '')
            FROM records r WHERE r.rid IN (SELECT value FROM json_each(?)) AND r.type = 'note' AND r.erased = 0
            ORDER BY r.rid
            """).run([.text(Store.jsonList(rids))])
    }

    /// Record rows as a JSON array, to bind a list of any length as one value.
    static func jsonList(_ rids: [Int64]) -> String {
        "[" + rids.map { String($0) }.joined(separator: ",") + "]"
    }

    /// The log columns of an action: kind, name, value and packed refs.
    static func columns(of action: Action) -> (Action.Kind, String, SQLValue, SQLValue) {
        switch action {
        case .create(let type): return (.create, type, .null, .null)
        case .assign(let field, let value, let replaces): return (.assign, field, SQLValue(value), packRefs(replaces))
        case .add(let set, let element): return (.add, set, SQLValue(element), .null)
        case .remove(let set, let element, let observed): return (.remove, set, SQLValue(element), packRefs(observed))
        case .erase(let reason): return (.erase, "", .text(reason), .null)
        case .insertText(let field, let run): return (.insertText, field, run.text.map { .text($0) } ?? .null, packRun(run))
        case .deleteText(let field, let ranges): return (.deleteText, field, .null, packRanges(ranges))
        }
    }

    static func packRefs(_ ids: [OperationID]) -> SQLValue {
        guard !ids.isEmpty else { return .null }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 24)
        for id in ids {
            bytes.append(contentsOf: id.origin.bytes)
            bytes.appendBigEndian(id.seq)
        }
        return .blob(bytes)
    }

    static func unpackRefs(_ bytes: [UInt8]) -> [OperationID] {
        stride(from: 0, to: bytes.count - bytes.count % 24, by: 24).compactMap { start in
            guard let origin = ReplicaID(bytes: bytes[start..<start + 16]) else { return nil }
            let seq = bytes[start + 16..<start + 24].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return OperationID(origin: origin, seq: seq)
        }
    }
}

extension SQLValue {
    /// How a CRDT value is stored: NULL, 0/1, REAL or TEXT. The columns have no
    /// declared type, so SQLite keeps each storage class as given.
    init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .integer(bool ? 1 : 0)
        case .number(let number): self = .real(number)
        case .text(let text): self = .text(text)
        }
    }

    var crdtValue: Value {
        switch self {
        case .null, .blob: return .null
        case .integer(let int): return .bool(int != 0)
        case .real(let double): return .number(double)
        case .text(let text): return .text(text)
        }
    }
}
