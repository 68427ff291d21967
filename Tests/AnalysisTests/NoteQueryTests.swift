import Analysis
import CRDT
import Store
import Testing

@Suite struct NoteQueryTests {
    func ids(_ store: Store, _ configure: (inout NoteQuery) -> Void) throws -> Set<RecordID> {
        var query = NoteQuery()
        configure(&query)
        return Set(try store.list(try query.recordFilter(store)).map(\.id))
    }

    /// `--theme` must select exactly the notes `Codings` says are coded with
    /// the theme or one below it: by tag (name or alias, any case), by a
    /// passage whose words remain, never by a passage of a deleted theme.
    @Test func theThemeFilterSelectsWhatTheCodebookCodes() throws {
        try withAnalysisStore { store, _ throws in
            let transport = try store.theme("Transport", aliases: ["buses"])
            let routes = try store.theme("bus-routes", parent: transport)
            let isolation = try store.theme("isolation")
            let gone = try store.theme("gone")
            let byTag = try store.note("by tag", tags: ["transport"])
            let byAlias = try store.note("by alias", tags: ["Buses"])
            let bySubTheme = try store.note("by sub-theme tag", tags: ["BUS-ROUTES"])
            let byPassage = try store.note("by passage", body: "The 9 bus never came.")
            try store.code(byPassage, "9 bus", routes, by: "alice")
            let byDeletedWords = try store.note("passage whose words are gone", body: "The minibus was full.")
            try store.code(byDeletedWords, "minibus", transport, by: "alice")
            try store.commit([.editText(byDeletedWords, field: "body", text: "The was full.")])
            let byGoneTheme = try store.note("passage of a deleted theme", body: "Lonely at night.")
            try store.code(byGoneTheme, "Lonely", gone, by: "alice")
            try store.commit([.assign(gone, field: "deleted", value: .bool(true))])
            let isolated = try store.note("isolation", tags: ["isolation"])
            _ = try store.note("a tag that names no theme", tags: ["transportation"])

            let notes = try store.list(RecordFilter(type: Note.type))
            let codings = try Codings.load(store, notes: notes)
            for theme in [transport, routes, isolation] {
                let expected = Set(notes.map(\.id).filter { codings.codes($0, theme) })
                #expect(try ids(store) { $0.themes = [codings.book.name(theme)] } == expected, "\(codings.book.name(theme))")
                #expect(try ids(store) { $0.themes = [theme.hex] } == expected, "by id")
            }
            // The expectations above are not vacuous.
            #expect(try ids(store) { $0.themes = ["transport"] } == [byTag, byAlias, bySubTheme, byPassage])
            #expect(try ids(store) { $0.themes = ["bus-routes"] } == [bySubTheme, byPassage])
            #expect(try ids(store) { $0.themes = ["transport", "isolation"] }.isEmpty, "several themes must all code the note")
            #expect(try ids(store) { $0.themes = ["isolation"]; $0.allTags = ["isolation"] } == [isolated])
            #expect(throws: StoreError.self) { try ids(store) { $0.themes = ["gone"] } }
            #expect(throws: StoreError.self) { try ids(store) { $0.themes = ["nothing like it"] } }
        }
    }

    @Test func tagsAreAllOrAnyAndAreasAreAnyOf() throws {
        try withAnalysisStore { store, _ throws in
            let both = try store.note("both", tags: ["bus", "minibus"], area: "Heneage")
            let bus = try store.note("bus", tags: ["bus"], area: "East Marsh")
            let minibus = try store.note("minibus", tags: ["minibus"], area: "Scartho")
            _ = try store.note("neither", tags: ["taxi"], area: "Heneage")
            #expect(try ids(store) { $0.allTags = ["bus", "minibus"] } == [both])
            #expect(try ids(store) { $0.anyTags = ["bus", "minibus"] } == [both, bus, minibus])
            #expect(try ids(store) { $0.anyTags = ["bus", "minibus"]; $0.areas = ["Heneage", "Scartho"] } == [both, minibus])
            #expect(try ids(store) { $0.areas = ["East Marsh"] } == [bus])
        }
    }

    @Test func measureConditionsCompareNumbersAndSkipNotesWithoutTheMeasure() throws {
        try withAnalysisStore { store, _ throws in
            let seven = try store.note("seven", measures: ["ucla3": 7, "ons_lonely": 2])
            let nine = try store.note("nine", measures: ["ucla3": 9, "ons_lonely": 5])
            let four = try store.note("four", measures: ["ucla3": 4])
            _ = try store.note("none")
            func matching(_ conditions: String...) throws -> Set<RecordID> {
                try ids(store) { $0.measures = conditions.compactMap { try? MeasureCondition.parse($0) } }
            }
            #expect(try matching("ucla3>=7") == [seven, nine])
            #expect(try matching("ucla3>7") == [nine])
            #expect(try matching("ucla3<=7") == [seven, four])
            #expect(try matching("ucla3<7") == [four])
            #expect(try matching("ucla3=7") == [seven])
            #expect(try matching("ucla3 >= 7", "ons_lonely < 3") == [seven])
            #expect(try matching("steps>0").isEmpty)
        }
    }

    @Test(arguments: [
        ("ucla3>=7", "ucla3", NumberComparison.greaterOrEqual, 7.0), ("ucla3<=7", "ucla3", .lessOrEqual, 7), ("ucla3>7", "ucla3", .greater, 7),
        ("ucla3<7", "ucla3", .less, 7), ("ucla3=7", "ucla3", .equal, 7), (" UCLA3 >= 6.5 ", "ucla3", .greaterOrEqual, 6.5),
        ("steps>-2", "steps", .greater, -2),
    ] as [(String, String, NumberComparison, Double)])
    func measureConditionsAreRead(_ text: String, _ name: String, _ comparison: NumberComparison, _ value: Double) throws {
        #expect(try MeasureCondition.parse(text) == MeasureCondition(name: name, comparison: comparison, value: value))
    }

    @Test(arguments: ["ucla3", "ucla3>", ">=7", "ucla3=>7", "ucla3>>7", "ucla3==7", "ucla 3>=7", "ucla3>=seven", "ucla3>=inf", "ucla3!=7", ""])
    func badMeasureConditionsAreRefused(_ text: String) {
        #expect(throws: StoreError.self, "'\(text)' was accepted") { try MeasureCondition.parse(text) }
    }

    @Test func datesAndKindsAreCheckedAndUntilTakesInTheWholeDay() throws {
        try withAnalysisStore { store, _ throws in
            var query = NoteQuery()
            query.kind = "party"
            #expect(throws: StoreError.self) { try query.recordFilter(store) }
            query = NoteQuery()
            query.since = "last week"
            #expect(throws: StoreError.self) { try query.recordFilter(store) }
            #expect(try NoteQuery.before("2026-02-15") == "2026-02-16T00:00:00Z")
            #expect(try NoteQuery.before("2026-02-15T09:00") == "2026-02-15T09:00:01Z")
            // The last day and second of the years 0001 to 9999 have no end to give (the next day printed as `10000-01-01…`,
            // which sorts before every stored time, so `--until 9999-12-31` found nothing).
            #expect(try NoteQuery.before("9999-12-30") == "9999-12-31T00:00:00Z")
            #expect(try NoteQuery.before("9999-12-31") == nil)
            #expect(try NoteQuery.before("9999-12-31T23:59:59Z") == nil)
            #expect(throws: StoreError.self) { try NoteQuery.before("0000-06-01") }
        }
    }
}
