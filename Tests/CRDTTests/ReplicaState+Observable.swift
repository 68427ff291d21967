import CRDT
import CRDTTestSupport
import Testing

extension ReplicaState {
    /// Everything that must agree between two replicas holding the same
    /// operations: the visible records' canonical bytes, the vector, and the
    /// operations held (purged payloads included).
    var observable: Observable {
        Observable(visible: visibleRecords.map(\.canonicalBytes), vector: vector,
                   operations: Dictionary(uniqueKeysWithValues: operations.values.map { ($0.id, $0) }))
    }

    /// Compared whole; described briefly, so a failure names what differs
    /// instead of printing thousands of bytes.
    struct Observable: Equatable, CustomStringConvertible {
        let visible: [[UInt8]]
        let vector: VersionVector
        let operations: [OperationID: Operation]

        var description: String {
            // FNV-1a over the visible bytes: a short fingerprint of the state.
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in visible.joined() { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            return "\(visible.count) records (fingerprint \(String(hash, radix: 16))), \(operations.count) operations, vector total \(vector.total)"
        }

        /// What differs from `other`, or nil.
        func difference(from other: Observable) -> String? {
            var found: [String] = []
            let ours = Dictionary(visible.map { (Hex.encode(Array($0.prefix(16))), $0) }, uniquingKeysWith: { a, _ in a })
            let theirs = Dictionary(other.visible.map { (Hex.encode(Array($0.prefix(16))), $0) }, uniquingKeysWith: { a, _ in a })
            let records = Set(ours.keys).union(theirs.keys).sorted().filter { ours[$0] != theirs[$0] }
            if !records.isEmpty { found.append("records \(records.prefix(3).joined(separator: ", ")) differ (\(records.count) in all)") }
            if vector != other.vector { found.append("vectors differ") }
            let operations = Set(self.operations.keys).union(other.operations.keys).filter { self.operations[$0] != other.operations[$0] }
            if !operations.isEmpty { found.append("operations \(operations.sorted().prefix(3).map(\.description).joined(separator: ", ")) differ (\(operations.count) in all)") }
            return found.isEmpty ? nil : found.joined(separator: "; ")
        }
    }

    func merged(with other: ReplicaState) -> ReplicaState {
        var copy = self
        copy.merge(other)
        return copy
    }
}

/// Expects two replicas to show and hold the same, naming the first
/// differences when they do not.
func expectSame(_ actual: ReplicaState.Observable, _ expected: ReplicaState.Observable, _ context: String,
                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual == expected, "\(context): \(actual.difference(from: expected) ?? "")", sourceLocation: sourceLocation)
}
