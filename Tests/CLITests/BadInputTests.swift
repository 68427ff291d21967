import Foundation
import Testing

/// A command line that must fail: one `fieldnotes: error:` line on stderr,
/// the exit status given, and the store's digest unchanged.
struct BadInput: CustomStringConvertible, Sendable {
    /// `{id}` stands for an existing note's id, `{dir}` for the sandbox.
    let arguments: [String]
    let status: Int32
    let mentioning: [String]
    var stdin = ""

    init(_ arguments: [String], _ status: Int32, _ mentioning: String..., stdin: String = "") {
        self.arguments = arguments
        self.status = status
        self.mentioning = mentioning
        self.stdin = stdin
    }

    var description: String { arguments.joined(separator: " ") }
}

@Suite("bad input")
struct BadInputTests {
    static let usageErrors = [
        BadInput(["frobnicate"], 2, "unknown command 'frobnicate'", "fieldnotes --help"),
        BadInput(["add", "--title", "x", "--frob"], 2, "unknown option '--frob'", "fieldnotes add --help"),
        BadInput(["list", "-x"], 2, "unknown option '-x'"),
        BadInput(["add", "--title"], 2, "--title needs a value"),
        BadInput(["edit", "{id}", "--area"], 2, "--area needs a value"),
        BadInput(["show"], 2, "needs ID"),
        BadInput(["edit"], 2, "needs ID"),
        BadInput(["search"], 2, "needs QUERY"),
        BadInput(["add", "--title", "a", "--title", "b"], 2, "--title was given twice"),
        BadInput(["list", "--kind", "interview", "--kind", "observation"], 2, "--kind was given twice"),
        BadInput(["show", "{id}", "extra"], 2, "unexpected argument 'extra'"),
        BadInput(["delete", "--yes", "{id}"], 2, "unknown option '--yes'"),
        BadInput(["erase", "{id}", "--yes=please", "--reason", "r"], 2, "--yes takes no value"),
        BadInput(["show", "{id}", "--format", "xml"], 2, "--format", "xml"),
        BadInput(["add", "--title", "x", "--measure", "ucla3"], 2, "NAME=VALUE"),
        BadInput(["add", "--title", "x", "--measure", "=4"], 2, "NAME=VALUE"),
        BadInput(["status", "--store"], 2, "--store needs a value"),
    ]

    static let otherErrors = [
        BadInput(["add", "--title", "x", "--at", "2026-13-01"], 1, "2026-13-01", "ISO 8601"),
        BadInput(["add", "--title", "x", "--at", "2026-02-29"], 1, "2026-02-29"),
        BadInput(["add", "--title", "x", "--at", "yesterday"], 1, "yesterday"),
        BadInput(["add", "--title", "x", "--at", "2026-01-01T25:00"], 1, "2026-01-01T25:00"),
        BadInput(["edit", "{id}", "--at", "20260101"], 1, "20260101"),
        BadInput(["list", "--since", "soon"], 1, "soon"),
        BadInput(["show", "0123456789abcdef0123456789abcdef"], 1, "no record matches", "fieldnotes list"),
        BadInput(["edit", "fedcba", "--title", "x"], 1, "no record matches"),
        BadInput(["erase", "fedcba9876", "--reason", "r", "--yes"], 1, "no record matches"),
        BadInput(["show", "abcde"], 1, "'abcde' is not a record id", "6 hex digits"),
        BadInput(["show", "nothex"], 1, "not a record id"),
        BadInput(["show", "0123456789abcdef0123456789abcdef0"], 1, "not a record id"),
        BadInput(["add", "--title", "x", "--measure", "ucla3=10"], 1, "ucla3=10", "3 to 9"),
        BadInput(["add", "--title", "x", "--measure", "ucla3=2"], 1, "ucla3=2"),
        BadInput(["add", "--title", "x", "--measure", "ons_lonely=0"], 1, "ons_lonely=0", "1 to 5"),
        BadInput(["add", "--title", "x", "--measure", "ons_lonely=6"], 1, "ons_lonely=6"),
        BadInput(["add", "--title", "x", "--measure", "ucla3=4.5"], 1, "ucla3=4.5", "whole number"),
        BadInput(["add", "--title", "x", "--measure", "UCLA3=12"], 1, "UCLA3=12"),
        BadInput(["edit", "{id}", "--measure", "ons_lonely=-1"], 1, "ons_lonely=-1"),
        BadInput(["add", "--title", "x", "--measure", "steps=many"], 1, "not a number"),
        BadInput(["add", "--title", "x", "--measure", "steps=nan"], 1, "not a number"),
        BadInput(["add", "--title", "x", "--measure", "steps=inf"], 1, "not a number"),
        BadInput(["add", "--title", "x", "--kind", "party"], 1, "unknown kind 'party'", "interview"),
        BadInput(["edit", "{id}", "--kind", "interviews"], 1, "unknown kind"),
        BadInput(["add", "--title", "x", "--consent", "maybe"], 1, "unknown consent 'maybe'", "given"),
        BadInput(["edit", "{id}", "--consent", ""], 1, "consent"),
        BadInput(["add", "--title", "x", "--area", "  "], 1, "area"),
        BadInput(["add", "--title", "x", "--tag", ""], 1, "tag"),
        BadInput(["add", "--title", "x", "--body-file", "{dir}/missing.txt"], 1, "missing.txt", "No such file"),
        BadInput(["edit", "{id}", "--body-file", "{dir}"], 1, "cannot read"),
        BadInput(["add", "--title", "x", "--body-file", "{dir}/latin1.txt"], 1, "latin1.txt", "UTF-8"),
        BadInput(["edit", "{id}", "--body-file", "{dir}/latin1.txt"], 1, "UTF-8"),
        BadInput(["add", "--title", "x"], 1, "UTF-8", stdin: "\u{FFFF}"),
        BadInput(["search", " \t "], 1, "empty"),
    ]

    @Test(arguments: usageErrors + otherErrors)
    func badInputFailsWithOneLineAndLeavesTheStoreAlone(_ bad: BadInput) throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let id = try store.add("--title", "Existing", "--body", "Untouched")
            try sandbox.write("latin1.txt", Data([0x63, 0x61, 0x66, 0xFF, 0xFE, 0x0A]))
            let digest = try store.digest()
            let arguments = bad.arguments.map {
                $0.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{dir}", with: sandbox.directory.path)
            }
            // "\u{FFFF}" stands for bytes that are not UTF-8.
            let stdin = bad.stdin == "\u{FFFF}" ? Data([0xFF, 0xFE, 0x00, 0xC3]) : Data(bad.stdin.utf8)
            let failed = try store.run(arguments, stdin: stdin)
            expectFailure(failed, status: bad.status, mentioning: bad.mentioning)
            if bad.status == 2 {
                #expect(failed.stderr.contains("; see 'fieldnotes"), "a usage error points to --help: \(failed)")
            }
            #expect(try store.digest() == digest)
            #expect(try store.listIDs() == [id])
        }
    }
}
