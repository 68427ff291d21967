import CRDT
import Crypto
import SQLite

/// What a store did when it found that another copy of itself had written
/// different operations under its own `(origin, seq)` ids: it moved its own
/// operations from the fork point onward to a fresh replica id, so that both
/// histories are kept and nothing is lost.
public struct Reissue: Sendable, Equatable {
    /// The replica id the store wrote under until now, kept for the operations before the fork.
    public let previous: ReplicaID
    /// The store's new replica id.
    public let replica: ReplicaID
    /// The first seq of `previous` that differed.
    public let fromSeq: UInt64
    /// How many of the store's own operations were re-issued under `replica`.
    public let moved: Int
    /// How many records those operations change.
    public let records: Int
}

extension Store {
    // MARK: Fingerprints

    /// The fingerprint of a held operation (`OperationFingerprint`), or nil if it is not held.
    public func fingerprint(of id: OperationID) throws -> UInt64? {
        guard id.seq >= 1, id.seq <= UInt64(Int64.max) else { return nil }
        guard let operation = try operations(SeqRange(origin: id.origin, first: id.seq, last: id.seq), limit: 1).first,
              operation.id == id else { return nil }
        return Store.fingerprint(operation)
    }

    public static func fingerprint(_ operation: Operation) -> UInt64 {
        OperationFingerprint.fingerprint(fromDigest: SHA256.hash(OperationFingerprint.canonicalBytes(operation)))
    }

    /// The version vector with a fingerprint per entry, as sent at the start
    /// of a sync. `ownUpTo` lowers the entry of this replica's own origin
    /// (a device states only what its hub has acknowledged, so that the hub
    /// sends back its copies of anything later and a fork shows).
    public func syncVector(ownUpTo: UInt64? = nil) throws -> SyncVector {
        var vector = try versionVector()
        if let ownUpTo, ownUpTo < vector[replica] { vector[replica] = ownUpTo }
        var fingerprints: [ReplicaID: UInt64] = [:]
        for entry in vector.sortedEntries {
            guard let fingerprint = try fingerprint(of: OperationID(origin: entry.origin, seq: entry.seq)) else {
                throw StoreError.invalid("the operation log of \(path) lacks \(entry.origin):\(entry.seq), which its version vector counts",
                                         "the store may be damaged")
            }
            fingerprints[entry.origin] = fingerprint
        }
        return SyncVector(vector, fingerprints: fingerprints)
    }

    /// The origins whose history a peer states differently: entries at a seq
    /// this store holds whose fingerprint differs from ours.
    public func divergentOrigins(from peer: SyncVector) throws -> [ReplicaID] {
        let held = try versionVector()
        var divergent: [ReplicaID] = []
        for entry in peer.sortedEntries where entry.seq <= held[entry.origin] {
            if try fingerprint(of: OperationID(origin: entry.origin, seq: entry.seq)) != entry.fingerprint {
                divergent.append(entry.origin)
            }
        }
        return divergent
    }

    // MARK: Re-issuing

    /// Moves this replica's own operations with seq `from` onward to a fresh
    /// replica id, in one transaction, and makes the new id this store's;
    /// nil, and nothing done, if the store no longer writes as `expected`
    /// (another connection re-issued first). Used by a hub that finds a
    /// device holding more of the hub's own origin than it does (the hub was
    /// restored from a backup).
    @discardableResult
    public func reissueOwnOperations(of expected: ReplicaID, from seq: UInt64) throws -> Reissue? {
        try guarded {
            let reissue = try database.transaction { () -> Reissue? in
                let batch = try beginBatch()
                guard batch.replica == expected else { return nil }
                let reissue = try moveOwnOperations(from: seq, batch)
                try finish(batch)
                return reissue
            }
            if let reissue { replica = reissue.replica }
            return reissue
        }
    }

    /// The replicas this store wrote under before its current one, oldest first.
    public func previousReplicas() throws -> [ReplicaID] {
        try guarded {
            guard case .blob(let bytes)? = try meta("previous_replicas") else { return [] }
            return stride(from: 0, to: bytes.count - bytes.count % 16, by: 16).compactMap { ReplicaID(bytes: bytes[$0 ..< $0 + 16]) }
        }
    }

    /// Within the caller's transaction: gives the store a fresh replica id
    /// and renames its own operations `(old, seq)` for `seq >= first` to
    /// `(new, seq - first + 1)`, in the log and in the materialised state,
    /// rewriting the ids they name. Content, clocks and order are kept, so
    /// the visible state is unchanged and the moved operations can be sent
    /// to peers that hold a different history of the old id.
    func moveOwnOperations(from first: UInt64, _ batch: Batch) throws -> Reissue {
        let old = batch.replica
        guard let new = ReplicaID(bytes: try SecureRandom.bytes(16)) else { throw SecureRandom.Failure() }
        let oldBlob = SQLValue.blob(old.bytes)
        let newBlob = SQLValue.blob(new.bytes)
        let start = SQLValue.integer(Int64(clamping: first))
        let shift = SQLValue.integer(Int64(clamping: first) - 1)
        func renamed(_ id: OperationID) -> OperationID {
            id.origin == old && id.seq >= first ? OperationID(origin: new, seq: id.seq - first + 1) : id
        }
        // Ops first: their primary key moves to the new origin, so no row collides.
        let rows = try statement("SELECT seq, refs, record, kind, name FROM ops WHERE origin = ? AND seq >= ? ORDER BY seq")
            .query([oldBlob, start]) { row in
                (seq: UInt64(row.int64(0)), refs: row.isNull(1) ? nil : row.blob(1), rid: row.int64(2),
                 kind: Action.Kind(rawValue: UInt8(clamping: row.int64(3))), onText: row.text(4) == Store.textField)
            }
        let records = try statement("SELECT count(DISTINCT record) FROM ops WHERE origin = ? AND seq >= ?").first([oldBlob, start]) { Int($0.int64(0)) } ?? 0
        let characters = CharacterRenaming(old: old, new: new, moved: rows.map { ($0.seq, $0.rid, $0.kind, $0.onText, $0.refs) }, renamed: renamed)
        for row in rows {
            let rewritten: SQLValue
            switch (row.kind, row.refs) {
            case (_, nil): rewritten = .null
            case (.insertText?, let refs?):
                rewritten = Store.unpackRun(refs, text: nil).map { Store.packRun(characters.renamed($0, in: row.rid)) } ?? .blob(refs)
            case (.deleteText?, let refs?):
                rewritten = Store.packRanges(Store.unpackRanges(refs).flatMap { characters.renamed($0, in: row.rid) })
            case (_, let refs?):
                rewritten = Store.packRefs(Store.unpackRefs(refs).map(renamed))
            }
            try statement("UPDATE ops SET origin = ?, seq = ?, refs = ? WHERE origin = ? AND seq = ?")
                .run([newBlob, .integer(Int64(clamping: row.seq - first + 1)), rewritten, oldBlob, .integer(Int64(clamping: row.seq))])
            // Its text field is built again from the renamed log, under the new id.
            if row.onText {
                batch.textsTouched.insert(row.rid)
                batch.textsRebuild.insert(row.rid)
            }
        }
        texts.removeAll()
        try statement("UPDATE heads SET origin = ?1, seq = seq - ?3 WHERE origin = ?2 AND seq >= ?4").run([newBlob, oldBlob, shift, start])
        try statement("UPDATE members SET origin = ?1, seq = seq - ?3 WHERE origin = ?2 AND seq >= ?4").run([newBlob, oldBlob, shift, start])
        // Only the covered ids that are our moved operations (same record):
        // a row naming (old, seq) in another record is another device's write
        // about the other copy's operation, and must keep naming it.
        try statement("""
            UPDATE covered SET origin = ?1, seq = seq - ?3
            WHERE origin = ?2 AND seq >= ?4
              AND record = (SELECT o.record FROM ops o WHERE o.origin = ?1 AND o.seq = covered.seq - ?3)
            """).run([newBlob, oldBlob, shift, start])
        // Ties between equal clocks break on origin bytes: re-pick the shown head where a renamed one stands.
        let fields = try statement("SELECT DISTINCT record, field FROM heads WHERE origin = ?")
            .query([newBlob]) { Batch.FieldKey(rid: $0.int64(0), field: $0.text(1)) }
        batch.touchedFields.formUnion(fields)

        let kept = first - 1
        let moved = UInt64(rows.count)
        batch.vector[old] = (held: kept, stored: kept)
        batch.vector[new] = (held: moved, stored: moved)
        batch.dirtyOrigins.formUnion([old, new])
        try statement("DELETE FROM vector WHERE origin = ?").run([oldBlob])

        var previous: [UInt8] = []
        if case .blob(let bytes)? = try meta("previous_replicas") { previous = bytes }
        try setMeta("previous_replicas", .blob(previous + old.bytes))
        try setMeta("replica", newBlob)
        // Nothing of the new id has reached a hub yet.
        try setMeta("hub_acknowledged", .integer(0))
        batch.replica = new
        let reissue = Reissue(previous: old, replica: new, fromSeq: first, moved: rows.count, records: records)
        batch.reissue = reissue
        return reissue
    }

    /// Gives the current replica id a "device" record naming it, as a new
    /// store does, if it has none yet (after a re-issue).
    public func nameReplicaIfNew() throws {
        guard let device = RecordID(bytes: replica.bytes), try record(device) == nil else { return }
        try commit([.create(device, type: Store.deviceType), .assign(device, field: "name", value: .text(try name))])
    }
}

extension Store {
    /// Empties the value of one of this store's own operations that no
    /// replica has yet (the caller knows the hub lacks it) and that a later
    /// write replaced or a remove observed, so it shows nowhere: an
    /// over-limit value from an older version, which could never be sent
    /// and would hold back every later change. Returns whether it did.
    public func clearReplacedValue(_ id: OperationID) throws -> Bool {
        try guarded {
            try database.transaction {
                guard id.origin == replica else { return false }
                let blob = SQLValue.blob(id.origin.bytes), seq = SQLValue.integer(Int64(clamping: id.seq))
                guard let record = try statement("SELECT record FROM ops WHERE origin = ? AND seq = ? AND kind IN (2, 3) AND value IS NOT NULL")
                    .first([blob, seq], { $0.int64(0) }),
                    try statement("SELECT 1 FROM covered WHERE record = ? AND origin = ? AND seq = ?")
                        .first([.integer(record), blob, seq], { _ in true }) != nil else { return false }
                // NULL, as an erase leaves it: passes every schema rule, unlike an empty text.
                try statement("UPDATE ops SET value = NULL WHERE origin = ? AND seq = ?").run([blob, seq])
                return true
            }
        }
    }
}

/// How re-issuing renames the characters the moved operations typed. In a
/// text, the store's characters are numbered in the order its operations
/// made them, so in each record the moved insertions hold exactly the old
/// id's characters from the first counter they use: those become the new
/// id's characters from 1. A moved assign to a text field is a base whose
/// replica id derives from the assign's id, so its characters follow it.
struct CharacterRenaming {
    let old: ReplicaID
    let new: ReplicaID
    /// Per record row: the first of the old id's counters the moved operations typed.
    var firstMoved: [Int64: UInt64] = [:]
    /// Base replica ids of moved assigns, old to new.
    var bases: [ReplicaID: ReplicaID] = [:]

    init(old: ReplicaID, new: ReplicaID, moved: [(seq: UInt64, rid: Int64, kind: Action.Kind?, onText: Bool, refs: [UInt8]?)],
         renamed: (OperationID) -> OperationID) {
        self.old = old
        self.new = new
        for row in moved {
            if row.kind == .insertText, let refs = row.refs, let run = Store.unpackRun(refs, text: nil) {
                firstMoved[row.rid] = min(firstMoved[row.rid] ?? .max, run.first)
            } else if row.kind == .assign, row.onText {
                let id = OperationID(origin: old, seq: row.seq)
                bases[TextField.baseReplica(of: id)] = TextField.baseReplica(of: renamed(id))
            }
        }
    }

    func renamed(_ character: CharacterID, in rid: Int64) -> CharacterID {
        if let base = bases[character.replica] { return CharacterID(replica: base, counter: character.counter) }
        guard character.replica == old, let first = firstMoved[rid], character.counter >= first else { return character }
        return CharacterID(replica: new, counter: character.counter - first + 1)
    }

    func renamed(_ run: TextRun, in rid: Int64) -> TextRun {
        let first = firstMoved[rid].map { run.first - $0 + 1 } ?? run.first
        return TextRun(first: first, count: run.count, text: run.text,
                       left: run.left.map { renamed($0, in: rid) }, right: run.right.map { renamed($0, in: rid) })
    }

    /// A range, split where it crosses from kept to moved characters.
    func renamed(_ range: CharacterRange, in rid: Int64) -> [CharacterRange] {
        if let base = bases[range.replica] { return [CharacterRange(replica: base, first: range.first, count: range.count)] }
        guard range.replica == old, let first = firstMoved[rid], range.first + range.count > first else { return [range] }
        var out: [CharacterRange] = []
        if range.first < first { out.append(CharacterRange(replica: old, first: range.first, count: first - range.first)) }
        let start = max(range.first, first)
        out.append(CharacterRange(replica: new, first: start - first + 1, count: range.first + range.count - start))
        return out
    }
}
