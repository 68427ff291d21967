/// One character of a text: the replica that typed it and that replica's
/// own character counter in this text, 1, 2, 3, … with no gaps. A run of
/// characters typed together by one replica has consecutive counters, so
/// `(replica, first, count)` names the whole run. Ordered by the replica's
/// bytes, then the counter: fixed-width, the same on every replica.
public struct CharacterID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let replica: ReplicaID
    public let counter: UInt64

    public init(replica: ReplicaID, counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    public var description: String { "\(replica.hex):\(counter)" }

    /// Reads `description`'s form: 32 hex digits, a colon, a counter from 1.
    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 32, let replica = ReplicaID(hex: String(parts[0])),
              parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let counter = UInt64(parts[1]), counter >= 1 else { return nil }
        self.init(replica: replica, counter: counter)
    }

    public static func < (a: CharacterID, b: CharacterID) -> Bool {
        (a.replica, a.counter) < (b.replica, b.counter)
    }
}

/// Characters `first ..< first + count` typed by `replica`: what a deletion
/// names, one range per run of deleted characters.
public struct CharacterRange: Hashable, Sendable, CustomStringConvertible {
    public let replica: ReplicaID
    public let first: UInt64
    public let count: UInt64

    public init(replica: ReplicaID, first: UInt64, count: UInt64) {
        self.replica = replica
        self.first = first
        self.count = count
    }

    public var description: String { "\(replica.hex):\(first)+\(count)" }
}

/// A run of characters typed by one replica at one place: the characters
/// get the ids `(replica, first)`, `(replica, first + 1)`, … in order.
///
/// `left` and `right` are the characters (deleted or not) between which the
/// author inserted the run, `nil` meaning the start or the end of the text;
/// they are adjacent in the author's sequence. Inside the run, character
/// `i > 0` has the character before it as its left origin and the same
/// right origin, so a run is exactly the characters it holds typed one by
/// one. See `Protocol/OPERATIONS.md` §4.7.2.
public struct TextInsertion: Hashable, Sendable {
    public let replica: ReplicaID
    public let first: UInt64
    /// At least one Unicode scalar; offsets and counters count scalars.
    public let text: String
    public let left: CharacterID?
    public let right: CharacterID?

    public init(replica: ReplicaID, first: UInt64, text: String, left: CharacterID?, right: CharacterID?) {
        self.replica = replica
        self.first = first
        self.text = text
        self.left = left
        self.right = right
    }

    /// Number of characters (Unicode scalars) in the run.
    public var count: Int { text.unicodeScalars.count }

    /// The id of the run's last character.
    public var last: CharacterID { CharacterID(replica: replica, counter: first + UInt64(count) - 1) }
}

/// One change to a text (a note's body): an insertion of a run, or the
/// deletion of characters its author saw, named by id ranges. Applying the
/// same set of text operations in any order gives the same text (FugueMax,
/// Weidner & Kleppmann, *The Art of the Fugue*, 2023; see `TextSequence`).
public enum TextOperation: Hashable, Sendable {
    case insert(TextInsertion)
    case delete([CharacterRange])

    /// The same edits in fewer operations: consecutive insertions that
    /// continue one run (typing) become one insertion, consecutive deletions
    /// one deletion with adjacent ranges joined. Applying the result gives
    /// the same text as applying `operations`: a run means exactly its
    /// characters typed one by one.
    public static func coalesced(_ operations: [TextOperation]) -> [TextOperation] {
        var out: [TextOperation] = []
        out.reserveCapacity(operations.count / 4 + 1)
        var pendingText = ""
        var pending: TextInsertion?
        var pendingCount = 0
        var ranges: [CharacterRange] = []

        func flushInsert() {
            guard let run = pending else { return }
            out.append(.insert(TextInsertion(replica: run.replica, first: run.first, text: pendingText, left: run.left, right: run.right)))
            pending = nil
        }
        func flushDelete() {
            guard !ranges.isEmpty else { return }
            out.append(.delete(ranges))
            ranges = []
        }

        for operation in operations {
            switch operation {
            case .insert(let insertion):
                flushDelete()
                let count = insertion.count
                if let run = pending, insertion.replica == run.replica,
                   insertion.first == run.first + UInt64(pendingCount),
                   insertion.left == CharacterID(replica: run.replica, counter: insertion.first - 1),
                   insertion.right == run.right {
                    pendingText += insertion.text
                    pendingCount += count
                } else {
                    flushInsert()
                    pending = insertion
                    pendingText = insertion.text
                    pendingCount = count
                }
            case .delete(let more):
                flushInsert()
                for range in more {
                    if let last = ranges.last, last.replica == range.replica, last.first + last.count == range.first {
                        ranges[ranges.count - 1] = CharacterRange(replica: last.replica, first: last.first, count: last.count + range.count)
                    } else if let last = ranges.last, last.replica == range.replica, range.first + range.count == last.first {
                        // Backspacing: each deletion names the character before the last.
                        ranges[ranges.count - 1] = CharacterRange(replica: last.replica, first: range.first, count: last.count + range.count)
                    } else {
                        ranges.append(range)
                    }
                }
            }
        }
        flushInsert()
        flushDelete()
        return out
    }
}

/// A text insertion as an operation carries it (`Action.insertText`): the
/// inserting replica is the operation's origin, so it is not repeated.
/// `text` is nil once the record is erased: the run keeps its counters,
/// length and origins (later operations name them) but not its characters.
public struct TextRun: Hashable, Sendable {
    public let first: UInt64
    /// Characters (Unicode scalars) in the run, at least 1.
    public let count: UInt64
    public let text: String?
    public let left: CharacterID?
    public let right: CharacterID?

    public init(first: UInt64, text: String, left: CharacterID?, right: CharacterID?) {
        self.init(first: first, count: UInt64(text.unicodeScalars.count), text: text, left: left, right: right)
    }

    public init(first: UInt64, count: UInt64, text: String?, left: CharacterID?, right: CharacterID?) {
        self.first = first
        self.count = count
        self.text = text
        self.left = left
        self.right = right
    }

    public var purged: TextRun { TextRun(first: first, count: count, text: nil, left: left, right: right) }

    /// The insertion this run is when `replica` made it; nil once purged.
    public func insertion(by replica: ReplicaID) -> TextInsertion? {
        guard let text else { return nil }
        return TextInsertion(replica: replica, first: first, text: text, left: left, right: right)
    }
}
