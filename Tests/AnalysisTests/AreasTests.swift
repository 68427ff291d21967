import Analysis
import CRDT
import Store
import Testing

/// Records as a store shows them, for building vocabularies and notes in tests.
enum AreaFixtures {
    static func head(_ value: Value, seq: UInt64 = 1) -> [FieldHead] {
        [FieldHead(id: OperationID(origin: ReplicaID(high: 1, low: 1), seq: seq), timestamp: Timestamp(physical: 1, logical: 0), value: value)]
    }

    static func area(_ n: UInt64, _ name: String, aliases: [String] = [], deleted: Bool = false) -> VisibleRecord {
        var fields: [String: [FieldHead]] = ["name": head(.text(name))]
        if deleted { fields["deleted"] = head(.bool(true)) }
        return VisibleRecord(id: RecordID(high: 0xA4EA, low: n), type: Area.type, erased: false, fields: fields,
                             sets: aliases.isEmpty ? [:] : [Area.aliasSet: Set(aliases.map(Value.text))])
    }

    static func note(_ n: UInt64, area: String? = nil, participant: String? = nil, tags: [String] = [], deleted: Bool = false) -> VisibleRecord {
        var fields: [String: [FieldHead]] = [:]
        if let area { fields["area"] = head(.text(area)) }
        if let participant { fields["participant"] = head(.text(participant)) }
        if deleted { fields["deleted"] = head(.bool(true)) }
        return VisibleRecord(id: RecordID(high: 0x4E07E, low: n), type: Note.type, erased: false, fields: fields,
                             sets: tags.isEmpty ? [:] : [Note.tagSet: Set(tags.map(Value.text))])
    }
}

@Suite struct AreasTests {
    @Test func theVocabularyIsTheFifteenWardsAndEveryWardAnswersToItsNameInAnyCase() {
        let areas = Areas([])
        #expect(areas.known.count == 15)
        #expect(areas.known.map(\.name) == Areas.wards.sorted { $0.lowercased() < $1.lowercased() })
        #expect(areas.known.allSatisfy { $0.source == .ward })
        #expect(areas.area(named: "  east   MARSH ")?.name == "East Marsh")
        #expect(areas.area(named: "humberston and new waltham")?.name == "Humberston and New Waltham")
        #expect(areas.area(named: "E Marsh") == nil, "an abbreviation is not a spelling until it is mapped")
    }

    @Test func recordsAddTeamAreasAndAliasesAndRecordsWithOneNameAreOneArea() throws {
        let areas = Areas([
            AreaFixtures.area(2, "nunsthorpe estate", aliases: ["Nunny"]),
            AreaFixtures.area(1, "Nunsthorpe Estate"),
            AreaFixtures.area(3, "East Marsh", aliases: ["E Marsh", "east marsh", "Nunny"]),
            AreaFixtures.area(4, "Gone Place", deleted: true),
        ])
        #expect(areas.known.count == 16)
        let team = try #require(areas.area(named: "NUNSTHORPE ESTATE"))
        #expect(team.name == "Nunsthorpe Estate", "the record with the smaller id spells a team area")
        #expect(team.source == .team)
        #expect(team.records == [AreaFixtures.area(1, "").id, AreaFixtures.area(2, "").id])
        #expect(areas.area(named: "e marsh")?.name == "East Marsh")
        #expect(areas.area(named: "E Marsh")?.source == .ward, "a record named as a ward adds spellings to the ward")
        #expect(areas.area(withName: "e marsh") == nil && areas.area(withAlias: "e marsh")?.name == "East Marsh")
        #expect(areas.area(named: "East Marsh")?.aliases == ["E Marsh", "Nunny"], "a spelling of the name itself is no alias")
        // Two areas claim "Nunny": the first by name keeps it, and only it shows it.
        #expect(areas.area(named: "nunny")?.name == "East Marsh")
        #expect(team.aliases.isEmpty)
        #expect(areas.area(named: "Gone Place") == nil, "a deleted area is not in the vocabulary")
    }

    @Test(arguments: [
        ("E Marsh", ["East Marsh"]),
        ("Heneag", ["Heneage"]),
        ("scarthoe", ["Scartho"]),
        ("Sydney Sussex", ["Sidney Sussex"]),
        ("new waltham", ["Humberston and New Waltham"]),
        ("Marsh", ["East Marsh", "West Marsh"]),
        ("Blunderbussia", []),
    ])
    func aTypoSuggestsTheNearestKnownAreas(_ typed: String, _ expected: [String]) {
        #expect(Areas([]).suggestions(for: typed) == expected)
    }

    @Test func anUnknownAreaIsRefusedWithTheNearestUnlessItIsNew() throws {
        let areas = Areas([])
        #expect(try areas.resolve("east marsh", allowNew: false) == ("East Marsh", false))
        do {
            _ = try areas.resolve("E Marsh", allowNew: false)
            Issue.record("an unknown area was accepted")
        } catch let error as StoreError {
            #expect(error.description == "unknown area 'E Marsh'; did you mean East Marsh? add it with --new-area if it is new")
        }
        #expect(throws: StoreError.self) { try areas.resolve("Nowhere Near", allowNew: false) }
        #expect(try areas.resolve(" Nunsthorpe ", allowNew: true) == ("Nunsthorpe", true))
        #expect(try areas.resolve("WEST marsh", allowNew: true) == ("West Marsh", false), "a known area is never added twice")
    }

    @Test func aFilterLooksForTheNameAndAliasesInTheirUsualCases() {
        let areas = Areas([AreaFixtures.area(1, "East Marsh", aliases: ["E Marsh"])])
        let spellings = areas.spellings(matching: ["EAST MARSH"])
        for expected in ["East Marsh", "east marsh", "EAST MARSH", "East marsh", "E Marsh", "e marsh", "E MARSH", "E marsh"] {
            #expect(spellings.contains(expected), "\(expected) missing from \(spellings)")
        }
        #expect(!spellings.contains("West Marsh"))
        #expect(areas.spellings(matching: ["Docks"]) == ["Docks", "docks", "DOCKS"], "a free-text area is looked for as itself")
    }

    @Test func theTallyCountsEveryKnownAreaAndGroupsFreeTextBySpelling() {
        let areas = Areas([AreaFixtures.area(1, "East Marsh", aliases: ["E Marsh"])])
        let notes = [
            AreaFixtures.note(1, area: "East Marsh"), AreaFixtures.note(2, area: "e marsh"), AreaFixtures.note(3, area: "EAST MARSH"),
            AreaFixtures.note(4, area: "Docks"), AreaFixtures.note(5, area: "docks"), AreaFixtures.note(6, area: "Docks"),
            AreaFixtures.note(7, area: "Heneag"), AreaFixtures.note(8),
        ]
        let tally = areas.tally(notes)
        #expect(tally.known.count == 15)
        #expect(tally.known["East Marsh"] == 3 && tally.known["Heneage"] == 0 && tally.known["Wolds"] == 0)
        #expect(tally.other.map(\.area) == ["Docks", "Heneag"])
        #expect(tally.other.map(\.notes) == [3, 1])
        #expect(tally.other.map(\.suggestion) == [nil, "Heneage"])
        #expect(tally.none == 1)
    }

    @Test func mappingRewritesNotesIgnoringCaseAndRecordsTheAliasOnANewWardRecord() throws {
        let areas = Areas([])
        let notes = [AreaFixtures.note(1, area: "E Marsh"), AreaFixtures.note(2, area: "e marsh", deleted: true), AreaFixtures.note(3, area: "East Marsh"),
                     AreaFixtures.note(4, area: "West Marsh")]
        let fresh = RecordID(high: 9, low: 9)
        let mapping = try areas.mapping("E Marsh", onto: "east marsh", notes: notes, newRecord: fresh)
        #expect(mapping.target == "East Marsh" && mapping.rewritten == 2 && mapping.newAliases == ["E Marsh"] && mapping.merged == nil)
        #expect(mapping.changes.contains { if case .create(fresh, Area.type) = $0 { true } else { false } })
        let after = Areas([AreaFixtures.area(9, "East Marsh", aliases: ["E Marsh"])])
        #expect(after.area(named: "e marsh")?.name == "East Marsh")
        let assigned = mapping.changes.compactMap { change -> RecordID? in
            if case .assign(let id, "area", .text("East Marsh")) = change { return id }
            return nil
        }
        #expect(assigned == [notes[0].id, notes[1].id], "deleted notes are rewritten too; notes already right are not")
    }

    @Test func mappingATeamAreaMergesItAndAWardCannotBeMappedAway() throws {
        let areas = Areas([AreaFixtures.area(1, "Nunsthorpe", aliases: ["Nunny"]), AreaFixtures.area(2, "Scartho", aliases: ["Nunsthorp"])])
        let notes = [AreaFixtures.note(1, area: "Nunny"), AreaFixtures.note(2, area: "nunsthorpe")]
        let mapping = try areas.mapping("Nunsthorpe", onto: "Park", notes: notes, newRecord: RecordID(high: 9, low: 9))
        #expect(mapping.merged == "Nunsthorpe" && mapping.rewritten == 2 && mapping.newAliases == ["Nunsthorpe", "Nunny"])
        #expect(mapping.changes.contains { if case .assign(AreaFixtures.area(1, "").id, "deleted", .bool(true)) = $0 { true } else { false } })
        // An alias another area holds moves.
        let moved = try areas.mapping("nunsthorp", onto: "Park", notes: [], newRecord: RecordID(high: 9, low: 9))
        #expect(moved.changes.contains { if case .remove(AreaFixtures.area(2, "").id, Area.aliasSet, .text("Nunsthorp")) = $0 { true } else { false } })
        #expect(throws: StoreError.self) { try areas.mapping("West Marsh", onto: "East Marsh", notes: [], newRecord: RecordID(high: 9, low: 9)) }
        #expect(throws: StoreError.self) { try areas.mapping("Docks", onto: "Atlantis", notes: [], newRecord: RecordID(high: 9, low: 9)) }
    }
}
