/// One text that several replicas edit concurrently (a note's body): a
/// sequence CRDT whose visible text is a function of the set of
/// `TextOperation`s held, whatever their order or duplicates.
///
/// The merge rule is FugueMax (Weidner & Kleppmann, *The Art of the Fugue:
/// Minimizing Interleaving in Collaborative Text Editing*, 2023), computed
/// by the list integration that the paper shows equivalent to it, YjsMod
/// (Gentle's modification of YATA, Nicolaescu et al. 2016, in
/// diamond-types). Each character records the characters it was typed
/// between (its left and right origins); concurrent insertions at one place
/// are ordered so that runs typed concurrently, forwards or backwards, never
/// interleave; ties between runs with the same origins break on the
/// replicas' bytes. `Protocol/OPERATIONS.md` §4.7 states the rule in full.
///
/// Characters are named by `(replica, counter)`, the counter counting the
/// characters that replica inserted into this text. A remote insertion is
/// applied once its origins and the same replica's earlier characters are
/// held, a deletion once the characters it names are; until then it waits
/// here, so operations can be applied in any order. Offsets count Unicode
/// scalars.
///
/// Storage is run-length encoded (a run is characters one replica typed
/// together, all visible or all deleted) in leaves with cached visible
/// counts, an index from ids to leaves, and a cursor kept at the last edit,
/// so typing costs about the same as appending to an array.
public struct TextSequence: Sendable {
    /// The replica that makes this text's local edits.
    public let replica: ReplicaID

    // Replicas numbered in the order this text met them (a local numbering,
    // never compared: ties break on `replicas[slot]`'s bytes).
    var replicas: [ReplicaID] = []
    var slots: [ReplicaID: ReplicaSlot] = [:]
    /// Per slot: the characters that replica inserted, by counter − 1.
    var content: [ScalarBuffer] = []
    /// Per slot: which leaf holds each of its characters.
    var leafMaps: [LeafMap] = []
    var leaves: [Leaf] = [Leaf(runs: [], visible: 0, id: 0)]
    /// Leaf id → index in `leaves`.
    var leafPosition: [Int] = [0]
    var visibleCount = 0
    /// A leaf and the visible characters before it: where the last lookup by offset ended.
    var cursorLeaf = 0
    var cursorBefore = 0
    /// Operations not yet applicable, by the slot of a replica whose characters
    /// they wait for; a set, so duplicates delivered meanwhile take no room.
    var waiting: [ReplicaSlot: Set<TextOperation>] = [:]
    let me: ReplicaSlot

    public init(replica: ReplicaID) {
        self.replica = replica
        self.me = 0
        _ = slot(for: replica)
    }

    /// What applying an operation did.
    public enum Outcome: Sendable, Equatable {
        /// The text changed (characters inserted or deleted).
        case applied
        /// Nothing new: a duplicate, or a deletion of characters already deleted.
        case unchanged
        /// The operation waits for characters this text does not hold yet; it
        /// is applied as soon as they arrive.
        case waiting
    }

    // MARK: Reading

    /// Visible characters (Unicode scalars).
    public var count: Int { visibleCount }

    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(visibleCount)
        for leaf in leaves {
            for run in leaf.runs where !run.deleted {
                content[Int(run.replica)].appendUTF8(from: Int(run.counter) - 1, count: run.length, to: &out)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// For each replica, how many of its characters this text holds: they are
    /// exactly counters `1...n`.
    public var version: [ReplicaID: UInt64] {
        var out: [ReplicaID: UInt64] = [:]
        for (slot, id) in replicas.enumerated() where content[slot].count > 0 { out[id] = UInt64(content[slot].count) }
        return out
    }

    /// Operations held back until the characters they need arrive.
    public var waitingCount: Int { waiting.values.reduce(0) { $0 + $1.count } }

    /// One character of the sequence, deleted ones included.
    public struct Element: Hashable, Sendable {
        public let id: CharacterID
        public let scalar: Unicode.Scalar
        public let isDeleted: Bool
    }

    /// Every character ever inserted and held, in sequence order, deleted
    /// ones included: for tests and inspection (costs a full walk).
    public var elements: [Element] {
        var out: [Element] = []
        for leaf in leaves {
            for run in leaf.runs {
                for k in 0 ..< run.length {
                    let counter = run.counter + UInt64(k)
                    out.append(Element(id: CharacterID(replica: replicas[Int(run.replica)], counter: counter),
                                       scalar: content[Int(run.replica)][Int(counter) - 1], isDeleted: run.deleted))
                }
            }
        }
        return out
    }

    /// Approximate bytes of the structure: runs, leaves, id index and characters.
    public var byteCount: Int {
        var total = leaves.capacity * MemoryLayout<Leaf>.stride + leafPosition.capacity * 8
        for leaf in leaves { total += leaf.runs.capacity * MemoryLayout<Run>.stride }
        for map in leafMaps { total += map.byteCount }
        for buffer in content { total += buffer.byteCount }
        return total + replicas.count * (16 + 8 + 16)
    }

    /// Number of runs, visible and deleted: what the run-length encoding saves.
    public var runCount: Int { leaves.reduce(0) { $0 + $1.runs.count } }

    // MARK: Local edits

    /// Inserts `text` so that its first character has `offset` visible
    /// characters before it; returns the operation to send (nil for an empty
    /// text). The whole text is one run, one operation.
    public mutating func insert(_ text: String, at offset: Int) -> TextOperation? {
        precondition(offset >= 0 && offset <= visibleCount, "offset \(offset) outside 0...\(visibleCount)")
        let length = text.unicodeScalars.count
        guard length > 0 else { return nil }
        // Right after the visible character before the offset, before any
        // deleted characters that follow it (Fugue's choice of origins).
        let left: CharRef
        let position: Position
        if offset == 0 {
            left = .none
            position = firstPosition
        } else {
            let before = locateVisible(offset - 1)
            left = ref(at: before)
            position = self.position(after: before)
        }
        let right = ref(at: position)
        let first = UInt64(content[Int(me)].count) + 1
        content[Int(me)].append(text)
        place(Run(counter: first, left: left, right: right, length: length, replica: me, deleted: false), at: position)
        return .insert(TextInsertion(replica: replica, first: first, text: text, left: id(left), right: id(right)))
    }

    /// Deletes the visible characters at offsets `range`; returns the
    /// operation to send, naming them as id ranges (nil for an empty range).
    public mutating func delete(_ range: Range<Int>) -> TextOperation? {
        precondition(range.lowerBound >= 0 && range.upperBound <= visibleCount, "range \(range) outside 0..<\(visibleCount)")
        guard !range.isEmpty else { return nil }
        var ranges: [CharacterRange] = []
        var remaining = range.count
        while remaining > 0 {
            let position = locateVisible(range.lowerBound)
            let run = leaves[position.leaf].runs[position.run]
            let count = min(remaining, run.length - position.k)
            let first = run.counter + UInt64(position.k)
            let replica = replicas[Int(run.replica)]
            if let last = ranges.last, last.replica == replica, last.first + last.count == first {
                ranges[ranges.count - 1] = CharacterRange(replica: replica, first: last.first, count: last.count + UInt64(count))
            } else {
                ranges.append(CharacterRange(replica: replica, first: first, count: UInt64(count)))
            }
            markDeleted(at: position, count: count)
            remaining -= count
        }
        return .delete(ranges)
    }

    // MARK: Anchors

    /// A place in the text that moves with its character: the character at
    /// `offset`, or the end of the text. Automerge's cursors, Yjs's relative
    /// positions.
    public struct Anchor: Hashable, Sendable {
        /// The character the anchor sits before; nil for the end of the text.
        public let character: CharacterID?

        public init(character: CharacterID?) { self.character = character }

        public static let end = Anchor(character: nil)
    }

    /// An anchor on the character at `offset` (`offset == count`: the end).
    public func anchor(at offset: Int) -> Anchor {
        precondition(offset >= 0 && offset <= visibleCount, "offset \(offset) outside 0...\(visibleCount)")
        guard offset < visibleCount else { return .end }
        return Anchor(character: id(ref(at: findVisible(offset).position)))
    }

    /// Today's offset of the anchor's character; if it was deleted, where it
    /// stood (the visible characters before it). Nil when this text does not
    /// hold the character yet.
    public func offset(of anchor: Anchor) -> Int? {
        guard let character = anchor.character else { return visibleCount }
        guard let slot = slots[character.replica],
              let position = locate(CharRef(counter: character.counter, replica: slot)) else { return nil }
        return visibleOffset(of: position)
    }

    /// Whether the text holds the character and it is not deleted.
    public func isVisible(_ character: CharacterID) -> Bool {
        guard let slot = slots[character.replica], let position = locate(CharRef(counter: character.counter, replica: slot)) else { return false }
        return !leaves[position.leaf].runs[position.run].deleted
    }

    // MARK: Remote operations

    /// Applies an operation from any replica (this one's included), in any
    /// order, any number of times. An operation whose characters are not all
    /// held yet waits, and is applied when they arrive.
    @discardableResult
    public mutating func apply(_ operation: TextOperation) -> Outcome {
        var progressed: [ReplicaSlot] = []
        let outcome = applyNow(operation, progressed: &progressed)
        // Wake what waited for the replicas that gained characters.
        while let slot = progressed.popLast() {
            guard let ready = waiting.removeValue(forKey: slot) else { continue }
            for operation in ready { _ = applyNow(operation, progressed: &progressed) }
        }
        return outcome
    }

    private mutating func applyNow(_ operation: TextOperation, progressed: inout [ReplicaSlot]) -> Outcome {
        switch operation {
        case .insert(let insertion):
            return integrate(insertion, progressed: &progressed)
        case .delete(let ranges):
            var changed = false
            var later: [CharacterRange] = []
            for range in ranges where range.count > 0 {
                let slot = slot(for: range.replica)
                let held = UInt64(content[Int(slot)].count)
                let end = range.first &+ range.count
                guard range.first >= 1, end > range.first else { continue }
                if end - 1 > held {
                    // The characters past those held wait for their insertion.
                    let from = max(range.first, held + 1)
                    later.append(CharacterRange(replica: range.replica, first: from, count: end - from))
                }
                var counter = range.first
                while counter < min(end, held + 1) {
                    guard let position = locate(CharRef(counter: counter, replica: slot)) else { break }
                    let run = leaves[position.leaf].runs[position.run]
                    let count = Int(min(UInt64(run.length - position.k), min(end, held + 1) - counter))
                    if markDeleted(at: position, count: count) > 0 { changed = true }
                    counter += UInt64(count)
                }
            }
            // One waiting deletion per replica whose characters it still needs.
            var byReplica: [ReplicaSlot: [CharacterRange]] = [:]
            for range in later { byReplica[slot(for: range.replica), default: []].append(range) }
            for (slot, ranges) in byReplica { waiting[slot, default: []].insert(.delete(ranges)) }
            return changed ? .applied : (later.isEmpty ? .unchanged : .waiting)
        }
    }

    /// Places a run where FugueMax puts it among the characters held.
    private mutating func integrate(_ insertion: TextInsertion, progressed: inout [ReplicaSlot]) -> Outcome {
        let slot = slot(for: insertion.replica)
        let held = UInt64(content[Int(slot)].count)
        let scalars = insertion.text.unicodeScalars
        let length = scalars.count
        // Counters past 2^63 are malformed (and would overflow below).
        guard length > 0, insertion.first >= 1, insertion.first < UInt64(Int64.max) - UInt64(length) else { return .unchanged }
        if insertion.first + UInt64(length) - 1 <= held { return .unchanged }
        if insertion.first > held + 1 {
            waiting[slot, default: []].insert(.insert(insertion))
            return .waiting
        }
        // Part of the run may be held already (a coalesced copy of operations
        // applied one by one): keep the rest, whose first character's left
        // origin is the last character held.
        var text = insertion.text
        var left = ref(insertion.left)
        var first = insertion.first
        if first <= held {
            let skip = Int(held + 1 - first)
            text = String(String.UnicodeScalarView(scalars.dropFirst(skip)))
            left = CharRef(counter: held, replica: slot)
            first = held + 1
        }
        let right = ref(insertion.right)
        for origin in [left, right] where !origin.isNone && locate(origin) == nil {
            waiting[origin.replica, default: []].insert(.insert(insertion))
            return .waiting
        }
        let leftPosition = left.isNone ? Position.start : (locate(left) ?? .start)
        let rightPosition = right.isNone ? Position.end : (locate(right) ?? .end)
        let newID = insertion.replica

        // YjsMod's scan (see Protocol/OPERATIONS.md §4.7.3): from the character after the
        // left origin to the right origin, compare each run's first character.
        var current = left.isNone ? firstPosition : position(after: leftPosition)
        var destination = current
        var scanning = false
        while true {
            if !scanning { destination = current }
            if current == .end || current == rightPosition { break }
            let run = leaves[current.leaf].runs[current.run]
            let otherLeft = run.leftOrigin(at: current.k)
            let otherLeftPosition = otherLeft.isNone ? Position.start : (locate(otherLeft) ?? .start)
            if otherLeftPosition < leftPosition { break }
            if otherLeftPosition == leftPosition {
                let otherRightPosition = run.right.isNone ? Position.end : (locate(run.right) ?? .end)
                if otherRightPosition < rightPosition {
                    scanning = true
                } else if otherRightPosition == rightPosition {
                    let otherID = replicas[Int(run.replica)]
                    if (newID, first) < (otherID, run.counter + UInt64(current.k)) { break }
                    scanning = false
                } else {
                    scanning = false
                }
            }
            // The rest of this run's characters have their left origin inside
            // the scanned range, so they are passed over.
            if rightPosition.leaf == current.leaf, rightPosition.run == current.run, rightPosition.k > current.k {
                current = rightPosition
            } else {
                current = runStart(after: current)
            }
        }
        content[Int(slot)].append(text)
        place(Run(counter: first, left: left, right: right, length: text.unicodeScalars.count, replica: slot, deleted: false),
              at: destination)
        progressed.append(slot)
        return .applied
    }

    // MARK: Ids

    mutating func slot(for replica: ReplicaID) -> ReplicaSlot {
        if let slot = slots[replica] { return slot }
        let slot = ReplicaSlot(replicas.count)
        replicas.append(replica)
        slots[replica] = slot
        content.append(ScalarBuffer())
        leafMaps.append(LeafMap())
        return slot
    }

    private mutating func ref(_ id: CharacterID?) -> CharRef {
        guard let id else { return .none }
        return CharRef(counter: id.counter, replica: slot(for: id.replica))
    }

    func id(_ ref: CharRef) -> CharacterID? {
        ref.isNone ? nil : CharacterID(replica: replicas[Int(ref.replica)], counter: ref.counter)
    }
}
