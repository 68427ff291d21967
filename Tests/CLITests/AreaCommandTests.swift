import Foundation
import Testing

@Suite("areas")
struct AreaCommandTests {
    /// Notes imported with free-text areas (import takes any area, as older data has).
    static func importAreas(_ store: TestStore, _ areas: [String]) throws {
        let csv = "title,area\n" + areas.enumerated().map { "Note \($0.offset),\($0.element)" }.joined(separator: "\n") + "\n"
        let path = try store.sandbox.write("areas.csv", csv)
        let imported = try store.run("import", path)
        expectSuccess(imported)
        #expect(imported.output == "imported \(areas.count) notes")
    }

    static func areaList(_ store: TestStore) throws -> [[String: Any]] {
        let listed = try store.run("area", "list", "--format", "json")
        expectSuccess(listed)
        return try parseArray(listed.stdout)
    }

    @Test func addStoresTheKnownSpellingAndRefusesAnUnknownAreaSuggestingTheNearest() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Bus", "--area", "  east MARSH ")
            #expect(try store.show(id).string("area") == "East Marsh")
            let before = try store.digest()
            let refused = try store.run("add", "--title", "Typo", "--area", "E Marsh")
            expectFailure(refused, status: 1)
            #expect(refused.stderr == "fieldnotes: error: unknown area 'E Marsh'; did you mean East Marsh? add it with --new-area if it is new\n")
            expectFailure(try store.run("add", "--title", "Far", "--area", "Atlantis"), status: 1,
                          mentioning: ["unknown area 'Atlantis'", "'fieldnotes area list' shows the known areas", "--new-area"])
            expectFailure(try store.run("edit", id, "--area", "Heneag"), status: 1, mentioning: ["did you mean Heneage?"])
            #expect(try store.digest() == before, "a refused area writes nothing")
            expectSuccess(try store.run("edit", id, "--area", "heneage"))
            #expect(try store.show(id).string("area") == "Heneage")
        }
    }

    @Test func newAreaAddsItToTheVocabularyForEveryoneAfter() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try store.add("--title", "Estate", "--area", "Nunsthorpe Estate", "--new-area")
            let second = try store.add("--title", "Again", "--area", "nunsthorpe estate")
            #expect(try store.show(second).string("area") == "Nunsthorpe Estate")
            let entry = try #require(try Self.areaList(store).first { $0.string("area") == "Nunsthorpe Estate" })
            #expect(entry.string("source") == "team" && entry.bool("known") == true && (entry["notes"] as? Int) == 2)
            // --new-area with a known area stores the known spelling and adds nothing.
            let third = try store.add("--title", "Ward", "--area", "SCARTHO", "--new-area")
            #expect(try store.show(third).string("area") == "Scartho")
            #expect(try Self.areaList(store).filter { $0.bool("known") == true }.count == 16)
            expectFailure(try store.run("add", "--title", "x", "--new-area"), status: 2, mentioning: ["--new-area goes with --area"])
            expectFailure(try store.run("area", "add", "nunsthorpe estate"), status: 1, mentioning: ["already a known area"])
        }
    }

    @Test func areaListShowsEveryWardWithItsNotesThenTheFreeTextAreas() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try Self.importAreas(store, ["East Marsh", "east marsh", "E Marsh", "Docks", "docks", "Heneag"])
            let entries = try Self.areaList(store)
            #expect(objectKeys(try store.run("area", "list", "--format", "json").stdout, depth: 2).prefix(6)
                    == ["area", "known", "source", "aliases", "notes", "nearest"])
            let known = entries.filter { $0.bool("known") == true }
            #expect(known.count == 15 && known.allSatisfy { $0.string("source") == "ward" })
            #expect(known.first { $0.string("area") == "East Marsh" }?["notes"] as? Int == 2)
            #expect(known.first { $0.string("area") == "Wolds" }?["notes"] as? Int == 0, "a ward with no notes still appears")
            let other = entries.filter { $0.bool("known") == false }
            #expect(other.map { $0.string("area") ?? "" } == ["Docks", "E Marsh", "Heneag"])
            #expect(other.map { $0["notes"] as? Int ?? -1 } == [2, 1, 1])
            #expect(other.map { $0["nearest"] as? String } == [nil, "East Marsh", "Heneage"])
            let table = try store.run("area", "list")
            expectSuccess(table)
            #expect(table.stdout.contains("Not in the vocabulary"))
            #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("E Marsh") && $0.hasSuffix("East Marsh") })
        }
    }

    @Test func mapRewritesEveryNoteRecordsTheAliasAndListFindsThroughIt() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try Self.importAreas(store, ["East Marsh", "east marsh", "E Marsh", "e marsh", "West Marsh"])
            #expect(try store.listIDs("--area", "East Marsh").count == 2, "before the map, E Marsh is another area")
            let mapped = try store.run("area", "map", "E Marsh", "East Marsh")
            expectSuccess(mapped)
            #expect(mapped.output == "East Marsh: 2 notes rewritten from 'E Marsh'; now also answers to 'E Marsh'")
            #expect(try store.list().filter { $0.string("area") == "East Marsh" }.count == 3)
            #expect(try store.list("--area", "East Marsh").count == 4)
            #expect(try store.list("--area", "e marsh").count == 4, "the alias selects the area")
            #expect(try store.list("--area", "west marsh").count == 1)
            let searched = try store.run("search", "Note", "--area", "e marsh", "--format", "json")
            expectSuccess(searched)
            #expect(try parseArray(searched.stdout).count == 4, "search filters areas by the same rule")
            let east = try #require(try Self.areaList(store).first { $0.string("area") == "East Marsh" })
            #expect(east.strings("aliases") == ["E Marsh"] && east["notes"] as? Int == 4)
            #expect(try Self.areaList(store).allSatisfy { $0.bool("known") == true }, "no free-text areas are left")
            let later = try store.add("--title", "Later", "--area", "E MARSH")
            #expect(try store.show(later).string("area") == "East Marsh", "add stores the area an alias stands for")
        }
    }

    @Test func mapRefusesAnUnknownTargetAndAWardAndChangesNothing() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try Self.importAreas(store, ["Docks"])
            let before = try store.digest()
            expectFailure(try store.run("area", "map", "Docks", "Dock Street"), status: 1, mentioning: ["unknown area 'Dock Street'", "area add"])
            expectFailure(try store.run("area", "map", "West Marsh", "East Marsh"), status: 1, mentioning: ["West Marsh is a ward"])
            expectFailure(try store.run("area", "map", "Docks"), status: 2, mentioning: ["needs TO"])
            #expect(try store.digest() == before)
        }
    }
}
