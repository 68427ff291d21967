/// A strict RFC 8259 JSON parser, so `import` can name the line and column
/// of a mistake. Object keys keep their order (a repeated key is kept
/// twice, as written); numbers keep their text, so a 64-bit integer is exact.
/// Nesting deeper than 64 arrays and objects is refused, so a hostile text
/// cannot exhaust the stack.
public struct JSONParser {
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public let offset: Int
        public var description: String { "\(message) at byte \(offset + 1)" }
    }

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    /// Parses one JSON text; trailing white space is allowed, anything else is not.
    public static func parse(_ text: String) throws -> JSON {
        var parser = JSONParser(bytes: Array(text.utf8))
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func failure(_ message: String) -> Failure { Failure(message: message, offset: index) }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func literal(_ word: String, _ value: JSON) throws -> JSON {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw failure("invalid JSON value")
        }
        index += expected.count
        return value
    }

    private mutating func value() throws -> JSON {
        guard index < bytes.count else { throw failure("unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    private mutating func nested<T>(_ body: (inout JSONParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw failure("JSON nested too deeply") }
        return try body(&self)
    }

    private mutating func object() throws -> JSON {
        try nested { parser in
            parser.index += 1
            var members: [(String, JSON)] = []
            parser.skipSpace()
            if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "}") {
                parser.index += 1
                return .object(members)
            }
            while true {
                parser.skipSpace()
                guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") else {
                    throw parser.failure("expected a quoted key")
                }
                let key = try parser.string()
                parser.skipSpace()
                guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: ":") else {
                    throw parser.failure("expected ':' after a key")
                }
                parser.index += 1
                parser.skipSpace()
                members.append((key, try parser.value()))
                parser.skipSpace()
                guard parser.index < parser.bytes.count else { throw parser.failure("unexpected end of JSON") }
                if parser.bytes[parser.index] == UInt8(ascii: ",") { parser.index += 1; continue }
                if parser.bytes[parser.index] == UInt8(ascii: "}") { parser.index += 1; return .object(members) }
                throw parser.failure("expected ',' or '}'")
            }
        }
    }

    private mutating func array() throws -> JSON {
        try nested { parser in
            parser.index += 1
            var items: [JSON] = []
            parser.skipSpace()
            if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "]") {
                parser.index += 1
                return .array(items)
            }
            while true {
                parser.skipSpace()
                items.append(try parser.value())
                parser.skipSpace()
                guard parser.index < parser.bytes.count else { throw parser.failure("unexpected end of JSON") }
                if parser.bytes[parser.index] == UInt8(ascii: ",") { parser.index += 1; continue }
                if parser.bytes[parser.index] == UInt8(ascii: "]") { parser.index += 1; return .array(items) }
                throw parser.failure("expected ',' or ']'")
            }
        }
    }

    private mutating func string() throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var run = index
        var raw: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                raw += bytes[run..<index]
                index += 1
                break
            }
            if byte < 0x20 { throw failure("control character in a string") }
            if byte != UInt8(ascii: "\\") { index += 1; continue }
            raw += bytes[run..<index]
            index += 1
            guard index < bytes.count else { throw failure("unterminated string") }
            let escape = bytes[index]
            index += 1
            var decoded: [UInt8]
            switch escape {
            case UInt8(ascii: "\""): decoded = [0x22]
            case UInt8(ascii: "\\"): decoded = [0x5C]
            case UInt8(ascii: "/"): decoded = [0x2F]
            case UInt8(ascii: "b"): decoded = [0x08]
            case UInt8(ascii: "f"): decoded = [0x0C]
            case UInt8(ascii: "n"): decoded = [0x0A]
            case UInt8(ascii: "r"): decoded = [0x0D]
            case UInt8(ascii: "t"): decoded = [0x09]
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired surrogate in a string")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate in a string") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
                decoded = Array(String(scalar).utf8)
            default: throw failure("invalid escape in a string")
            }
            raw += decoded
            run = index
        }
        guard let text = String(validating: raw, as: UTF8.self) else { throw failure("string is not UTF-8") }
        scalars.append(contentsOf: text.unicodeScalars)
        return String(scalars)
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            guard let digit = JSONParser.nibble(byte) else { throw failure("invalid \\u escape") }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    private mutating func number() throws -> JSON {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            return index - from
        }
        let integer = digits()
        guard integer > 0 else { throw failure("invalid JSON value") }
        if integer > 1, bytes[index - integer] == 48 { throw failure("leading zero in a number") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw failure("digits expected after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw failure("digits expected in an exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let number = Double(text), number.isFinite else { throw failure("number out of range") }
        return .number(JSON.Number(checked: text))
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
