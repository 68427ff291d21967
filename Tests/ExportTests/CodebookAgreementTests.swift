import CRDT
import Formats
import Foundation
import Store
import Testing
import TestSupport

/// `theme list`, `export --theme`, the CSV's themes table, the QDPX codes
/// and the report's matrix all answer from the one codebook: the same
/// counts, the same tree, and the same single root on a codebook whose
/// parents two people made into a loop at once.
@Suite struct CodebookAgreementTests {
    static func run(_ store: String, _ directory: String, _ arguments: String...) throws -> Execution {
        try FieldnotesBinary.run(store: store, arguments, home: directory)
    }

    /// What a sync would bring `peer`: every operation `store` holds that it lacks.
    static func send(_ store: Store, to peer: Store) throws {
        for range in try store.versionVector().missing(from: peer.versionVector()) {
            try peer.apply(try store.operations(range, limit: 100_000))
        }
    }

    @Test func everyReaderOfTheCodebookGivesTheSameAnswerEvenOnALoop() throws {
        let temporary = try TemporaryDirectory.make(prefix: "codebook")
        defer { temporary.remove() }
        let directory = temporary.path
        let a = try Store.create(at: "\(directory)/a.fieldnotes", name: "ana")
        let b = try Store.create(at: "\(directory)/b.fieldnotes", name: "ben")
        let (transport, buses, money, loopX, loopY) = (try Store.newRecordID(), try Store.newRecordID(), try Store.newRecordID(),
                                                      try Store.newRecordID(), try Store.newRecordID())
        var changes: [Change] = []
        for (id, name) in [(transport, "transport"), (buses, "buses"), (money, "money"), (loopX, "isolation"), (loopY, "bereavement")] {
            changes += [.create(id, type: Theme.type), .assign(id, field: "name", value: .text(name))]
        }
        changes.append(.assign(buses, field: "parent", value: .text(transport.hex)))
        let tags: [[String]] = [["Transport"], ["buses"], [" BUSES ", "money"], ["isolation"], ["bereavement", "money"], []]
        for (index, noteTags) in tags.enumerated() {
            let note = try Store.newRecordID()
            changes += [.create(note, type: Note.type), .assign(note, field: "title", value: .text("note \(index)")),
                        .assign(note, field: "occurred_at", value: .text("2026-11-0\(index + 1)T10:00:00Z"))]
            changes += noteTags.map { .add(note, set: Note.tagSet, element: .text($0)) }
        }
        try a.commit(changes)
        try Self.send(a, to: b)
        // Concurrently: ana puts isolation under bereavement, ben bereavement under isolation.
        try a.commit([.assign(loopX, field: "parent", value: .text(loopY.hex))])
        try b.commit([.assign(loopY, field: "parent", value: .text(loopX.hex))])
        try Self.send(b, to: a)
        let path = a.path

        let list = try Self.run(path, directory, "theme", "list", "--format", "json")
        #expect(list.status == 0, "\(list)")
        let themes = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(themes.count == 5, "every theme once, the loop included")
        var listed: [String: Int] = [:]
        var shownParent: [String: String] = [:]
        for theme in themes {
            let name = try #require(theme["name"] as? String)
            listed[name] = (theme["notes"] as? NSNumber)?.intValue
            shownParent[name] = theme["shown_parent"] as? String
        }
        #expect(listed == ["transport": 3, "buses": 2, "money": 2, "isolation": 2, "bereavement": 1] || listed == ["transport": 3, "buses": 2, "money": 2, "isolation": 1, "bereavement": 2],
                "a note counts for the theme it is tagged with and every theme above it: \(listed)")
        let rootsOfLoop = ["isolation", "bereavement"].filter { shownParent[$0] == nil }
        #expect(rootsOfLoop.count == 1, "one theme of the loop stands as the root")

        // export --theme selects the notes theme list counts.
        for (name, count) in listed {
            let out = "\(directory)/\(name).ndjson"
            let export = try Self.run(path, directory, "export", "json", "--theme", name, "--out", out)
            #expect(export.status == 0, "\(export)")
            let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            let notes = lines.filter { $0.contains("\"type\":\"note\"") }.count
            #expect(notes == count, "export --theme \(name): \(notes) notes, theme list says \(count)")
        }

        // The CSV's parent_id is the tree theme list shows: no loop.
        let csv = "\(directory)/csv"
        #expect(try Self.run(path, directory, "export", "csv", "--out", csv).status == 0)
        let rows = try CSVReader.records(try String(contentsOfFile: "\(csv)/themes.csv", encoding: .utf8)).map(\.fields).dropFirst()
        let ids = Dictionary(uniqueKeysWithValues: themes.compactMap { theme in (theme["id"] as? String).map { ($0, theme["name"] as? String ?? "") } })
        for row in rows {
            let name = try #require(ids[row[0]])
            #expect((row[2].isEmpty ? nil : row[2]) == shownParent[name], "themes.csv parent of \(name)")
        }

        // The QDPX holds each theme once, nested as theme list shows it.
        let qdpx = "\(directory)/project.qdpx"
        #expect(try Self.run(path, directory, "export", "qdpx", "--out", qdpx).status == 0)
        // python3 is on the README's install line.
        let unzip = try #require(try runTool("python3", ["-c", "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read('project.qde').decode())", qdpx]))
        #expect(unzip.status == 0, "\(unzip.output)")
        for name in listed.keys {
            #expect(unzip.output.components(separatedBy: "name=\"\(name)\"").count - 1 == 1, "QDPX code \(name) appears once")
        }

        // The report's matrix has a column per theme, once each.
        let report = "\(directory)/report.html"
        #expect(try Self.run(path, directory, "export", "report", "--out", report).status == 0)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        for name in listed.keys { #expect(html.contains(name), "the report names \(name)") }
    }
}
