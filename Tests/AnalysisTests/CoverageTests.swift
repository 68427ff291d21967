import Analysis
import CRDT
import Store
import Testing

@Suite struct CoverageTests {
    /// transport (with bus-routes below it) and isolation; East Marsh has an alias.
    static func coverage(_ notes: [VisibleRecord]) -> Coverage {
        let book = Codebook([CodebookTests.theme(1, "transport"), CodebookTests.theme(2, "bus-routes", parent: 1), CodebookTests.theme(3, "isolation")])
        let areas = Areas([AreaFixtures.area(1, "East Marsh", aliases: ["E Marsh"]), AreaFixtures.area(2, "Nunsthorpe")])
        return Coverage(areas: areas, codings: Codings(book: book, notes: notes, passages: []), notes: notes)
    }

    @Test func everyKnownAreaIsARowEvenWithNoNotesAndGapsAreCountedOverThem() throws {
        let notes = [
            AreaFixtures.note(1, area: "East Marsh", tags: ["bus-routes"]),
            AreaFixtures.note(2, area: "e marsh", tags: ["isolation", "transport"]),
            AreaFixtures.note(3, area: "Heneage", tags: ["isolation"]),
            AreaFixtures.note(4, area: "Docks", tags: ["transport"]),
            AreaFixtures.note(5, tags: ["transport"]),
            AreaFixtures.note(6, area: "Wolds", tags: ["transport"], deleted: true),
        ]
        let coverage = Self.coverage(notes)
        #expect(coverage.themes.count == 3)
        #expect(coverage.rows.filter { $0.kind == .area }.count == 16, "the 15 wards and the team's area")
        #expect(coverage.pairs == 48)
        // Columns are the codebook's order: isolation, transport, bus-routes (below transport).
        #expect(coverage.themes.map { coverage.book.name($0.id) } == ["isolation", "transport", "bus-routes"])
        let east = try #require(coverage.rows.first { $0.area == "East Marsh" })
        #expect(east.counts == [1, 2, 1] && east.notes == 2, "a sub-theme's notes count for its parent; an alias counts for its area")
        let heneage = try #require(coverage.rows.first { $0.area == "Heneage" })
        #expect(heneage.counts == [1, 0, 0])
        let wolds = try #require(coverage.rows.first { $0.area == "Wolds" })
        #expect(wolds.counts == [0, 0, 0] && wolds.notes == 0, "a deleted note is no evidence")
        #expect(coverage.rows.contains { $0.area == "Nunsthorpe" && $0.notes == 0 })
        // 16 × 3 pairs; East Marsh fills 3 and Heneage 1.
        #expect(coverage.gaps == 44)
        #expect(coverage.thin == 4)
        #expect(coverage.headline == "44 of 48 area–theme pairs have no evidence")
        let other = try #require(coverage.rows.first { $0.kind == .other })
        #expect(other.area == Coverage.otherAreasRow && other.notes == 1 && other.counts == [0, 1, 0])
        let none = try #require(coverage.rows.first { $0.kind == .none })
        #expect(none.area == Coverage.noAreaRow && none.notes == 1)
        #expect(coverage.rows.suffix(2).map(\.kind) == [.other, .none], "the extra rows come after the areas")
    }

    @Test func extraRowsAppearOnlyWhenTheyHoldNotesAndAnEmptyCodebookHasNoPairs() {
        let coverage = Self.coverage([AreaFixtures.note(1, area: "Park", tags: ["transport"])])
        #expect(!coverage.rows.contains { $0.kind != .area })
        let empty = Coverage(areas: Areas([]), codings: Codings(book: Codebook([]), notes: [], passages: []), notes: [])
        #expect(empty.rows.count == 15 && empty.pairs == 0 && empty.gaps == 0)
        #expect(empty.headline == "0 of 0 area–theme pairs have no evidence")
    }
}
