import Foundation
import Testing

/// `fieldnotes man`: the roff page, generated from the declarations `--help`
/// prints. Checked without groff or man (neither is on the README's install line).
@Suite("man page")
struct ManPageTests {
    /// The macros the page may use (man(7)).
    static let macros: Set<String> = ["TH", "SH", "SS", "PP", "TP", "B", "BI", "BR", "I", "nf", "fi", "br"]

    static func roff(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "\\-") }

    @Test func everyCommandAndOptionIsInThePage() throws {
        try Sandbox.with { sandbox in
            let page = try sandbox.run(["man"])
            expectSuccess(page)
            let listed = HelpTests.listedCommands(try sandbox.run(["--help"]).stdout)
            #expect(listed.count > 50)
            let sections = page.stdout.components(separatedBy: "\n.SS ")
            for command in listed {
                let section = try #require(sections.first { $0.hasPrefix("\"\(Self.roff(command))\"\n") }, "no section for \(command)")
                let help = try sandbox.run(command.split(separator: " ").map(String.init) + ["--help"])
                let usage = try #require(help.stdout.components(separatedBy: "\n").first { $0.hasPrefix("Usage: ") })
                #expect(section.contains(".nf\n" + Self.roff(String(usage.dropFirst("Usage: ".count))) + "\n.fi"), "\(command)'s usage")
                for option in try CompletionTests.helpOptions(sandbox, command) where option != "--help" {
                    #expect(section.contains("\\fB" + Self.roff(option) + "\\fR"), "\(command) lacks \(option)")
                }
            }
            #expect(page.stdout.contains(".SH GLOBAL OPTIONS\n.TP\n.BI \\-\\-store \" PATH\"") && page.stdout.contains(".B \\-\\-quiet\n"),
                    "the global options --store and --quiet")
            #expect(!page.stdout.contains("__complete"))
            #expect(page.stdout.contains("\\fB\\-\\-listen\\fR \\fIHOST:PORT\\fR"))
        }
    }

    @Test func pageIsWellFormedRoff() throws {
        try Sandbox.with { sandbox in
            let page = try sandbox.run(["man"])
            expectSuccess(page)
            let lines = page.output.components(separatedBy: "\n")
            let body = lines.filter { !$0.hasPrefix(".\\\"") }
            #expect(body.first?.hasPrefix(".TH FIELDNOTES 1 \"\" \"fieldnotes ") == true)
            let headings = body.filter { $0.hasPrefix(".SH ") }
            #expect(headings == [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH GLOBAL OPTIONS", ".SH COMMANDS",
                                 ".SH ENVIRONMENT", ".SH FILES", ".SH EXIT STATUS", ".SH SEE ALSO"])
            let name = try #require(body.firstIndex(of: ".SH NAME"))
            #expect(body[name + 1].hasPrefix("fieldnotes \\- "), "NAME must be 'fieldnotes \\- summary' for whatis")
            var filled = true
            for line in body {
                #expect(!line.hasPrefix("'"), "a line starting with a quote is a control line: \(line)")
                if line.hasPrefix(".") {
                    let macro = String(line.dropFirst().prefix { $0 != " " })
                    #expect(Self.macros.contains(macro), "unknown macro: \(line)")
                    if macro == "nf" { #expect(filled, "nested .nf"); filled = false }
                    if macro == "fi" { #expect(!filled, ".fi without .nf"); filled = true }
                    #expect(line.filter { $0 == "\"" }.count % 2 == 0, "unbalanced quotes: \(line)")
                }
                // Every escape is one the page means: \- \e \& \fB \fI \fR, \[uXXXX] for non-ASCII.
                var rest = Substring(line)
                while let slash = rest.firstIndex(of: "\\") {
                    let after = rest[rest.index(after: slash)...]
                    let known = ["-", "e", "&", "fB", "fI", "fR"].contains { after.hasPrefix($0) }
                        || after.prefixMatch(of: #/\[u[0-9A-F]{4,6}\]/#) != nil
                    #expect(known, "unexpected escape in: \(line)")
                    rest = after.dropFirst()
                }
            }
            #expect(filled, ".nf without .fi")
            // A backslash in the declarations is shown as \e, never passed to roff raw; the page is ASCII.
            #expect(!page.stdout.contains("\\\\"))
            #expect(page.stdout.unicodeScalars.allSatisfy { $0.isASCII })
        }
    }
}
