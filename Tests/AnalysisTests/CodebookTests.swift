import Analysis
import CRDT
import Store
import Testing

@Suite struct CodebookTests {
    static func theme(_ n: UInt8, _ name: String, parent: UInt8? = nil, aliases: [String] = [], deleted: Bool = false) -> VisibleRecord {
        var fields: [String: [FieldHead]] = [:]
        func head(_ value: Value) -> [FieldHead] { [FieldHead(id: OperationID(origin: ReplicaID(high: 1, low: 1), seq: UInt64(n)), timestamp: Timestamp(physical: 1, logical: 0), value: value)] }
        fields["name"] = head(.text(name))
        if let parent { fields["parent"] = head(.text(id(parent).hex)) }
        if deleted { fields["deleted"] = head(.bool(true)) }
        return VisibleRecord(id: id(n), type: Theme.type, erased: false, fields: fields,
                             sets: aliases.isEmpty ? [:] : [Codebook.aliasSet: Set(aliases.map(Value.text))])
    }

    static func id(_ n: UInt8) -> RecordID { RecordID(high: 0xC0DE, low: UInt64(n)) }

    static func note(tags: [String]) -> VisibleRecord {
        VisibleRecord(id: RecordID(high: 0x4E07E, low: 1), type: Note.type, erased: false, fields: [:], sets: [Note.tagSet: Set(tags.map(Value.text))])
    }

    @Test func aLoopOfParentsStandsOnItsSmallestIdAndEveryThemeAppearsOnce() {
        // 1 → 2 → 3 → 1, made by concurrent moves; 4 under 3.
        let book = Codebook([Self.theme(2, "b", parent: 3), Self.theme(1, "a", parent: 2), Self.theme(3, "c", parent: 1), Self.theme(4, "d", parent: 3)])
        #expect(book.roots == [Self.id(1)])
        #expect(book.ordered.map(\.id) == [Self.id(1), Self.id(3), Self.id(2), Self.id(4)])
        #expect(book.ordered.count == 4 && Set(book.ordered.map(\.id)).count == 4)
        #expect(book.parent(Self.id(1)) == nil)
        #expect(book.ancestors(Self.id(4)) == [Self.id(3), Self.id(1)])
        #expect(book.wouldCycle(theme: Self.id(1), parent: Self.id(4)))
        #expect(!book.wouldCycle(theme: Self.id(4), parent: Self.id(2)))
    }

    @Test func aThemeAnswersToItsNameAndAliasesIgnoringCaseAndCodesItsAncestors() throws {
        let book = Codebook([Self.theme(1, "Transport and travel", aliases: ["transport", "buses"]), Self.theme(2, "Night buses", parent: 1),
                             Self.theme(3, "Gone", deleted: true)])
        #expect(book.named(" TRANSPORT ") == [Self.id(1)])
        #expect(try book.resolve("buses") == Self.id(1))
        #expect(book.named("gone").isEmpty, "a deleted theme codes nothing")
        let direct = book.themes(tagging: Self.note(tags: ["night buses"]))
        #expect(direct == [Self.id(2)])
        #expect(book.withAncestors(direct) == [Self.id(1), Self.id(2)])
        #expect(book.themes(tagging: Self.note(tags: ["Transport"])) == [Self.id(1)], "an old name still codes after a rename")
        #expect(throws: StoreError.self) { try book.resolve("nothing like it") }
        #expect(book.path(Self.id(2)) == "Transport and travel › Night buses")
    }
}
