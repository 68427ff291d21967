import CRDT
import Crypto
import Store

/// A wall clock the test moves by hand. A class, so a store's clock closure
/// sees later changes.
final class ManualClock {
    var millis: UInt64
    init(_ millis: UInt64) { self.millis = millis }
    func advance(_ by: UInt64 = 1) { millis += by }
    var read: () -> UInt64 { { self.millis } }
}

/// A record id made from a small number, for readable tests.
func recordID(_ n: UInt8) -> RecordID {
    RecordID(bytes: [UInt8](repeating: 0xA0, count: 15) + [n])!
}

extension Store {
    /// Every operation the store holds for the origins its vector names.
    func allOperations(limit: Int = 10_000) throws -> [Operation] {
        try versionVector().missing(from: VersionVector()).flatMap { try operations($0, limit: limit) }
    }

    /// Sends `self` what `peer` lacks, in batches of at most `batchSize`,
    /// stopping after `maxBatches` (an interrupted sync) if given. Returns the
    /// number of new operations the peer applied.
    @discardableResult
    func send(to peer: Store, batchSize: Int = 64, maxBatches: Int = .max) throws -> Int {
        var batches = 0
        var applied = 0
        for range in try versionVector().missing(from: peer.versionVector()) {
            var first = range.first
            while first <= range.last {
                guard batches < maxBatches else { return applied }
                let batch = try operations(SeqRange(origin: range.origin, first: first, last: range.last), limit: batchSize)
                guard !batch.isEmpty else { break }
                applied += try peer.apply(batch)
                batches += 1
                first += UInt64(batch.count)
            }
        }
        return applied
    }
}

/// SHA-256 over the canonical bytes of the model's visible records: what
/// `Store.digest()` must return for a store holding the same operations.
func expectedDigest(_ model: ReplicaState) -> String {
    Hex.encode(SHA256.hash(model.visibleRecords.flatMap { SHA256.hash($0.canonicalBytes) }))
}
