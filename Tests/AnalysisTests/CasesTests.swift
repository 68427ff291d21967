import Analysis
import CRDT
import Store
import Testing

@Suite struct CasesTests {
    static func attribute(_ n: UInt64, _ name: String, _ type: String, choices: String? = nil) -> VisibleRecord {
        var fields: [String: [FieldHead]] = ["name": AreaFixtures.head(.text(name)), "type": AreaFixtures.head(.text(type))]
        if let choices { fields["choices"] = AreaFixtures.head(.text(choices)) }
        return VisibleRecord(id: RecordID(high: 0xA77, low: n), type: CaseAttribute.type, erased: false, fields: fields, sets: [:])
    }

    static func person(_ n: UInt64, _ pseudonym: String, _ values: [String: Value] = [:], deleted: Bool = false) -> VisibleRecord {
        var fields: [String: [FieldHead]] = ["pseudonym": AreaFixtures.head(.text(pseudonym))]
        for (name, value) in values { fields[Case.attributePrefix + name] = AreaFixtures.head(value) }
        if deleted { fields["deleted"] = AreaFixtures.head(.bool(true)) }
        return VisibleRecord(id: RecordID(high: 0xCA5E, low: n), type: Case.type, erased: false, fields: fields, sets: [:])
    }

    static let attributes = [
        attribute(1, "age_band", "choice", choices: "under 50,50-64,65-79,80+"),
        attribute(2, "lives_alone", "boolean"),
        attribute(3, "children", "number"),
        attribute(4, "language", "text"),
        attribute(5, "lives_alone", "text"),
    ]

    static let cases = Cases(attributes: attributes, cases: [
        person(1, "P07", ["age_band": .text("65-79"), "lives_alone": .bool(true)]),
        person(2, "Resident 12", ["age_band": .text("80+"), "lives_alone": .bool(false), "language": .text("Polish")]),
        person(3, "Fern", ["age_band": .text("65-79"), "lives_alone": .bool(false), "children": .number(2)]),
        person(4, "Gone", deleted: true),
    ])

    @Test func valuesAreCheckedAgainstTheAttributesType() throws {
        let cases = Self.cases
        #expect(cases.attributes.map(\.name) == ["age_band", "children", "language", "lives_alone"])
        #expect(cases.attribute(named: "lives_alone")?.kind == .boolean, "of two attributes with one name, the smaller id defines it")
        #expect(try cases.assignment("Age Band=65-79").value == .text("65-79"))
        #expect(try cases.assignment("age_band= UNDER 50").value == .text("under 50"), "a choice is stored as it is spelt")
        #expect(try cases.assignment("lives_alone=Y").value == .bool(true))
        #expect(try cases.assignment("lives-alone=no").value == .bool(false))
        #expect(try cases.assignment("children=3").value == .number(3))
        #expect(try cases.assignment("language=Polish").value == .text("Polish"))
        for bad in ["age_band=70", "lives_alone=maybe", "children=two", "children=inf", "language=", "height=180", "age_band"] {
            #expect(throws: StoreError.self, "\(bad) was accepted") { try cases.assignment(bad) }
        }
    }

    @Test func anAttributeIsDefinedWithItsChoicesOnlyWhenItIsAChoice() throws {
        let id = RecordID(high: 7, low: 7)
        let changes = try Cases(attributes: [], cases: []).defining(name: "Age band", kind: .choice, choices: "under 50, 50-64 ,,80+", description: nil, id: id)
        #expect(changes.contains { if case .assign(id, "name", .text("age_band")) = $0 { true } else { false } })
        #expect(changes.contains { if case .assign(id, "choices", .text("under 50,50-64,80+")) = $0 { true } else { false } })
        #expect(throws: StoreError.self) { try Cases(attributes: [], cases: []).defining(name: "x", kind: .choice, choices: nil, description: nil, id: id) }
        #expect(throws: StoreError.self) { try Cases(attributes: [], cases: []).defining(name: "x", kind: .number, choices: "1,2", description: nil, id: id) }
        #expect(throws: StoreError.self) { try Cases(attributes: [], cases: []).defining(name: "x", kind: .choice, choices: "a,A", description: nil, id: id) }
        #expect(throws: StoreError.self) { try Cases(attributes: [], cases: []).defining(name: "age/band", kind: .text, choices: nil, description: nil, id: id) }
        #expect(throws: StoreError.self) { try Self.cases.defining(name: "Lives Alone", kind: .text, choices: nil, description: nil, id: id) }
    }

    @Test func notesBelongToTheCaseOfTheirParticipantIgnoringCase() {
        let cases = Self.cases
        let notes = [
            AreaFixtures.note(1, participant: "p07"), AreaFixtures.note(2, participant: " resident  12 "), AreaFixtures.note(3, participant: "P-07"),
            AreaFixtures.note(4, participant: "fern"), AreaFixtures.note(5, participant: "Gone"), AreaFixtures.note(6),
        ]
        let counts = cases.noteCounts(notes)
        #expect(counts[Self.person(1, "").id] == 1 && counts[Self.person(2, "").id] == 1 && counts[Self.person(3, "").id] == 1)
        #expect(counts[Self.person(4, "").id] == nil, "a deleted case has no notes")
        #expect(cases.cases(of: notes[2]).isEmpty, "P-07 is not P07")
        #expect(cases.notes(notes, of: Self.person(1, "P07")).map(\.id) == [notes[0].id])
    }

    @Test func filtersSelectCasesAndTheirNotesAndAllMustHold() throws {
        let cases = Self.cases
        let older = try cases.conditions(["age_band=65-79"])
        #expect(cases.cases(matching: older).map(Cases.pseudonym) == ["Fern", "P07"])
        let together = try cases.conditions(["age_band=65-79", "lives_alone=yes"])
        #expect(cases.cases(matching: together).map(Cases.pseudonym) == ["P07"])
        #expect(cases.cases(matching: try cases.conditions(["language=polish"])).map(Cases.pseudonym) == ["Resident 12"], "text ignores case")
        #expect(cases.cases(matching: try cases.conditions(["children=2"])).map(Cases.pseudonym) == ["Fern"])
        let notes = [AreaFixtures.note(1, participant: "p07"), AreaFixtures.note(2, participant: "Resident 12"), AreaFixtures.note(3, participant: "FERN")]
        #expect(cases.notes(notes, matching: older).map(\.id) == [notes[0].id, notes[2].id])
        let spellings = cases.participantSpellings(matching: together)
        #expect(spellings.contains("P07") && spellings.contains("p07") && !spellings.contains("Fern"))
    }

    @Test func aPseudonymIsUniqueByConventionAndDuplicatesFromOfflineAddsAreNamed() throws {
        #expect(throws: StoreError.self) { try Self.cases.adding(" p07 ", assignments: [], id: RecordID(high: 1, low: 1)) }
        #expect(throws: StoreError.self) { try Self.cases.adding("P08", assignments: ["age_band=70"], id: RecordID(high: 1, low: 1)) }
        let added = try Self.cases.adding("P08", assignments: ["age_band=80+"], id: RecordID(high: 1, low: 1))
        #expect(added.count == 3)
        let twice = Cases(attributes: [], cases: [Self.person(1, "P07"), Self.person(2, "p07"), Self.person(3, "Fern")])
        #expect(twice.duplicates.map(\.pseudonym) == ["P07"])
        #expect(twice.duplicates.first?.cases == [Self.person(1, "").id, Self.person(2, "").id])
        let notes = [AreaFixtures.note(1, participant: "P07")]
        #expect(twice.noteCounts(notes).count == 2, "a note belongs to both cases of its pseudonym")
    }
}

@Suite struct PseudonymsTests {
    @Test(arguments: ["P07", "P-017", "Resident 12", "Fern", "Mrs P", "resident twelve", "Resident Twelve", "Carer B", "R2D2", "p07@"])
    func pseudonymsPass(_ text: String) {
        #expect(Pseudonyms.concern(text) == nil)
    }

    @Test(arguments: [
        ("Mary Smith", "real name"), ("Mrs Patel", "real name"), ("John O'Neil", "real name"), ("Anne-Marie Jones", "real name"),
        ("Dr. Ahmed Khan", "real name"),
        ("mary.smith@example.org", "email"), ("07700 900123", "digits"), ("+44 7700 900123", "digits"), ("943 476 5919", "digits"),
    ])
    func identifiersAreFlagged(_ text: String, _ kind: String) throws {
        let concern = try #require(Pseudonyms.concern(text), "\(text) passed as a pseudonym")
        switch kind {
        case "real name": #expect(concern.contains("real name"))
        case "email": #expect(concern.contains("email"))
        default: #expect(concern.contains("digits"))
        }
    }
}
