import Glibc
import Store
import SystemCalls

/// What every command needs from the outside: the store path, the
/// environment, and the standard streams.
struct Context {
    /// `--store`, else `$FIELDNOTES_STORE`, else `$XDG_DATA_HOME/fieldnotes/store.sqlite`
    /// (`~/.local/share/fieldnotes/store.sqlite`).
    let storePath: String
    let storeWasDefaulted: Bool
    /// `--quiet`: no confirmations, progress or hints; errors, warnings and
    /// the data a command was asked for still print.
    let quiet: Bool

    init(storeOption: String?, quiet: Bool = false) {
        self.quiet = quiet
        if let storeOption {
            storePath = storeOption
            storeWasDefaulted = false
        } else if let env = Context.environment("FIELDNOTES_STORE"), !env.isEmpty {
            storePath = env
            storeWasDefaulted = false
        } else {
            let data = Context.environment("XDG_DATA_HOME").flatMap { $0.isEmpty ? nil : $0 }
                ?? ((Context.environment("HOME") ?? ".") + "/.local/share")
            storePath = data + "/fieldnotes/store.sqlite"
            storeWasDefaulted = true
        }
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Opens the store. A write waits for another process's transaction as
    /// long as it takes (an import of many notes can hold the store for
    /// minutes), and says on stderr what it is waiting for once the wait
    /// passes `Store.waitNoticeDelay`; Ctrl-C still stops it.
    func openStore() throws -> Store {
        let path = storePath, quiet = quiet
        return try Store.open(at: path, whileWaiting: {
            if !quiet { Output.standardError("fieldnotes: waiting for another program that is writing to \(path) (an import or a sync?); "
                                 + "this command goes on when it finishes, or press Ctrl-C to stop it") }
        })
    }

    var stdinIsTerminal: Bool { isatty(0) == 1 }
    var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Writes informational text to standard error (a confirmation or a
    /// hint) unless `--quiet`.
    /// Like `err`, one line with controls escaped.
    func info(_ text: String) {
        if !quiet { err(text) }
    }

    /// Writes to standard output (buffered; flushed at exit).
    func out(_ text: String) { print(text) }

    /// Writes text to standard output, through the same buffered stream as
    /// `out` (so the two keep their order), with no line break added: a long
    /// output written in pieces.
    func out(piece: String) { print(piece, terminator: "") }

    /// Writes a confirmation to standard output ("imported 12 notes") unless `--quiet`.
    func confirm(_ text: String) {
        if !quiet { out(text) }
    }

    /// Writes a line to standard error at once: errors and warnings, which
    /// `--quiet` keeps. One line, with every control shown escaped: a warning
    /// may quote stored text (a pseudonym, a name from another device).
    func err(_ text: String) { Output.standardError(TerminalText.escaped(text)) }
}

enum Output {
    /// Writes a line to standard error at once; a line that starts
    /// `fieldnotes: error:` or `fieldnotes: warning:` has that word in colour
    /// when standard error is a colour terminal (`Colour`). A closed standard
    /// error loses it.
    static func standardError(_ text: String) {
        var line = text
        for (word, style) in [("error", Colour.error), ("warning", Colour.warning)] where line.hasPrefix("fieldnotes: \(word):") {
            line = "fieldnotes: " + Colour.standardError.paint(word, style) + line.dropFirst("fieldnotes: \(word)".count)
        }
        try? Syscall.writeAll(2, Array((line + "\n").utf8))
    }

    /// The one-line error every failure ends with, whatever its message
    /// quotes (stored text, a peer's words): controls shown escaped.
    static func error(_ message: String) {
        standardError("fieldnotes: error: \(TerminalText.escaped(message))")
    }

    /// Reads all of standard input as bytes.
    static func readStandardInput() throws(Errno) -> [UInt8] {
        try Syscall.readToEnd(0)
    }

    /// Reads a whole file.
    static func readFile(_ path: String) throws(Errno) -> [UInt8] {
        let fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(fd) }
        return try Syscall.readToEnd(fd)
    }
}

/// Lines of aligned columns for people. The last column is not padded.
/// Every cell is shown through `TerminalText.escaped`, and the widths are
/// those of the escaped text.
struct Table {
    let headers: [String]
    private(set) var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }
    init(headers: [String]) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(row cells: [String]) { rows.append(cells) }

    /// The table as text; with `colour` (standard output is a colour
    /// terminal, by default) the header is bold and the ID column dim.
    func render(colour: Colour = .standardOutput) -> String {
        let headers = headers.map { TerminalText.escaped($0) }
        let rows = rows.map { $0.map { TerminalText.escaped($0) } }
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        let idColumn = headers.firstIndex(of: "ID")
        func line(_ cells: [String], header: Bool) -> String {
            var out = ""
            for (index, cell) in cells.enumerated() {
                // Padding is added to the plain text, so colour never shifts a column.
                let shown = header ? colour.paint(cell, Colour.bold) : index == idColumn ? colour.paint(cell, Colour.dim) : cell
                if index == cells.count - 1 { out += shown } else { out += shown + String(repeating: " ", count: widths[index] - cell.count + 2) }
            }
            return out
        }
        return ([line(headers, header: true)] + rows.map { line($0, header: false) }).joined(separator: "\n")
    }
}

extension String {
    /// At most `limit` characters on one line, with an ellipsis when cut.
    func clipped(_ limit: Int) -> String {
        let flat = self.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}
