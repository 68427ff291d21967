import Foundation
import Testing

@Suite("coverage")
struct CoverageCommandTests {
    /// transport (bus-routes below it) and isolation; East Marsh has a bus-routes note and a
    /// transport one, Heneage an isolation one, and a note with a free-text area a transport one.
    static func fixture(_ sandbox: Sandbox) throws -> TestStore {
        let store = try sandbox.makeStore()
        for arguments in [["transport"], ["bus-routes", "--parent", "transport"], ["isolation"]] {
            expectSuccess(try store.run(["theme", "add"] + arguments))
        }
        try store.add("--title", "Bus cut", "--area", "East Marsh", "--tag", "bus-routes", "--at", "2026-01-10")
        try store.add("--title", "Minibus", "--area", "East Marsh", "--tag", "Transport", "--at", "2026-03-10")
        try store.add("--title", "Alone", "--area", "Heneage", "--tag", "isolation", "--at", "2026-01-11")
        let csv = try sandbox.write("docks.csv", "title,area,tags\nQuay,Docks,transport\n")
        expectSuccess(try store.run("import", csv))
        return store
    }

    @Test func theTableHasEveryWardAndThemeMarksGapsAndSaysHowManyFirst() throws {
        try Sandbox.with { sandbox in
            let store = try Self.fixture(sandbox)
            let run = try store.run("coverage")
            #expect(run.status == 0, "\(run)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            // 15 wards × 3 themes; East Marsh fills transport and bus-routes, Heneage isolation.
            #expect(lines.first == "42 of 45 area–theme pairs have no evidence")
            #expect(lines[1] == "3 have only one or two notes")
            let header = try #require(lines.dropFirst(2).first)
            #expect(header.split(separator: " ").map(String.init) == ["AREA", "isolation", "transport", "bus-routes", "NOTES"])
            let rows = Dictionary(lines.dropFirst(3).map { line in
                (line.components(separatedBy: "  ")[0], line.split(separator: " ").suffix(4).map(String.init))
            }, uniquingKeysWith: { first, _ in first })
            #expect(rows.count == 16)
            #expect(rows["East Marsh"] == ["GAP", "2", "1", "2"])
            #expect(rows["Heneage"] == ["1", "GAP", "GAP", "1"])
            #expect(rows["Wolds"] == ["GAP", "GAP", "GAP", "0"], "a ward with no notes is a row of gaps")
            #expect(rows["(other areas)"] == ["0", "1", "0", "1"], "free-text areas are one row, and not gaps")
            #expect(run.stderr == "fieldnotes: 1 note has an area outside the vocabulary; 'fieldnotes area list' shows them and "
                    + "'fieldnotes area map TEXT AREA' maps them\n")
        }
    }

    @Test func jsonHasEveryRowAndCellAndDatesNarrowIt() throws {
        try Sandbox.with { sandbox in
            let store = try Self.fixture(sandbox)
            let run = try store.run("coverage", "--format", "json")
            expectSuccess(run)
            #expect(objectKeys(run.stdout, depth: 2).prefix(4) == ["area", "kind", "notes", "themes"])
            let rows = try parseArray(run.stdout)
            #expect(rows.count == 16 && rows.filter { $0.string("kind") == "area" }.count == 15)
            let east = try #require(rows.first { $0.string("area") == "East Marsh" })
            let cells = try #require(east["themes"] as? [[String: Any]])
            #expect(cells.map { $0.string("name") ?? "" } == ["isolation", "transport", "bus-routes"])
            #expect(cells.map { $0["notes"] as? Int ?? -1 } == [0, 2, 1])
            #expect(cells.map { $0.bool("gap") ?? false } == [true, false, false])
            #expect(cells.map { $0.bool("thin") ?? false } == [false, true, true])
            #expect(cells.last?.string("path") == "transport › bus-routes")
            // From February: only the minibus note in East Marsh (and the imported one, dated today, outside the vocabulary).
            let later = try store.run("coverage", "--since", "2026-02-01")
            expectSuccess(later, stderr: "fieldnotes: 1 note has an area outside the vocabulary; 'fieldnotes area list' shows them and "
                          + "'fieldnotes area map TEXT AREA' maps them")
            #expect(later.stdout.hasPrefix("44 of 45 area–theme pairs have no evidence\n"))
            let january = try store.run("coverage", "--until", "2026-01-31")
            expectSuccess(january)
            #expect(january.stdout.hasPrefix("42 of 45 area–theme pairs have no evidence\n"))
            #expect(!january.stdout.contains("(other areas)"))
            expectFailure(try store.run("coverage", "--since", "last week"), status: 1, mentioning: ["not an ISO 8601 date"])
        }
    }
}
