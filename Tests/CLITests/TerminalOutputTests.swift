import Foundation
import Testing

/// `--quiet`, colour and the progress line: what people see on a terminal,
/// and what scripts get when output is piped. Terminal runs use a real
/// pseudo-terminal (`runOnTerminal`).
@Suite("terminal output")
struct TerminalOutputTests {
    static let escape = "\u{1B}"

    /// Every ESC in `text` starts one of our own SGR codes or the line clear: never stored text.
    func onlyOurEscapes(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() where scalar == "\u{1B}" {
            guard index + 1 < scalars.count, scalars[index + 1] == "[" else { return false }
            var end = index + 2
            while end < scalars.count, ("0"..."9").contains(scalars[end]) || scalars[end] == ";" { end += 1 }
            guard end < scalars.count, scalars[end] == "m" || scalars[end] == "K" else { return false }
        }
        return true
    }

    @Test func quietLeavesOutConfirmationsAndHintsButNotDataErrorsOrWarnings() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("store.sqlite")
            // init: the replica id is the data; "created ..." is a confirmation.
            let created = try sandbox.run(["--quiet", "--store", path, "init", "--name", "tester"])
            expectSuccess(created)
            #expect(created.output.isHex32)
            let store = TestStore(sandbox: sandbox, path: path, replica: created.output)

            // add prints the id even when quiet, wherever --quiet stands.
            let added = try store.run("add", "--title", "Quiet one", "--quiet")
            expectSuccess(added)
            #expect(added.output.isHex32)

            let file = try sandbox.write("notes.ndjson", #"{"title": "Imported"}"# + "\n")
            expectSuccess(try store.run("import", file))
            #expect(try store.run("import", file).stdout == "imported 1 notes\n")
            let quietImport = try store.run("--quiet", "import", file)
            expectSuccess(quietImport)
            #expect(quietImport.stdout.isEmpty)
            #expect(try store.list().count == 4)

            // A hint on stderr ("no notes match") goes; the table asked for stays.
            expectSuccess(try store.run("list", "--kind", "interview"), stderr: "fieldnotes: no notes match")
            let quietEmpty = try store.run("list", "--kind", "interview", "--quiet")
            expectSuccess(quietEmpty)
            #expect(quietEmpty.stdout.hasPrefix("ID "))
            let quietList = try store.run("list", "--quiet")
            expectSuccess(quietList)
            #expect(quietList.stdout.contains("Quiet one") && quietList.stdout.contains("Imported"))

            // Export to a file: the confirmation goes, the file is written.
            let quietExport = try store.run("--quiet", "export", "json", "--out", sandbox.path("out.ndjson"))
            expectSuccess(quietExport)
            #expect(quietExport.stdout.isEmpty)
            #expect(FileManager.default.fileExists(atPath: sandbox.path("out.ndjson")))

            // A backup likewise: no confirmation, the copy is made.
            let loud = try store.run("backup", sandbox.path("loud.sqlite"))
            expectSuccess(loud)
            #expect(loud.stdout.contains("backed up"))
            let quietBackup = try store.run("--quiet", "backup", sandbox.path("quiet.sqlite"))
            expectSuccess(quietBackup)
            #expect(quietBackup.stdout.isEmpty)
            #expect(FileManager.default.fileExists(atPath: sandbox.path("quiet.sqlite")))

            // Errors and warnings are never quiet.
            expectFailure(try store.run("--quiet", "show", "abcdef99"), status: 1, mentioning: ["abcdef99"])
            let warned = try store.run("--quiet", "add", "--title", "Named", "--participant", "John Smith")
            #expect(warned.status == 0 && warned.output.isHex32)
            #expect(warned.stderr.hasPrefix("fieldnotes: warning: the participant"), "\(warned)")
        }
    }

    @Test func helpDocumentsQuiet() throws {
        try Sandbox.with { sandbox in
            let top = try sandbox.run(["--help"])
            #expect(top.stdout.contains("--quiet (any command)"))
            for command in [["add"], ["list"], ["export"], ["hub", "serve"]] {
                let help = try sandbox.run(command + ["--help"])
                #expect(help.stdout.contains("\n  --quiet ") && help.stdout.contains("[--quiet]"), "\(help)")
            }
        }
    }

    @Test func tablesAndErrorsAreInColourOnlyOnATerminalWithoutNoColor() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Win\u{1B}]0;pwned\u{7}dow", "--kind", "interview")
            // Whatever the test runner's own terminal says: a colour terminal, NO_COLOR empty.
            let colourTerminal = ["TERM": "xterm-256color", "NO_COLOR": ""]
            let coloured = try store.runOnTerminal(["list"], environment: colourTerminal)
            #expect(coloured.status == 0)
            #expect(coloured.stdout.contains("\(Self.escape)[1mID\(Self.escape)[0m"), "\(coloured)")
            #expect(coloured.stdout.contains("\(Self.escape)[2m\(id.prefix(8))\(Self.escape)[0m"), "\(coloured)")
            // Stored controls are still escaped; the only ESCs are our own styles.
            #expect(coloured.stdout.contains("Win\\u{1b}]0;pwned\\u{7}dow") && onlyOurEscapes(coloured.stdout), "\(coloured)")
            // Columns line up as without colour.
            let plain = try store.runOnTerminal(["list"], environment: ["TERM": "xterm-256color", "NO_COLOR": "1"])
            let stripped = coloured.stdout.replacingOccurrences(of: "\(Self.escape)[1m", with: "")
                .replacingOccurrences(of: "\(Self.escape)[2m", with: "").replacingOccurrences(of: "\(Self.escape)[0m", with: "")
            #expect(stripped == plain.stdout)

            // NO_COLOR set and not empty: none. Empty NO_COLOR does not count (no-color.org): the first run had it.
            #expect(!plain.stdout.contains(Self.escape), "\(plain)")
            let dumb = try store.runOnTerminal(["list"], environment: ["TERM": "dumb", "NO_COLOR": ""])
            #expect(!dumb.stdout.contains(Self.escape), "\(dumb)")

            // Errors: the word in colour on a terminal, plain when piped.
            let failed = try store.runOnTerminal(["show", "abcdef99"], environment: colourTerminal)
            #expect(failed.status == 1 && failed.stdout.hasPrefix("fieldnotes: \(Self.escape)[1;31merror\(Self.escape)[0m: "), "\(failed)")
            expectFailure(try store.run("show", "abcdef99"), status: 1)
            let piped = try store.run("list")
            #expect(!piped.stdout.contains(Self.escape))
        }
    }

    @Test func promptsShowStoredTextEscaped() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let participant = "P\u{1B}[2J7"
            let id = try store.add("--title", "Wipe\u{1B}[2Jout", "--participant", participant)
            let bulk = try store.runOnTerminal(["erase", "--participant", participant, "--reason", "test"], typed: "no\n",
                                               environment: ["NO_COLOR": "1"])
            #expect(bulk.status == 1 && bulk.stdout.contains("participant P\\u{1b}[2J7") && !bulk.stdout.contains(Self.escape), "\(bulk)")
            let one = try store.runOnTerminal(["erase", id, "--reason", "test"], typed: "no\n", environment: ["NO_COLOR": "1"])
            #expect(one.status == 1 && one.stdout.contains("'Wipe\\u{1b}[2Jout'") && !one.stdout.contains(Self.escape), "\(one)")
            #expect(try store.show(id)["erased"] as? Bool == false)
        }
    }

    @Test func longJobsShowOneProgressLineOnATerminalOnly() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let rows = (0..<1_200).map { #"{"title": "Note \#($0)"}"# }.joined(separator: "\n") + "\n"
            let file = try sandbox.write("notes.ndjson", rows)
            // The delay is one second; the tests set it to zero rather than take a second.
            let now = ["FIELDNOTES_PROGRESS_DELAY_MS": "0", "NO_COLOR": "1"]
            let imported = try store.runOnTerminal(["import", file], environment: now)
            #expect(imported.status == 0, "\(imported)")
            // One line, rewritten with \r, cleared before the confirmation.
            #expect(imported.stdout.hasPrefix("\rfieldnotes: importing: checking 1200 rows\(Self.escape)[K"), "\(imported)")
            #expect(imported.stdout.hasSuffix("\r\(Self.escape)[Kimported 1200 notes\r\n"), "\(imported)")
            #expect(!imported.stdout.dropLast(2).contains("\n"), "\(imported)")

            let quiet = try store.runOnTerminal(["--quiet", "import", file], environment: now)
            #expect(quiet.status == 0 && quiet.stdout.isEmpty, "\(quiet)")

            // Piped: nothing but the confirmation.
            let piped = try sandbox.run(["--store", store.path, "import", file], environment: now)
            expectSuccess(piped)
            #expect(piped.stdout == "imported 1200 notes\n")

            let exported = try store.runOnTerminal(["export", "json", "--out", sandbox.path("all.ndjson")], environment: now)
            #expect(exported.status == 0, "\(exported)")
            #expect(exported.stdout.hasPrefix("\rfieldnotes: exporting: reading the notes\(Self.escape)[K"), "\(exported)")
            #expect(exported.stdout.contains("\r\(Self.escape)[Kexported 3600 notes"), "\(exported)")
        }
    }
}
