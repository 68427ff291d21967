import Foundation
import Store
import Testing
import TestSupport

/// Stored text comes from every colleague's device: a control character in it
/// is shown escaped in tables and prompts, never sent to the terminal raw.
@Suite("terminal escapes")
struct TerminalEscapeTests {
    static let title = "Win\u{1B}]0;pwned\u{7}dow"
    static let body = "Line one\u{1B}[2J\nline\ttwo\u{9B}31m\r\nend \u{202E}desrever"
    static let area = "Old\u{1B}[31mTown"
    static let tag = "t\u{1B}ag"
    static let participant = "P\u{202E}-3\u{8}"

    /// No raw ESC, BEL, C1 CSI, backspace or bidi override, and no bare CR.
    func expectNoRawControls(_ execution: Execution, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(execution.stdout.utf8)
        #expect(!bytes.contains(0x1B), "raw ESC in \(execution)", sourceLocation: sourceLocation)
        #expect(!bytes.contains(0x07), "raw BEL in \(execution)", sourceLocation: sourceLocation)
        #expect(!bytes.contains(0x08), "raw BS in \(execution)", sourceLocation: sourceLocation)
        let scalars = execution.stdout.unicodeScalars
        #expect(!scalars.contains("\u{9B}"), "raw CSI in \(execution)", sourceLocation: sourceLocation)
        #expect(!scalars.contains("\u{202E}"), "raw RLO in \(execution)", sourceLocation: sourceLocation)
        #expect(!execution.stdout.replacingOccurrences(of: "\r\n", with: "\n").contains("\r"), "bare CR in \(execution)",
                sourceLocation: sourceLocation)
    }

    @discardableResult
    func addHostileNote(_ store: TestStore) throws -> String {
        try store.add("--title", Self.title, "--body", Self.body, "--area", Self.area, "--new-area", "--tag", Self.tag,
                      "--participant", Self.participant, "--kind", "observation")
    }

    @Test func listAndSearchShowControlsEscapedAndAligned() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            try addHostileNote(store)
            try store.add("--title", "Plain", "--area", "Docks", "--new-area", "--body", "Line nothing")
            let list = try store.run("list")
            expectSuccess(list)
            expectNoRawControls(list)
            #expect(list.stdout.contains("Win\\u{1b}]0;pwned\\u{7}dow"))
            #expect(list.stdout.contains("Old\\u{1b}[31mTown"))
            #expect(list.stdout.contains("t\\u{1b}ag"))
            // Widths come from the escaped text: TITLE starts in the same column on every line.
            let lines = list.output.components(separatedBy: "\n")
            let column = try #require(lines.first?.range(of: "TITLE")).lowerBound.utf16Offset(in: lines[0])
            for line in lines.dropFirst() {
                #expect(line.utf16.count > column && line.utf16[line.utf16.index(line.utf16.startIndex, offsetBy: column - 1)] == 0x20
                        && line.utf16[line.utf16.index(line.utf16.startIndex, offsetBy: column)] != 0x20, "\(list)")
            }

            let search = try store.run("search", "line")
            expectSuccess(search)
            expectNoRawControls(search)
            #expect(search.stdout.contains("Win\\u{1b}]0;pwned\\u{7}dow"))
            #expect(search.stdout.contains("\\u{9b}31m") && search.stdout.contains("\\u{202e}desrever"))
        }
    }

    @Test func showEscapesFieldsAndKeepsTheBodysLines() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try addHostileNote(store)
            let shown = try store.run("show", id)
            expectSuccess(shown)
            expectNoRawControls(shown)
            #expect(shown.stdout.contains("Win\\u{1b}]0;pwned\\u{7}dow"))
            #expect(shown.stdout.contains("P\\u{202e}-3\\u{8}"))
            #expect(shown.stdout.contains("t\\u{1b}ag"))
            #expect(shown.output.hasSuffix("\n\nLine one\\u{1b}[2J\nline\ttwo\\u{9b}31m\r\nend \\u{202e}desrever"))

            // Scripts get the stored text exactly, with JSON's own escapes.
            let json = try store.run("show", id, "--format", "json")
            expectSuccess(json)
            #expect(!json.stdout.utf8.contains(0x1B) && !json.stdout.utf8.contains(0x07))
            #expect(json.stdout.contains("\\u001b]0;pwned\\u0007"))
            let note = try parseObject(json.stdout)
            #expect(note.string("title") == Self.title)
            #expect(note.string("body") == Self.body)
        }
    }

    @Test func conflictsShowAnotherDevicesControlsEscaped() throws {
        try Sandbox.with { sandbox in
            let alice = try sandbox.makeStore("alice.sqlite", device: "alice")
            let bob = try sandbox.makeStore("bob.sqlite", device: "bob")
            let id = try alice.add("--title", "Original")
            try ConflictsTests().deliver(from: alice, to: bob)
            expectSuccess(try alice.run("edit", id, "--title", "Alice\u{7}"))
            expectSuccess(try bob.run("edit", id, "--title", Self.title))
            try ConflictsTests().deliver(from: alice, to: bob)
            try ConflictsTests().deliver(from: bob, to: alice)
            for store in [alice, bob] {
                let conflicts = try store.run("conflicts")
                expectSuccess(conflicts)
                expectNoRawControls(conflicts)
                #expect(conflicts.stdout.contains("Win\\u{1b}]0;pwned\\u{7}dow") && conflicts.stdout.contains("Alice\\u{7}"))
                let shown = try store.run("show", id)
                expectSuccess(shown)
                expectNoRawControls(shown)
                #expect(shown.stdout.contains("Alice\\u{7}"))
            }
        }
    }

    @Test func statusShowsTheDeviceNameEscaped() throws {
        try Sandbox.with { sandbox in
            let path = sandbox.path("store.sqlite")
            let name = "field\u{1B}[2Jlaptop\u{202E}"
            expectSuccess(try sandbox.run(["--store", path, "init", "--name", name]),
                          stderr: "fieldnotes: created \(path) for 'field\\u{1b}[2Jlaptop\\u{202e}'")
            let status = try sandbox.run(["--store", path, "status"])
            expectSuccess(status)
            expectNoRawControls(status)
            #expect(status.stdout.contains("(field\\u{1b}[2Jlaptop\\u{202e})"))
        }
    }

    @Test func themeListAndInsightShowEscapeStoredText() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            expectSuccess(try store.run("theme", "add", "trans\u{1B}[8mport", "--description", "buses\u{9B}2J and \u{202E}trams"))
            let themes = try store.run("theme", "list")
            expectSuccess(themes)
            expectNoRawControls(themes)
            #expect(themes.stdout.contains("trans\\u{1b}[8mport") && themes.stdout.contains("buses\\u{9b}2J and \\u{202e}trams"))

            let note = try addHostileNote(store)
            let insight = try store.run("insight", "add", "--statement", "Buses\u{1B}[2J matter", "--evidence", note)
            expectSuccess(insight)
            let shown = try store.run("insight", "show", insight.output)
            expectSuccess(shown)
            expectNoRawControls(shown)
            #expect(shown.stdout.contains("Buses\\u{1b}[2J matter"))
            #expect(shown.stdout.contains("Win\\u{1b}]0;pwned\\u{7}dow") && shown.stdout.contains("\\u{202e}desrever"))
            let listed = try store.run("insight", "list")
            expectSuccess(listed)
            expectNoRawControls(listed)
        }
    }
}
