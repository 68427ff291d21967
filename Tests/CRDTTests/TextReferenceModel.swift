import CRDT

/// The text merge rule written as plainly as possible, to hold
/// `TextSequence` against: a list of characters with ids, one per element,
/// deleted ones kept, and YjsMod's integration (Gentle, reference-crdts;
/// equivalent to FugueMax) run one character at a time with linear searches
/// for ids. No runs, no index, no cursor. Operations must come in a causal
/// order (the order they were made in).
struct TextReferenceModel {
    struct Item {
        let id: CharacterID
        let left: CharacterID?
        let right: CharacterID?
        let scalar: Unicode.Scalar
        var deleted = false
    }

    private(set) var items: [Item] = []
    /// Integrations that met a character with the same origins: the
    /// replica tie-break decided.
    private(set) var ties = 0
    /// Integrations that passed over a concurrent insertion at the same place.
    private(set) var concurrentScans = 0

    init(_ operations: [TextOperation]) {
        for operation in operations { apply(operation) }
    }

    mutating func apply(_ operation: TextOperation) {
        switch operation {
        case .insert(let insertion):
            for (i, scalar) in insertion.text.unicodeScalars.enumerated() {
                let id = CharacterID(replica: insertion.replica, counter: insertion.first + UInt64(i))
                let left = i == 0 ? insertion.left : CharacterID(replica: insertion.replica, counter: id.counter - 1)
                integrate(Item(id: id, left: left, right: insertion.right, scalar: scalar))
            }
        case .delete(let ranges):
            for range in ranges {
                for counter in range.first ..< range.first + range.count {
                    items[index(of: CharacterID(replica: range.replica, counter: counter))].deleted = true
                }
            }
        }
    }

    func index(of id: CharacterID) -> Int {
        guard let index = items.firstIndex(where: { $0.id == id }) else { fatalError("reference model: no character \(id)") }
        return index
    }

    private mutating func integrate(_ item: Item) {
        let left = item.left.map(index(of:)) ?? -1
        let right = item.right.map(index(of:)) ?? items.count
        var destination = left + 1
        var scanning = false
        var i = left + 1
        while true {
            if !scanning { destination = i }
            if i == items.count || i == right { break }
            let other = items[i]
            let otherLeft = other.left.map(index(of:)) ?? -1
            let otherRight = other.right.map(index(of:)) ?? items.count
            if otherLeft < left { break }
            if otherLeft == left {
                concurrentScans += 1
                if otherRight < right {
                    scanning = true
                } else if otherRight == right {
                    ties += 1
                    if item.id < other.id { break }
                    scanning = false
                } else {
                    scanning = false
                }
            }
            i += 1
        }
        items.insert(item, at: destination)
    }

    var text: String {
        var scalars = String.UnicodeScalarView()
        for item in items where !item.deleted { scalars.append(item.scalar) }
        return String(scalars)
    }

    /// Every element in order as `TextSequence.elements` lists them.
    var elements: [(id: CharacterID, deleted: Bool)] { items.map { ($0.id, $0.deleted) } }

    /// Visible characters before the character `id`: its offset, or where it stood.
    func offset(of id: CharacterID) -> Int {
        items[..<index(of: id)].reduce(0) { $0 + ($1.deleted ? 0 : 1) }
    }
}
