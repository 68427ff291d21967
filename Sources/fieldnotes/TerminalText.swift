import Glibc

/// Stored text made safe to print for people. Notes arrive from every
/// colleague's device, so a title may hold an escape sequence that would
/// retitle the window, clear the screen or reverse the line; it is shown
/// escaped instead, in every table and prompt.
///
/// Escaped, as Swift writes them: `\n`, `\r`, `\t`, and `\u{hex}` for every
/// other C0 control, DEL, C1 control (U+0080–U+009F) and bidirectional or
/// line-breaking format character (U+061C, U+200E, U+200F, U+2028–U+202E,
/// U+2066–U+2069). A backslash already in the text is left as it is.
/// `--format json` output is not passed through here: JSON escapes C0 itself.
enum TerminalText {
    /// `text` with every control shown escaped. With `keepingLineBreaks` (a
    /// note's body printed as a block), newlines, tabs and CR LF pairs stay as
    /// they are; every other control is still escaped.
    static func escaped(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            guard isControl(scalar) else { out.append(scalar); continue }
            if keepingLineBreaks, scalar == "\n" || scalar == "\t"
                || (scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n") {
                out.append(scalar)
                continue
            }
            out.append(contentsOf: escape(scalar).unicodeScalars)
        }
        return String(out)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: return "\\u{" + String(scalar.value, radix: 16) + "}"
        }
    }
}

/// Whether text for people gets colour, decided in this one place: only on
/// a terminal, never when `NO_COLOR` is set and not empty
/// (https://no-color.org) nor when `TERM` is `dumb`. Used sparingly: table
/// headers bold, ids dim, the words "error" and "warning" in colour.
struct Colour {
    let enabled: Bool

    static let standardOutput = Colour(enabled: wanted(descriptor: 1))
    static let standardError = Colour(enabled: wanted(descriptor: 2))

    static let bold = "1", dim = "2", error = "1;31", warning = "33"

    static func wanted(descriptor: Int32) -> Bool {
        guard isatty(descriptor) == 1 else { return false }
        if let noColour = Context.environment("NO_COLOR"), !noColour.isEmpty { return false }
        return Context.environment("TERM") != "dumb"
    }

    /// `text` in the SGR style `code` (e.g. "1" bold), or as it is when colour is off.
    func paint(_ text: String, _ code: String) -> String {
        enabled && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
