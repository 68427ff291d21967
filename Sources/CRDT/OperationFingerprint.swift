/// The bytes an operation's fingerprint is computed over
/// (`Protocol/SPEC.md` §5.5): everything that identifies the operation except
/// its value, element or erase reason, which an erase purges. Two replicas
/// that hold the same operation compute the same bytes whether or not its
/// record was erased on either; two different operations written under one
/// `(origin, seq)` differ at least in their clock or record.
///
/// ```
/// origin (16) | seq (u64) | timestamp (u64) | record (16) | kind (u8)
/// | name length (u32) | name (UTF-8) | id count (u32) | ids (16 + u64 each)
/// [insertText: first (u64) | count (u64) | left | right]
/// [deleteText: range count (u32) | ranges (16 + first u64 + count u64 each)]
/// ```
/// where `left` and `right` are a byte 0 (none) or a byte 1, the replica's
/// 16 bytes and the counter (u64). The inserted text is left out, as values are.
/// Integers are big-endian. The fingerprint is the first 8 bytes of the
/// SHA-256 of these bytes, read as a big-endian `u64`; hashing lives with the
/// callers (this module has no cryptography).
public enum OperationFingerprint {
    public static func canonicalBytes(_ operation: Operation) -> [UInt8] {
        let (name, ids): (String, [OperationID])
        switch operation.action {
        case .create(let type): (name, ids) = (type, [])
        case .assign(let field, _, let replaces): (name, ids) = (field, replaces)
        case .add(let set, _): (name, ids) = (set, [])
        case .remove(let set, _, let observed): (name, ids) = (set, observed)
        case .erase: (name, ids) = ("", [])
        case .insertText(let field, _), .deleteText(let field, _): (name, ids) = (field, [])
        }
        var out: [UInt8] = []
        out.reserveCapacity(16 + 8 + 8 + 16 + 1 + 4 + name.utf8.count + 4 + ids.count * 24)
        out.append(contentsOf: operation.id.origin.bytes)
        out.appendBigEndian(operation.id.seq)
        out.appendBigEndian(operation.timestamp.packed)
        out.append(contentsOf: operation.record.bytes)
        out.append(operation.action.kind.rawValue)
        appendUInt32(UInt32(clamping: name.utf8.count), to: &out)
        out.append(contentsOf: name.utf8)
        appendUInt32(UInt32(clamping: ids.count), to: &out)
        for id in ids {
            out.append(contentsOf: id.origin.bytes)
            out.appendBigEndian(id.seq)
        }
        switch operation.action {
        case .insertText(_, let run):
            out.appendBigEndian(run.first)
            out.appendBigEndian(run.count)
            appendCharacter(run.left, to: &out)
            appendCharacter(run.right, to: &out)
        case .deleteText(_, let ranges):
            appendUInt32(UInt32(clamping: ranges.count), to: &out)
            for range in ranges {
                out.append(contentsOf: range.replica.bytes)
                out.appendBigEndian(range.first)
                out.appendBigEndian(range.count)
            }
        case .create, .assign, .add, .remove, .erase:
            break
        }
        return out
    }

    /// A character id: 0 for none, or 1, the replica's 16 bytes and the counter.
    private static func appendCharacter(_ character: CharacterID?, to out: inout [UInt8]) {
        guard let character else { out.append(0); return }
        out.append(1)
        out.append(contentsOf: character.replica.bytes)
        out.appendBigEndian(character.counter)
    }

    /// The first 8 bytes of a digest, big-endian.
    public static func fingerprint(fromDigest digest: [UInt8]) -> UInt64 {
        digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
