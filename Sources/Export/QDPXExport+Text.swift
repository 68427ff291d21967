import CRDT

// The texts and names of a REFI-QDA project as QualCoder reads them: source
// text with LF line ends, positions in code points, and names it can keep
// unique and write as file names.
extension QDPXExport {
    /// The text of a note's source, with LF line ends: nothing for a note
    /// whose text is withheld.
    static func sourceText(_ note: VisibleRecord, withheld: Bool) -> String {
        guard !withheld else { return "" }
        let title = note.value("title")?.text ?? ""
        let body = note.value("body")?.text ?? ""
        return lineFeeds(body.isEmpty ? title : title + "\n\n" + body)
    }

    /// Where the body starts in a note's source text: after the title and a blank line.
    static func bodyOffset(_ note: VisibleRecord) -> Int { lineFeeds(note.value("title")?.text ?? "").unicodeScalars.count + 2 }

    /// `text` with every CRLF and lone CR as LF. QualCoder reads a source's
    /// file in Python's universal-newlines mode, which does this, so positions
    /// counted on the stored line ends would drift by one at each CRLF.
    static func lineFeeds(_ text: String) -> String {
        guard text.utf8.contains(0x0D) else { return text }
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            if scalar == "\n", previous == "\r" {
                previous = scalar
                continue
            }
            out.append(scalar == "\r" ? "\n" : scalar)
            previous = scalar
        }
        return String(out)
    }

    /// An offset in `scalars` moved to where it stands in `lineFeeds` of them:
    /// back by one for each CRLF that ends before it.
    static func lineFeedOffset(_ offset: Int, in scalars: [Unicode.Scalar]) -> Int {
        var pairs = 0
        var index = 1
        while index < offset, index < scalars.count {
            if scalars[index] == "\n", scalars[index - 1] == "\r" { pairs += 1 }
            index += 1
        }
        return offset - pairs
    }

    /// REFI-QDA positions count characters from 0, the end being the position
    /// after the last one; fieldnotes counts Unicode code points (scalars), as
    /// QualCoder's Python strings do. A whole-text selection is 0..<scalars.
    /// (Counted on the UTF-8 bytes: each scalar has one byte that is not a continuation byte, 10xxxxxx.)
    static func selectionEnd(_ text: String) -> Int { text.utf8.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } }

    /// A source's name: its title on one line, at most 100 characters, with
    /// no path separator (QualCoder copies each source to a file of that name).
    static func sourceName(_ note: VisibleRecord, withheld: Bool) -> String {
        if withheld { return "Note \(note.id.short) (text withheld: consent \(note.value("consent")?.text ?? ""))" }
        let clippedTitle = clipped(note.value("title")?.text ?? "", 100)
        let title = trimmed(clippedTitle)
        guard !title.isEmpty else { return "Note \(note.id.short)" }
        guard title.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }) else { return title }
        return String(String.UnicodeScalarView(title.unicodeScalars.map { $0 == "/" ? "\u{2215}" : $0 == "\\" ? "\u{2216}" : $0 }))
    }

    /// True when `trimmingSpaces` would leave `text` as it is, known from its
    /// first and last bytes alone: a printable ASCII character at each end, or
    /// the "…" `clipped` ends with (so most titles skip the walk by Character).
    static func endsAreNotSpaces(_ text: String) -> Bool {
        guard let first = text.utf8.first, let last = text.utf8.last else { return false }
        func printable(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
        // "…" is U+2026, E2 80 A6 in UTF-8.
        return printable(first) && (printable(last) || text.utf8.reversed().starts(with: [0xA6, 0x80, 0xE2]))
    }

    /// `text.trimmingSpaces`, without its walk by Character when the ends show there is nothing to trim.
    static func trimmed(_ text: String) -> String { endsAreNotSpaces(text) ? text : text.trimmingSpaces }

    /// `text.lowercased()`, with no Unicode case tables for the usual name:
    /// ASCII letters lowered byte by byte, and other characters kept where
    /// lowercasing leaves them as they are (such as "…"). A name with a
    /// character that lowercasing changes goes to `lowercased()` itself.
    static func lowered(_ text: String) -> String {
        if text.utf8.contains(where: { $0 >= 0x80 }), text.unicodeScalars.contains(where: { !$0.isASCII && $0.properties.changesWhenLowercased }) { return text.lowercased() }
        guard text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return text }
        return String(decoding: text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// `names` made unique ignoring case, as QualCoder needs (its names are
    /// unique columns, and file names): each name that several share gets
    /// its tag, as "name (tag)"; a clash that leaves gets a number.
    static func unique(_ names: [String], tags: [String]) -> [String] {
        var count: [String: Int] = [:]
        let lowered = names.map { QDPXExport.lowered($0) }
        for name in lowered { count[name, default: 0] += 1 }
        var seen: Set<String> = []
        var result: [String] = []
        result.reserveCapacity(names.count)
        for (index, (name, tag)) in zip(names, tags).enumerated() {
            let repeated = (count[lowered[index]] ?? 0) > 1
            let wanted = repeated ? "\(name) (\(tag))" : name
            var candidate = wanted
            var key = repeated ? QDPXExport.lowered(candidate) : lowered[index]
            var number = 2
            while seen.contains(key) {
                candidate = "\(wanted) (\(number))"
                key = QDPXExport.lowered(candidate)
                number += 1
            }
            seen.insert(key)
            result.append(candidate)
        }
        return result
    }

    static func clipped(_ text: String, _ limit: Int) -> String {
        // Printable ASCII and tabs (most titles): no line breaks, and each character one byte.
        if text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) {
            return text.utf8.count <= limit ? text : String(decoding: text.utf8.prefix(limit - 1), as: UTF8.self) + "…"
        }
        let flat = text.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}
