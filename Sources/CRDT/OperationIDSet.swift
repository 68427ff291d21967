/// A set of operation ids, such as the ids a record's writes replace, kept
/// as seqs per origin. A write names writes its author already held, so an
/// origin's seqs mostly arrive in ascending order: those go on the end of a
/// sorted array and are found by binary search, with no hashing. A seq that
/// arrives below the greatest held goes to a hashed set.
struct OperationIDSet: Sendable {
    private struct Seqs: Sendable {
        let origin: ReplicaID
        /// Strictly ascending.
        var ascending: [UInt64] = []
        /// Seqs that arrived below `ascending.last`, not in `ascending`.
        var others: Set<UInt64> = []

        init(origin: ReplicaID) { self.origin = origin }

        func contains(_ seq: UInt64) -> Bool {
            if let last = ascending.last, seq <= last, inAscending(seq) { return true }
            return !others.isEmpty && others.contains(seq)
        }

        func inAscending(_ seq: UInt64) -> Bool {
            var low = 0
            var high = ascending.count
            while low < high {
                let middle = (low + high) / 2
                if ascending[middle] < seq { low = middle + 1 } else { high = middle }
            }
            return low < ascending.count && ascending[low] == seq
        }

        mutating func insert(_ seq: UInt64) {
            guard let last = ascending.last, seq <= last else {
                ascending.append(seq)
                return
            }
            if !inAscending(seq) { others.insert(seq) }
        }
    }

    /// Origins are found by a scan while there are few (a record is written
    /// by a handful of devices), by `index` beyond that.
    private static let scanLimit = 8
    private var origins: [Seqs] = []
    private var index: [ReplicaID: Int] = [:]
    /// The origin inserted into last.
    private var last = 0

    private func position(of origin: ReplicaID) -> Int? {
        if last < origins.count, origins[last].origin == origin { return last }
        if origins.count > OperationIDSet.scanLimit { return index[origin] }
        return origins.firstIndex { $0.origin == origin }
    }

    func contains(_ id: OperationID) -> Bool {
        guard let position = position(of: id.origin) else { return false }
        return origins[position].contains(id.seq)
    }

    mutating func insert(_ id: OperationID) {
        if let position = position(of: id.origin) {
            last = position
        } else {
            origins.append(Seqs(origin: id.origin))
            last = origins.count - 1
            index[id.origin] = last
        }
        origins[last].insert(id.seq)
    }
}
