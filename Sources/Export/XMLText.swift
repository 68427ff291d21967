import CRDT
import Crypto

/// Escaping for XML 1.0 and HTML text. Characters XML 1.0 cannot hold at all
/// (most C0 controls, U+FFFE, U+FFFF) become U+FFFD, so one stray control
/// character in a note never makes the whole document unreadable.
enum XMLText {
    /// Text for element content.
    static func content(_ text: String) -> String { escape(text, attribute: false) }

    /// Text for a double-quoted attribute value: line ends and tabs are written
    /// as character references so attribute normalisation keeps them.
    static func attribute(_ text: String) -> String { escape(text, attribute: true) }

    private static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += attribute ? "&quot;" : "\""
            case "'": out += attribute ? "&#39;" : "'"
            case "\r": out += "&#13;"
            case "\n": out += attribute ? "&#10;" : "\n"
            case "\t": out += attribute ? "&#9;" : "\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// GUIDs for the REFI-QDA project, in the 8-4-4-4-12 form its schema requires.
/// A record's GUID is its own 128-bit id, so a QDA tool's objects trace back
/// to fieldnotes records; anything else (a selection, a case, a variable) gets
/// a name-based UUID (RFC 4122 version 5 layout, SHA-256 here rather than
/// SHA-1) of a fixed namespace string, so the same export gives the same GUIDs.
enum GUID {
    static func of(_ id: RecordID) -> String { format(id.bytes) }

    static func named(_ kind: String, _ key: String) -> String {
        let hash = SHA256()
        hash.update("fieldnotes/qdpx/\(kind)/\(key)")
        var bytes = Array(hash.finalize().prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x50
        bytes[8] = bytes[8] & 0x3F | 0x80
        return format(bytes)
    }

    static func format(_ bytes: [UInt8]) -> String {
        let hex = Array(Hex.encode(bytes).utf8)
        var out: [UInt8] = []
        for (index, byte) in hex.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
