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

    /// Works on the UTF-8 bytes (a valid string's bytes, so byte by byte is
    /// scalar by scalar for what is escaped): text with nothing to escape,
    /// most of it, is returned as it is without being copied.
    private static func escape(_ text: String, attribute: Bool) -> String {
        var text = text
        let escaped: String? = text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0xEF || (attribute && (byte == 0x22 || byte == 0x27)) { break }
                index += 1
            }
            guard index < bytes.count else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            out.append(contentsOf: bytes[0 ..< index])
            let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x26: out += Array("&amp;".utf8)
                case 0x3C: out += Array("&lt;".utf8)
                case 0x3E: out += Array("&gt;".utf8)
                case 0x22 where attribute: out += Array("&quot;".utf8)
                case 0x27 where attribute: out += Array("&#39;".utf8)
                case 0x0D: out += Array("&#13;".utf8)
                case 0x0A where attribute: out += Array("&#10;".utf8)
                case 0x09 where attribute: out += Array("&#9;".utf8)
                case 0x0A, 0x09: out.append(byte)
                case 0xEF where index + 1 < bytes.count && bytes[index] == 0xBF && (bytes[index + 1] == 0xBE || bytes[index + 1] == 0xBF):
                    // U+FFFE and U+FFFF, which XML 1.0 cannot hold.
                    out += replacement
                    index += 2
                default:
                    if byte < 0x20 { out += replacement } else { out.append(byte) }
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return escaped ?? text
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
