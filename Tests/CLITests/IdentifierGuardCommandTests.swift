import Foundation
import Testing
import TestSupport

/// The identifier guard on text an export writes that is not a note's
/// words: a passage's coder (a device's name) and a measure's name.
@Suite("identifier guard beyond the notes' text")
struct IdentifierGuardCommandTests {
    /// Every file an export wrote (the file itself, or those in its directory), as text.
    static func text(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "" }
        guard isDirectory.boolValue else { return try String(contentsOfFile: path, encoding: .utf8) }
        return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            .map { try String(contentsOfFile: path + "/" + $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// `--redact` replaced a device's name in memo authors but left it in
    /// passages.csv's `coder` column and the NDJSON `"coder"`.
    @Test func redactReplacesThePassageCoderAsItDoesTheMemoAuthor() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore(device: "Dr Jane Smith")
            let note = try store.add("--title", "Visit", "--body", "She waits an hour for the bus.")
            _ = expectSuccess(try store.run("theme", "add", "transport"))
            let passage = expectSuccess(try store.run("code", note, "--theme", "transport", "--quote", "the bus")).output
            _ = expectSuccess(try store.run("memo", "add", note, "--body", "Ask about the timetable."))
            let csv = sandbox.path("out")
            _ = expectSuccess(try store.run("export", "csv", "--out", csv, "--redact"))
            let passages = try String(contentsOfFile: csv + "/passages.csv", encoding: .utf8)
            let memos = try String(contentsOfFile: csv + "/memos.csv", encoding: .utf8)
            #expect(memos.contains(",Dr [name],"), "\(memos)")
            let row = try #require(passages.split(separator: "\r\n").first { $0.hasPrefix(passage) }, "\(passages)")
            #expect(row.split(separator: ",")[3] == "Dr [name]", "the coder column: \(row)")
            let json = sandbox.path("out.ndjson")
            _ = expectSuccess(try store.run("export", "json", "--out", json, "--redact"))
            let lines = try Self.text(json).split(separator: "\n").map { try parseObject(String($0)) }
            let coded = try #require(lines.first { $0["type"] as? String == "passage" })
            #expect(coded["coder"] as? String == "Dr [name]")
            #expect(lines.first { $0["type"] as? String == "memo" }?["author"] as? String == "Dr [name]")
            for export in [csv, json] { #expect(!(try Self.text(export)).contains("Jane Smith"), "\(export)") }
            // Scanned like the memo's author: listed as the passage's coder, so refused without --redact.
            let scan = try store.run("scan", "--format", "json")
            #expect(scan.status == 1, "\(scan)")
            let hits = try parseArray(scan.stdout)
            #expect(hits.contains { $0["record"] as? String == passage && $0["field"] as? String == "coder" && $0["kind"] as? String == "person_name" },
                    "\(hits)")
        }
    }

    /// A measure's name was never scanned: `--measure n9434765919=1` (a valid
    /// NHS number) passed `scan` and reached note_measures.csv, NDJSON and
    /// the QDPX project even with --redact.
    @Test func aMeasureNameHoldingAnIdentifierIsRefusedAndLeftOutUnderRedact() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let note = try store.add("--title", "Visit", "--body", "A quiet week.", "--measure", "ucla3=5",
                                     "--measure", "n9434765919=1", "--measure", "tel_07700900123=2")
            let scan = try store.run("scan")
            #expect(scan.status == 1, "\(scan)")
            let rows = scan.stdout.split(separator: "\n").filter { $0.hasPrefix(note) }
            #expect(rows.count == 2 && rows.contains { $0.contains("measure name") && $0.contains("NHS number") }
                    && rows.contains { $0.contains("measure name") && $0.contains("phone number") }, "\(scan)")
            #expect(!scan.stdout.contains("9434765919") && !scan.stderr.contains("9434765919"), "never the name itself")
            for format in ["csv", "json", "qdpx", "report"] {
                let out = sandbox.path("refused-\(format)")
                let refused = try store.run("export", format, "--out", out)
                #expect(refused.status == 1 && refused.stderr.contains("note \(note) measure name: NHS number"), "\(refused)")
                #expect(!refused.stderr.contains("9434765919"))
                #expect(!FileManager.default.fileExists(atPath: out))
            }
            let csv = sandbox.path("out")
            let exported = expectSuccess(try store.run("export", "csv", "--out", csv, "--redact"))
            #expect(exported.stdout.contains("; 2 identifiers redacted to "), "\(exported)")
            let measures = try String(contentsOfFile: csv + "/note_measures.csv", encoding: .utf8)
            #expect(measures.split(separator: "\r\n").dropFirst() == ["\(note),ucla3,5"], "the other measure stays: \(measures)")
            let json = sandbox.path("out.ndjson")
            _ = expectSuccess(try store.run("export", "json", "--out", json, "--redact"))
            let record = try parseObject(String(try #require(try Self.text(json).split(separator: "\n").first)))
            #expect((record["measures"] as? [String: Any]).map { Array($0.keys) } == ["ucla3"], "\(record)")
            let qdpx = sandbox.path("out.qdpx")
            _ = expectSuccess(try store.run("export", "qdpx", "--out", qdpx, "--redact"))
            let unzip = try Child(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
                import sys, zipfile
                sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read('project.qde').decode('utf-8'))
                """, qdpx]).wait()
            #expect(unzip.status == 0 && unzip.stdout.contains("measures.ucla3"), "\(unzip.stderr)")
            #expect(!unzip.stdout.contains("9434765919") && !unzip.stdout.contains("07700900123"))
            for export in [csv, json] {
                let text = try Self.text(export)
                #expect(!text.contains("9434765919") && !text.contains("07700900123"), "\(export)")
            }
        }
    }
}
