import CRDT
import Store

/// The vocabulary of areas, and the one place its rules live: which areas
/// are known, which spellings stand for each, what a person most likely
/// meant by a spelling that is not known, and which notes an area filter
/// selects. `add`, `edit`, `list`, `area`, `coverage` and the report ask it.
///
/// - The vocabulary is North East Lincolnshire's 15 wards (`wards`), always,
///   plus every live `area` record. Records are areas by **name**: records
///   whose names match (ignoring case, surrounding spaces and runs of spaces)
///   are one area, so two laptops that add the same area offline end up with
///   one, and a record named as a ward adds spellings to that ward.
/// - An area answers to its name and its aliases (the union of its records'
///   `aliases` sets), compared the same way. A name beats an alias; an alias
///   two areas claim (concurrent maps) goes to the area first by name.
/// - A note is **in** an area when its `area` answers to it. A note whose area
///   answers to none has a free-text area, outside the vocabulary.
public struct Areas: Sendable {
    /// Where an area comes from.
    public typealias Source = KnownArea.Source

    /// North East Lincolnshire Council's 15 wards (42 councillors), as
    /// contested at the council's 2021, 2023 and 2024 elections.
    public static let wards = [
        "Croft Baker", "East Marsh", "Freshney", "Haverstoe", "Heneage", "Humberston and New Waltham", "Immingham", "Park",
        "Scartho", "Sidney Sussex", "South", "Waltham", "West Marsh", "Wolds", "Yarborough",
    ]

    /// Every known area, by name (ignoring case).
    public let known: [KnownArea]
    /// Keys of names → index in `known`.
    private let byName: [String: Int]
    /// Keys of aliases → index in `known` (names excluded).
    private let byAlias: [String: Int]
    /// Each live area record's alias elements, as stored.
    private let aliasElements: [RecordID: [String]]

    public init(_ records: [VisibleRecord]) {
        struct Entry {
            var name: String
            var source: Source
            var records: [RecordID] = []
            var aliases: [String] = []
        }
        var entries: [String: Entry] = [:]
        var aliasElements: [RecordID: [String]] = [:]
        for ward in Areas.wards { entries[Areas.key(ward)] = Entry(name: ward, source: .ward) }
        // The smallest record id names a team area, so every replica shows the same spelling.
        for record in records.sorted(by: { $0.id < $1.id }) where record.type == Area.type && !record.erased && !record.isDeleted {
            guard let name = record.value("name")?.text?.trimmingSpaces, !name.isEmpty else { continue }
            let key = Areas.key(name)
            var entry = entries[key] ?? Entry(name: name, source: .team)
            entry.records.append(record.id)
            let elements = record.elements(Area.aliasSet).compactMap(\.text)
            aliasElements[record.id] = elements
            entry.aliases += elements.map(\.trimmingSpaces).filter { !$0.isEmpty }
            entries[key] = entry
        }
        let names = entries.keys.sorted()
        var known: [KnownArea] = []
        var byName: [String: Int] = [:]
        var byAlias: [String: Int] = [:]
        for key in names {
            guard let entry = entries[key] else { continue }
            var seen: Set<String> = []
            // Spellings of other areas' names are not aliases: a name beats an alias.
            // `names` is in key order, so the first area to claim an alias is the first by name.
            let aliases = entry.aliases.sorted().filter { alias in
                let aliasKey = Areas.key(alias)
                return entries[aliasKey] == nil && byAlias[aliasKey] == nil && seen.insert(aliasKey).inserted
            }
            byName[key] = known.count
            for alias in aliases { byAlias[Areas.key(alias)] = known.count }
            known.append(KnownArea(name: entry.name, source: entry.source, aliases: aliases, records: entry.records))
        }
        self.known = known
        self.byName = byName
        self.byAlias = byAlias
        self.aliasElements = aliasElements
    }

    /// The store's vocabulary.
    public static func load(_ store: Store) throws -> Areas {
        Areas(try store.list(RecordFilter(type: Area.type)))
    }

    /// How spellings compare: trimmed, lower-cased, runs of white space as one space.
    public static func key(_ text: String) -> String {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        // ASCII, most spellings: the same rule byte by byte (ASCII white space is
        // tab, LF, VT, FF, CR and space; CR LF, one Character, is white space too).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var space = false
        for byte in text.utf8 {
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                space = !bytes.isEmpty
                continue
            }
            if space {
                bytes.append(0x20)
                space = false
            }
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The area `text` names, by its name or an alias.
    public func area(named text: String) -> KnownArea? {
        let key = Areas.key(text)
        guard let index = byName[key] ?? byAlias[key] else { return nil }
        return known[index]
    }

    /// The area whose own name (not an alias) is `text`.
    public func area(withName text: String) -> KnownArea? {
        byName[Areas.key(text)].map { known[$0] }
    }

    /// The area `text` is an alias of, if it is one.
    public func area(withAlias text: String) -> KnownArea? {
        byAlias[Areas.key(text)].map { known[$0] }
    }

    // MARK: What a person meant

    /// Known areas a person may have meant by `text`, best first, at most
    /// `limit`: those whose name or alias is within a few edits of it
    /// (a third of its length, at least 2), or whose words it abbreviates
    /// ("E Marsh" for East Marsh, "new waltham" for Humberston and New Waltham).
    public func suggestions(for text: String, limit: Int = 3) -> [String] {
        let typed = Areas.key(text)
        guard !typed.isEmpty else { return [] }
        let typedWords = typed.split(separator: " ").map(String.init)
        let tolerance = max(2, typed.count / 3)
        var best: [String: Int] = [:]
        for area in known {
            for spelling in [area.name] + area.aliases {
                let key = Areas.key(spelling)
                let distance = Areas.editDistance(typed, key)
                let abbreviates = Areas.abbreviates(typedWords, key.split(separator: " ").map(String.init))
                guard distance <= tolerance || abbreviates else { continue }
                best[area.name] = min(best[area.name] ?? .max, distance)
            }
        }
        return best.sorted { a, b in a.value != b.value ? a.value < b.value : a.key < b.key }.prefix(limit).map(\.key)
    }

    /// Whether each typed word starts a word of `words`, in order.
    static func abbreviates(_ typed: [String], _ words: [String]) -> Bool {
        var index = 0
        for word in typed {
            while index < words.count, !words[index].hasPrefix(word) { index += 1 }
            guard index < words.count else { return false }
            index += 1
        }
        return !typed.isEmpty
    }

    /// Levenshtein distance in characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// "did you mean East Marsh?", "did you mean East Marsh or West Marsh?", or nil.
    public func didYouMean(_ text: String) -> String? {
        let names = suggestions(for: text)
        guard let last = names.last else { return nil }
        return "did you mean " + (names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last) + "?"
    }

    // MARK: A note's area

    /// The area a note's `area` should hold for what a person typed: the
    /// known spelling when `text` names a known area, else `text` itself if
    /// `allowNew` (the caller adds it with `additions`), else a refusal that
    /// suggests the nearest known areas.
    public func resolve(_ text: String, allowNew: Bool) throws -> (name: String, isNew: Bool) {
        let trimmed = text.trimmingSpaces
        // Empty or over-long text is refused by the note's own rules, with their message.
        if trimmed.isEmpty || trimmed.utf8.count > Limits.label.bytes { return (text, false) }
        if let area = area(named: trimmed) { return (area.name, false) }
        guard allowNew else {
            let next = "add it with --new-area if it is new"
            throw StoreError.invalid("unknown area '\(trimmed)'",
                                     didYouMean(trimmed).map { "\($0) \(next)" } ?? "'fieldnotes area list' shows the known areas; \(next)")
        }
        return (trimmed, true)
    }

    /// The changes that add `name` to the vocabulary as a team area, as record `id`.
    public static func additions(_ name: String, id: RecordID, aliases: [String] = []) -> [Change] {
        [.create(id, type: Area.type), .assign(id, field: "name", value: .text(name.trimmingSpaces))]
            + aliases.map { .add(id, set: Area.aliasSet, element: .text($0.trimmingSpaces)) }
    }

    // MARK: Filtering and counting notes

    /// The stored spellings an area filter looks for, for a store query that
    /// matches exactly (`RecordCondition.fieldIn`): for each of `queries`, a
    /// known area's name and aliases (the query may use any of them, in any
    /// case), or for text the vocabulary does not know, that text (a free-text
    /// area); each in its usual forms of case (`caseForms`). A note stored
    /// with a spelling in another mix of case is counted by `tally` and
    /// `Coverage` but found by a filter only once `area map` has rewritten it.
    public func spellings(matching queries: [String]) -> [String] {
        var out: [String] = []
        var seen: Set<String> = []
        for query in queries {
            let spellings = area(named: query).map { [$0.name] + $0.aliases } ?? [query.trimmingSpaces]
            for spelling in spellings {
                for form in Areas.caseForms(spelling) where seen.insert(form).inserted { out.append(form) }
            }
        }
        return out
    }

    /// `text` as given, in lower case, in upper case, with its first letter a
    /// capital ("East marsh"), and with every word's first letter a capital
    /// ("East Marsh"): the forms people type a name in.
    static func caseForms(_ text: String) -> [String] {
        let lower = text.lowercased()
        let sentence = lower.prefix(1).uppercased() + lower.dropFirst()
        let title = lower.split(separator: " ", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        var out: [String] = []
        for form in [text, lower, text.uppercased(), sentence, title] where !out.contains(form) { out.append(form) }
        return out
    }

    /// The known area a note is in, if any.
    public func area(of note: VisibleRecord) -> KnownArea? {
        note.value("area")?.text.flatMap { area(named: $0) }
    }

    /// How many notes each known area has, and the free-text areas outside the vocabulary.
    public struct Tally: Sendable {
        /// Notes per known area, by name (every known area, 0 included).
        public let known: [String: Int]
        /// Free-text areas, grouped by spelling ignoring case: the most used
        /// spelling, how many notes, and the nearest known area, most notes first.
        public let other: [(area: String, notes: Int, suggestion: String?)]
        /// Notes with no area.
        public let none: Int
    }

    public func tally(_ notes: [VisibleRecord]) -> Tally {
        var known: [String: Int] = Dictionary(uniqueKeysWithValues: self.known.map { ($0.name, 0) })
        var other: [String: [String: Int]] = [:]
        var none = 0
        for note in notes where !note.erased {
            guard let text = note.value("area")?.text, !text.trimmingSpaces.isEmpty else {
                none += 1
                continue
            }
            if let area = area(named: text) {
                known[area.name, default: 0] += 1
            } else {
                other[Areas.key(text), default: [:]][text.trimmingSpaces, default: 0] += 1
            }
        }
        let groups = other.values.map { spellings -> (area: String, notes: Int, suggestion: String?) in
            let shown = spellings.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }[0].key
            return (shown, spellings.values.reduce(0, +), suggestions(for: shown, limit: 1).first)
        }
        return Tally(known: known, other: groups.sorted { a, b in a.notes != b.notes ? a.notes > b.notes : a.area < b.area }, none: none)
    }

    // MARK: Mapping spellings onto the vocabulary

    /// What `area map FROM TO` does.
    public struct Mapping: Sendable {
        /// The changes, for one commit.
        public let changes: [Change]
        /// The known area the notes now say.
        public let target: String
        /// How many notes were rewritten.
        public let rewritten: Int
        /// The spellings that became aliases of the target (FROM, and a merged team area's names).
        public let newAliases: [String]
        /// A team area merged away, if FROM was one.
        public let merged: String?
    }

    /// Maps the spelling `from` onto the known area `to`: every note (deleted
    /// ones too, not erased ones) whose area is `from` ignoring case — or, if
    /// `from` is a team area, any of its spellings — is rewritten to the
    /// target's name, and `from` becomes an alias of the target, so notes that
    /// arrive later with it count for the target. A team area mapped away is
    /// deleted and its aliases move over; an alias another area held moves to
    /// the target. A ward cannot be mapped away. `newRecord` is used if the
    /// target (a ward) has no record yet to hold its aliases.
    public func mapping(_ from: String, onto to: String, notes: [VisibleRecord], newRecord: RecordID) throws -> Mapping {
        let fromText = from.trimmingSpaces
        guard !fromText.isEmpty else { throw StoreError.invalid("the area to map is empty", "give the spelling notes use, as 'fieldnotes area list' shows it") }
        guard let target = area(named: to) else {
            throw StoreError.invalid("unknown area '\(to.trimmingSpaces)'",
                                     (didYouMean(to).map { $0 + " " } ?? "") + "map onto a known area, or add it first with 'fieldnotes area add NAME'")
        }
        let fromKey = Areas.key(fromText)
        var changes: [Change] = []
        var rewrite: Set<String> = [fromKey]
        var newAliases: [String] = []
        var merged: String?
        if let source = area(withName: fromText) {
            if source.name != target.name {
                guard source.source == .team else {
                    throw StoreError.invalid("\(source.name) is a ward, and wards stay in the vocabulary",
                                             "to move particular notes, change their area with 'fieldnotes edit ID --area AREA'")
                }
                merged = source.name
                for record in source.records { changes.append(.assign(record, field: "deleted", value: .bool(true))) }
                newAliases = [source.name] + source.aliases
                rewrite.formUnion(newAliases.map(Areas.key))
            }
        } else if let holder = area(withAlias: fromText) {
            if holder.name != target.name {
                // The alias moves: every spelling of it that a record of the old holder holds is removed there.
                for record in holder.records {
                    for alias in aliasElements[record] ?? [] where Areas.key(alias) == fromKey {
                        changes.append(.remove(record, set: Area.aliasSet, element: .text(alias)))
                    }
                }
                newAliases = [fromText]
            }
        } else {
            newAliases = [fromText]
        }
        if !newAliases.isEmpty {
            let holder: RecordID
            if let first = target.records.first {
                holder = first
            } else {
                holder = newRecord
                changes += [.create(newRecord, type: Area.type), .assign(newRecord, field: "name", value: .text(target.name))]
            }
            for alias in newAliases { changes.append(.add(holder, set: Area.aliasSet, element: .text(alias))) }
        }
        var rewritten = 0
        for note in notes where note.type == Note.type && !note.erased {
            guard let area = note.value("area")?.text, rewrite.contains(Areas.key(area)), area != target.name else { continue }
            changes.append(.assign(note.id, field: "area", value: .text(target.name)))
            rewritten += 1
        }
        return Mapping(changes: changes, target: target.name, rewritten: rewritten, newAliases: newAliases, merged: merged)
    }
}

/// An area of the vocabulary.
public struct KnownArea: Sendable, Equatable {
    /// Where an area comes from.
    public enum Source: String, Sendable {
        /// One of the built-in wards.
        case ward
        /// Added by the team (`area add`, `add --new-area`).
        case team
    }

    /// The spelling notes are stored with.
    public let name: String
    public let source: Source
    /// Other spellings that stand for it, sorted; never its own name.
    public let aliases: [String]
    /// The live `area` records that name it, in id order.
    public let records: [RecordID]
}
