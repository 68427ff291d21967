// The run-length storage under `TextSequence`: the sequence of characters,
// deleted ones included, as runs in leaves of at most `maxRuns` runs, each
// leaf caching its count of visible characters; an index from character ids
// to leaves; and the characters themselves, per replica, by counter.
// Positions compare as (leaf, run, character) tuples, so order comparisons
// during a merge never sum lengths.

/// A replica as this text numbers it: an index into `TextSequence.replicas`.
typealias ReplicaSlot = UInt32

/// A character id inside the storage; `replica == .max` means none (the
/// start as a left origin, the end as a right origin).
struct CharRef: Equatable {
    var counter: UInt64
    var replica: ReplicaSlot

    static let none = CharRef(counter: 0, replica: .max)
    var isNone: Bool { replica == .max }
}

/// Characters `counter ..< counter + length` of one replica, consecutive in
/// the sequence, all deleted or all visible. `left` and `right` are the
/// origins of the first character; character `k > 0` has left origin
/// `counter + k - 1` of the same replica and right origin `right`.
struct Run {
    var counter: UInt64
    var left: CharRef
    var right: CharRef
    var length: Int
    var replica: ReplicaSlot
    var deleted: Bool

    @inline(__always) var visible: Int { deleted ? 0 : length }

    @inline(__always) func leftOrigin(at k: Int) -> CharRef {
        k == 0 ? left : CharRef(counter: counter + UInt64(k) - 1, replica: replica)
    }

    @inline(__always) func ref(at k: Int) -> CharRef { CharRef(counter: counter + UInt64(k), replica: replica) }

    @inline(__always) func contains(_ ref: CharRef) -> Bool {
        ref.replica == replica && ref.counter >= counter && ref.counter - counter < UInt64(length)
    }

    /// Whether `next`, placed right after this run, continues it as one run.
    @inline(__always) func continues(with next: Run) -> Bool {
        next.replica == replica && next.deleted == deleted && counter + UInt64(length) == next.counter
            && next.left == CharRef(counter: next.counter - 1, replica: replica) && next.right == right
    }
}

/// A leaf: consecutive runs and how many of their characters are visible.
/// `id` is stable (the id index names leaves by it); the leaf's place in
/// `leaves` is `leafPosition[id]`.
struct Leaf {
    var runs: [Run]
    var visible: Int
    let id: UInt32
}

/// A place in the sequence: character `k` of run `run` of leaf `leaf`.
/// `start` is before every character, `end` after every character.
struct Position: Comparable {
    var leaf: Int
    var run: Int
    var k: Int

    static let start = Position(leaf: -1, run: 0, k: 0)
    static let end = Position(leaf: .max, run: 0, k: 0)

    static func < (a: Position, b: Position) -> Bool { (a.leaf, a.run, a.k) < (b.leaf, b.run, b.k) }
}

/// Counters `1 ..< end` of one replica mapped to leaf ids, as sorted ranges:
/// entry `i` maps `starts[i] ..< starts[i + 1]` (or `..< end`) to `leaves[i]`.
struct LeafMap {
    var starts: [UInt64] = []
    var leaves: [UInt32] = []
    var end: UInt64 = 1

    func lookup(_ counter: UInt64) -> UInt32 {
        if let last = starts.last, counter >= last { return leaves[leaves.count - 1] }
        var low = 0, high = starts.count - 1
        // The last entry whose start is <= counter.
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= counter { low = middle } else { high = middle - 1 }
        }
        return leaves[low]
    }

    /// Maps the new counters `end ..< end + count` to `leaf`.
    mutating func append(count: Int, leaf: UInt32) {
        if leaves.last != leaf {
            starts.append(end)
            leaves.append(leaf)
        }
        end += UInt64(count)
    }

    /// Maps the held counters `first ..< first + count` to `leaf`.
    mutating func assign(first: UInt64, count: Int, leaf: UInt32) {
        let high = first + UInt64(count)
        let after: UInt32? = high < end ? lookup(high) : nil
        var i = 0
        while i < starts.count, starts[i] < first { i += 1 }
        var j = i
        while j < starts.count, starts[j] <= high { j += 1 }
        var newStarts: [UInt64] = [first]
        var newLeaves: [UInt32] = [leaf]
        if let after {
            newStarts.append(high)
            newLeaves.append(after)
        }
        starts.replaceSubrange(i ..< j, with: newStarts)
        leaves.replaceSubrange(i ..< j, with: newLeaves)
        var k = min(i + 2, leaves.count - 1)
        while k >= max(i, 1) {
            if leaves[k] == leaves[k - 1] {
                starts.remove(at: k)
                leaves.remove(at: k)
            }
            k -= 1
        }
    }

    var byteCount: Int { starts.capacity * 8 + leaves.capacity * 4 }
}

/// The characters one replica typed into a text, by counter − 1: one byte
/// each while they are all ASCII, four once any is not.
struct ScalarBuffer {
    private var narrow: [UInt8] = []
    private var wide: [UInt32] = []
    private var isWide = false

    var count: Int { isWide ? wide.count : narrow.count }

    mutating func append(_ text: String) {
        if !isWide, text.utf8.allSatisfy({ $0 < 0x80 }) {
            narrow.append(contentsOf: text.utf8)
            return
        }
        if !isWide {
            wide = narrow.map { UInt32($0) }
            narrow = []
            isWide = true
        }
        for scalar in text.unicodeScalars { wide.append(scalar.value) }
    }

    subscript(index: Int) -> Unicode.Scalar {
        if !isWide { return Unicode.Scalar(narrow[index]) }
        return Unicode.Scalar(wide[index]) ?? "\u{FFFD}"
    }

    /// Appends the UTF-8 of characters `start ..< start + count`.
    func appendUTF8(from start: Int, count: Int, to out: inout [UInt8]) {
        if !isWide {
            out.append(contentsOf: narrow[start ..< start + count])
            return
        }
        for value in wide[start ..< start + count] {
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            UTF8.encode(scalar) { out.append($0) }
        }
    }

    var byteCount: Int { narrow.capacity + wide.capacity * 4 }
}

extension TextSequence {
    /// Most runs in a leaf; a leaf over it splits in two.
    static let maxRuns = 64

    // MARK: Finding characters

    /// Where the character `ref` is, or nil if this text does not hold it.
    func locate(_ ref: CharRef) -> Position? {
        guard !ref.isNone, Int(ref.replica) < content.count, ref.counter >= 1,
              ref.counter <= UInt64(content[Int(ref.replica)].count) else { return nil }
        let leaf = leafPosition[Int(leafMaps[Int(ref.replica)].lookup(ref.counter))]
        let runs = leaves[leaf].runs
        for index in runs.indices where runs[index].contains(ref) {
            return Position(leaf: leaf, run: index, k: Int(ref.counter - runs[index].counter))
        }
        return nil
    }

    /// The place of the visible character with `offset` visible characters
    /// before it (`offset < visibleCount`), and its leaf's visible prefix.
    func findVisible(_ offset: Int) -> (position: Position, before: Int) {
        var leaf = cursorLeaf, before = cursorBefore
        while offset < before {
            leaf -= 1
            before -= leaves[leaf].visible
        }
        while offset >= before + leaves[leaf].visible {
            before += leaves[leaf].visible
            leaf += 1
        }
        var remaining = offset - before
        let count = leaves[leaf].runs.count
        var index = 0
        while index < count {
            let visible = leaves[leaf].runs[index].visible
            if remaining < visible { return (Position(leaf: leaf, run: index, k: remaining), before) }
            remaining -= visible
            index += 1
        }
        preconditionFailure("leaf \(leaf) holds fewer visible characters than it counts")
    }

    /// `findVisible`, moving the cursor there: the next edit is probably near.
    mutating func locateVisible(_ offset: Int) -> Position {
        let (position, before) = findVisible(offset)
        cursorLeaf = position.leaf
        cursorBefore = before
        return position
    }

    /// Visible characters before `position`.
    func visibleOffset(of position: Position) -> Int {
        var leaf = cursorLeaf, before = cursorBefore
        while position.leaf < leaf {
            leaf -= 1
            before -= leaves[leaf].visible
        }
        while position.leaf > leaf {
            before += leaves[leaf].visible
            leaf += 1
        }
        let runs = leaves[leaf].runs
        for index in 0 ..< position.run { before += runs[index].visible }
        return before + (runs[position.run].deleted ? 0 : position.k)
    }

    /// The first character of the sequence, or `end`.
    var firstPosition: Position { leaves[0].runs.isEmpty ? .end : Position(leaf: 0, run: 0, k: 0) }

    /// The character after `position`, or `end`.
    func position(after position: Position) -> Position {
        if position.k + 1 < leaves[position.leaf].runs[position.run].length {
            return Position(leaf: position.leaf, run: position.run, k: position.k + 1)
        }
        return runStart(after: position)
    }

    /// The first character of the run after `position`'s run, or `end`.
    func runStart(after position: Position) -> Position {
        if position.run + 1 < leaves[position.leaf].runs.count {
            return Position(leaf: position.leaf, run: position.run + 1, k: 0)
        }
        return position.leaf + 1 < leaves.count ? Position(leaf: position.leaf + 1, run: 0, k: 0) : .end
    }

    func ref(at position: Position) -> CharRef {
        position == .end ? .none : leaves[position.leaf].runs[position.run].ref(at: position.k)
    }

    // MARK: Changing runs

    /// Adds `delta` visible characters to a leaf, keeping the cursor's count right.
    mutating func addVisible(_ delta: Int, leaf: Int) {
        leaves[leaf].visible += delta
        visibleCount += delta
        if leaf < cursorLeaf { cursorBefore += delta }
    }

    /// Splits run `run` of `leaf` before its character `k` (0 < k < length).
    mutating func split(leaf: Int, run: Int, at k: Int) {
        let head = leaves[leaf].runs[run]
        let tail = Run(counter: head.counter + UInt64(k), left: head.ref(at: k - 1), right: head.right,
                       length: head.length - k, replica: head.replica, deleted: head.deleted)
        leaves[leaf].runs[run].length = k
        leaves[leaf].runs.insert(tail, at: run + 1)
    }

    /// Places a new visible run at `position` (a character, which moves
    /// right, or `end`), continuing the run before it where possible. The
    /// run's characters must already be in `content`.
    mutating func place(_ new: Run, at position: Position) {
        var leaf: Int, run: Int
        if position == .end {
            leaf = leaves.count - 1
            run = leaves[leaf].runs.count
        } else {
            leaf = position.leaf
            run = position.run
            if position.k > 0 {
                split(leaf: leaf, run: run, at: position.k)
                run += 1
            }
            if run == 0, leaf > 0 {
                // The end of the previous leaf is the same place, and there the run may continue.
                leaf -= 1
                run = leaves[leaf].runs.count
            }
        }
        if run > 0, leaves[leaf].runs[run - 1].continues(with: new) {
            leaves[leaf].runs[run - 1].length += new.length
        } else {
            leaves[leaf].runs.insert(new, at: run)
        }
        addVisible(new.length, leaf: leaf)
        leafMaps[Int(new.replica)].append(count: new.length, leaf: leaves[leaf].id)
        if leaves[leaf].runs.count > Self.maxRuns { splitLeaf(leaf) }
    }

    /// Deletes `count` characters from `position` on, all in one run;
    /// returns how many were visible.
    @discardableResult
    mutating func markDeleted(at position: Position, count: Int) -> Int {
        let leaf = position.leaf
        var run = position.run
        guard !leaves[leaf].runs[run].deleted else { return 0 }
        if position.k > 0 {
            split(leaf: leaf, run: run, at: position.k)
            run += 1
        }
        if count < leaves[leaf].runs[run].length { split(leaf: leaf, run: run, at: count) }
        leaves[leaf].runs[run].deleted = true
        addVisible(-count, leaf: leaf)
        // Rejoin deleted neighbours: backspacing over a run leaves one run.
        if run + 1 < leaves[leaf].runs.count, leaves[leaf].runs[run].continues(with: leaves[leaf].runs[run + 1]) {
            leaves[leaf].runs[run].length += leaves[leaf].runs[run + 1].length
            leaves[leaf].runs.remove(at: run + 1)
        }
        if run > 0, leaves[leaf].runs[run - 1].continues(with: leaves[leaf].runs[run]) {
            leaves[leaf].runs[run - 1].length += leaves[leaf].runs[run].length
            leaves[leaf].runs.remove(at: run)
        }
        if leaves[leaf].runs.count > Self.maxRuns { splitLeaf(leaf) }
        return count
    }

    /// Moves the second half of a full leaf into a new leaf after it.
    mutating func splitLeaf(_ leaf: Int) {
        let half = leaves[leaf].runs.count / 2
        let moved = Array(leaves[leaf].runs[half...])
        leaves[leaf].runs.removeSubrange(half...)
        let visible = moved.reduce(0) { $0 + $1.visible }
        leaves[leaf].visible -= visible
        let id = UInt32(leafPosition.count)
        leaves.insert(Leaf(runs: moved, visible: visible, id: id), at: leaf + 1)
        leafPosition.append(leaf + 1)
        for index in (leaf + 2) ..< leaves.count { leafPosition[Int(leaves[index].id)] = index }
        if cursorLeaf > leaf { cursorLeaf += 1 }
        for run in moved { leafMaps[Int(run.replica)].assign(first: run.counter, count: run.length, leaf: id) }
    }
}
