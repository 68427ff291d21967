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
            let clean = cleanPrefix(bytes, attribute: attribute)
            guard clean < bytes.count else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            out.append(contentsOf: bytes[0 ..< clean])
            appendEscaped(bytes, from: clean, attribute: attribute, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        return escaped ?? text
    }

    /// Appends `text` escaped (as `content` or `attribute` would) to `out`, with no string made on the way.
    static func append(_ text: String, attribute: Bool, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            let clean = cleanPrefix(bytes, attribute: attribute)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0 ..< clean]))
            if clean < bytes.count { appendEscaped(bytes, from: clean, attribute: attribute, to: &out) }
        }
    }

    /// Bytes that may need escaping: 1 for content, 2 for attributes only (quotes).
    /// C0 controls, `&`, `<`, `>`, and 0xEF (the lead byte of U+FFFE and U+FFFF).
    private static let special: [UInt8] = (0 ..< 256).map { byte in
        if byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0xEF { return 1 }
        return byte == 0x22 || byte == 0x27 ? 2 : 0
    }

    /// How many bytes at the start of `bytes` are written as they are.
    private static func cleanPrefix(_ bytes: UnsafeBufferPointer<UInt8>, attribute: Bool) -> Int {
        let table = special
        let limit: UInt8 = attribute ? 2 : 1
        var index = 0
        while index < bytes.count {
            let kind = table[Int(bytes[index])]
            if kind != 0 && kind <= limit { break }
            index += 1
        }
        return index
    }

    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, attribute: Bool, to out: inout [UInt8]) {
        var index = start
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
        // The same bytes as "fieldnotes/qdpx/\(kind)/\(key)", with no string made for them.
        let hash = SHA256()
        hash.update("fieldnotes/qdpx/")
        hash.update(kind)
        hash.update("/")
        hash.update(key)
        var bytes = hash.finalize()
        bytes.removeLast(bytes.count - 16)
        bytes[6] = bytes[6] & 0x0F | 0x50
        bytes[8] = bytes[8] & 0x3F | 0x80
        return format(bytes)
    }

    /// Lowercase hex, with a dash before the 5th, 7th, 9th and 11th byte's
    /// digits; written straight into one buffer (a project makes several per note).
    static func format(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2 + 4)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let digits = Array("0123456789abcdef".utf8)
}
