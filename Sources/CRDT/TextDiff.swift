/// The differences between two texts as a short list of edits, so that an
/// edit of a whole body (`fieldnotes edit --body-file`) becomes the
/// insertions and deletions a person made, not a replacement of everything.
///
/// Common prefix and suffix are cut first; the middle is compared with
/// Myers's algorithm (*An O(ND) Difference Algorithm and Its Variations*,
/// 1986), which finds the fewest scalars to delete and insert. Past
/// `maxDifferences` the middle is replaced whole, which is still correct
/// and keeps time and memory bounded.
public enum TextDiff {
    public struct Edit: Equatable, Sendable {
        /// Offset in the old text (Unicode scalars).
        public let offset: Int
        public let deleteCount: Int
        public let insert: [Unicode.Scalar]
    }

    /// Edits in increasing offset order, not overlapping; applying them from
    /// the last to the first turns `old` into `new`.
    public static func edits(from old: [Unicode.Scalar], to new: [Unicode.Scalar], maxDifferences: Int = 1024) -> [Edit] {
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        let a = old[prefix ..< old.count - suffix]
        let b = new[prefix ..< new.count - suffix]
        if a.isEmpty && b.isEmpty { return [] }
        if a.isEmpty || b.isEmpty {
            return [Edit(offset: prefix, deleteCount: a.count, insert: Array(b))]
        }
        guard let steps = myers(Array(a), Array(b), maxDifferences: maxDifferences) else {
            return [Edit(offset: prefix, deleteCount: a.count, insert: Array(b))]
        }
        // Group single-scalar steps into edits: deletions of consecutive old
        // scalars and insertions at the same old offset.
        var edits: [Edit] = []
        var offset = -1, deleteCount = 0
        var insert: [Unicode.Scalar] = []
        func flush() {
            if offset >= 0, deleteCount > 0 || !insert.isEmpty {
                edits.append(Edit(offset: prefix + offset, deleteCount: deleteCount, insert: insert))
            }
            offset = -1; deleteCount = 0; insert = []
        }
        for step in steps {
            switch step {
            case .delete(let x):
                if offset >= 0, x != offset + deleteCount || !insert.isEmpty { flush() }
                if offset < 0 { offset = x }
                deleteCount += 1
            case .insert(let x, let y):
                if offset >= 0, x != offset + deleteCount { flush() }
                if offset < 0 { offset = x }
                insert.append(b[b.startIndex + y])
            }
        }
        flush()
        return edits
    }

    private enum Step {
        /// Delete old scalar `x`.
        case delete(Int)
        /// Insert new scalar `y` before old scalar `x`.
        case insert(Int, Int)
    }

    /// The shortest edit script, in order; nil past `maxDifferences`.
    private static func myers(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], maxDifferences: Int) -> [Step]? {
        let n = a.count, m = b.count
        let limit = min(n + m, maxDifferences)
        let offset = limit + 1
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        // v[k - d ... k + d] before each round d, to walk back.
        var trace: [[Int]] = []
        var found = -1
        search: for d in 0 ... limit {
            trace.append(Array(v[offset - d ... offset + d]))
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n, y >= m { found = d; break search }
            }
        }
        guard found >= 0 else { return nil }
        var steps: [Step] = []
        var x = n, y = m
        for d in stride(from: found, to: 0, by: -1) {
            let before = trace[d]   // v after round d - 1, indexed k + d
            func at(_ k: Int) -> Int { before[k + d] }
            let k = x - y
            let down = k == -d || (k != d && at(k - 1) < at(k + 1))
            let previousK = down ? k + 1 : k - 1
            let previousX = at(previousK)
            let previousY = previousX - previousK
            // The diagonal from there back to (x, y) matched; the step before it is the edit.
            steps.append(down ? .insert(previousX, previousY) : .delete(previousX))
            x = previousX
            y = previousY
        }
        return steps.reversed()
    }
}
