/// A JSON value (RFC 8259) with object keys in order, so `--format json`
/// output and exports have stable key order, and numbers kept as their text,
/// so a 64-bit integer survives exactly (a Double holds only 53 bits).
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Number)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// A finite number as `format` writes it; NaN and the infinities, which
    /// JSON lacks, as null.
    public static func number(_ value: Double) -> JSON { Number(value).map(JSON.number) ?? .null }

    /// An integer exactly, whatever its width.
    public static func number(_ value: some BinaryInteger) -> JSON { .number(Number(value)) }

    /// Two values are equal when they would print the same text: the same
    /// number text (`1` is not `1.0`), strings scalar for scalar (no Unicode
    /// normalisation), object members in the same order.
    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0.unicodeScalars.elementsEqual($1.0.unicodeScalars) && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value of the first member named `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var numberValue: Number? {
        if case .number(let number) = self { return number }
        return nil
    }
}

extension JSON {
    /// A JSON number as its text: an integer of any width exactly, a Double
    /// as `JSON.format` writes it, a parsed number exactly as it was written.
    public struct Number: Sendable, Hashable, CustomStringConvertible {
        /// RFC 8259 number text, finite when read as a Double.
        public let text: String

        /// The number `text` spells, if it is an RFC 8259 number (no `+`, no
        /// leading zeros, digits after a point) that is finite as a Double.
        public init?(text: String) {
            guard Number.isLiteral(Array(text.utf8)), let value = Double(text), value.isFinite else { return nil }
            self.text = text
        }

        public init(_ value: some BinaryInteger) { text = String(value) }

        /// A finite Double as `JSON.format` writes it; nil for NaN and the infinities.
        public init?(_ value: Double) {
            guard value.isFinite else { return nil }
            text = JSON.format(value)
        }

        init(checked text: String) { self.text = text }

        /// The nearest Double (always finite).
        public var double: Double { Double(text) ?? 0 }
        /// The value as a 64-bit signed integer, if the text is a whole number written without a point or exponent that fits.
        public var int64: Int64? { Int64(text) }
        /// The value as a 64-bit unsigned integer, if the text is a whole number written without a point or exponent that fits.
        public var uint64: UInt64? { UInt64(text) }

        public var description: String { text }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, the whole of `bytes`.
        static func isLiteral(_ bytes: [UInt8]) -> Bool {
            var index = 0
            func digits() -> Int {
                let start = index
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
                return index - start
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integer = digits()
            guard integer > 0, integer == 1 || bytes[index - integer] != 48 else { return false }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return false }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return false }
            }
            return index == bytes.count
        }
    }
}

extension JSON {
    /// Compact JSON text (RFC 8259): no white space between tokens.
    public func serialized() -> String {
        var out: [UInt8] = []
        write(to: &out, pretty: false, inlineWidth: 0, depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `serialized()`'s text to `out` as UTF-8, with no string of its own made first.
    public func serialize(into out: inout [UInt8]) {
        write(to: &out, pretty: false, inlineWidth: 0, depth: 0)
    }

    /// Indented JSON text for people: two spaces a level, `": "` after a key.
    /// An array or object whose one-line form (`[1, 2]`, `{"a": 1}`) is at
    /// most `inlineWidth` characters stays on one line; with the default 0,
    /// every non-empty one is broken over lines.
    public func pretty(inlineWidth: Int = 0) -> String {
        var out: [UInt8] = []
        write(to: &out, pretty: true, inlineWidth: inlineWidth, depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// `JSON.array(elements.map(transform)).pretty()` as UTF-8, the same
    /// text, with each element made and written in turn and the text handed
    /// to `emit` in pieces of about `chunkSize` bytes (the last one shorter),
    /// each ending between elements: a list of thousands of records never
    /// holds every record's tree, nor the whole text, at once.
    public static func prettyArray<S: Sequence>(_ elements: S, chunkSize: Int = 1 << 16, emit: ([UInt8]) throws -> Void,
                                                _ transform: (S.Element) throws -> JSON) rethrows {
        var writer = PrettyArrayWriter(chunkSize: chunkSize)
        for element in elements {
            if let piece = writer.append(try transform(element)) { try emit(piece) }
        }
        try emit(writer.finish())
    }

    /// `prettyArray`'s text made one element at a time: `append` each
    /// element, passing on each piece it returns, then `finish` for the last
    /// piece. The pieces, joined, are `JSON.array(elements).pretty()`.
    public struct PrettyArrayWriter: Sendable {
        private let chunkSize: Int
        private var out: [UInt8] = []
        private var first = true

        public init(chunkSize: Int = 1 << 16) {
            self.chunkSize = chunkSize
            out.reserveCapacity(chunkSize + chunkSize / 4)
        }

        /// Writes `element`; returns the text so far once it reaches `chunkSize` bytes.
        public mutating func append(_ element: JSON) -> [UInt8]? {
            out.append(first ? UInt8(ascii: "[") : UInt8(ascii: ","))
            first = false
            JSON.newline(&out, true, 1)
            element.write(to: &out, pretty: true, inlineWidth: 0, depth: 1)
            guard out.count >= chunkSize else { return nil }
            defer { out.removeAll(keepingCapacity: true) }
            return out
        }

        /// The rest of the text, closing the array.
        public mutating func finish() -> [UInt8] {
            if first {
                out += "[]".utf8
            } else {
                JSON.newline(&out, true, 0)
                out.append(UInt8(ascii: "]"))
            }
            defer { out = [] }
            return out
        }
    }

    /// Writes the text as UTF-8 bytes: appending to a byte array costs a
    /// copy, where appending to a String also updated its counts and flags
    /// on every call (most of `list --format json`'s time in writing).
    private func write(to out: inout [UInt8], pretty: Bool, inlineWidth: Int, depth: Int) {
        if pretty, inlineWidth > 0, let line = oneLine(within: inlineWidth) {
            out += line.utf8
            return
        }
        switch self {
        case .null: out += "null".utf8
        case .bool(let bool): out += (bool ? "true" : "false").utf8
        case .number(let number): out += number.text.utf8
        case .string(let string): JSON.quote(string, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, pretty, depth + 1)
                item.write(to: &out, pretty: pretty, inlineWidth: inlineWidth, depth: depth + 1)
            }
            JSON.newline(&out, pretty, depth)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, pretty, depth + 1)
                JSON.quote(key, into: &out)
                out += (pretty ? ": " : ":").utf8
                value.write(to: &out, pretty: pretty, inlineWidth: inlineWidth, depth: depth + 1)
            }
            JSON.newline(&out, pretty, depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A line break and two spaces a level, when pretty.
    private static func newline(_ out: inout [UInt8], _ pretty: Bool, _ depth: Int) {
        guard pretty else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    /// The value on one line with `", "` and `": "` between tokens, or nil
    /// once it passes `limit` characters (so a large value costs little).
    private func oneLine(within limit: Int) -> String? {
        var out = ""
        func append(_ value: JSON) -> Bool {
            switch value {
            case .array(let items):
                out += "["
                for (index, item) in items.enumerated() {
                    if index > 0 { out += ", " }
                    guard append(item) else { return false }
                }
                out += "]"
            case .object(let members):
                out += "{"
                for (index, (key, item)) in members.enumerated() {
                    if index > 0 { out += ", " }
                    JSON.quote(key, into: &out)
                    out += ": "
                    guard append(item) else { return false }
                }
                out += "}"
            default:
                out += value.serialized()
            }
            return out.count <= limit
        }
        return append(self) ? out : nil
    }

    /// A Double as JSON text: a whole number below 10^15 without a fraction
    /// (`7`, not `7.0`), any other finite number as Swift's shortest
    /// round-trip form, and NaN or an infinity, which JSON lacks, as `null`.
    public static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return "\(number)"
    }

    /// Whether `string` holds a byte below 0x20, `"`, `\\`, or U+2028 or U+2029.
    /// Other text starting E2 80 (`…`, `–`, `’`) is written as it is.
    static func needsEscape(_ string: String) -> Bool {
        // Read in place (no copy unless the string is not native UTF-8).
        var string = string
        return string.withUTF8 { bytes in
            for index in bytes.indices {
                let byte = bytes[index]
                if byte < 0x20 || byte == 0x22 || byte == 0x5C { return true }
                if (byte == 0xA8 || byte == 0xA9) && index >= 2 && bytes[index - 2] == 0xE2 && bytes[index - 1] == 0x80 { return true }
            }
            return false
        }
    }

    /// `string` as a JSON string: `"` and `\` escaped, the C0 controls as
    /// `\n`, `\r`, `\t` or `\u00XX`, and U+2028 and U+2029 as `\u2028` and
    /// `\u2029` so the text is also safe inside JavaScript.
    public static func quote(_ string: String, into out: inout String) {
        var bytes: [UInt8] = []
        quote(string, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// `quote(_:into:)` as UTF-8 bytes.
    static func quote(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most text needs no escape: no byte below 0x20, no `"` or `\\`, and no
        // U+2028 or U+2029 (E2 80 A8, E2 80 A9): it is appended whole.
        guard needsEscape(string) else {
            out.append(contentsOf: string.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += #"\""#.utf8
            case "\\": out += #"\\"#.utf8
            case "\n": out += #"\n"#.utf8
            case "\r": out += #"\r"#.utf8
            case "\t": out += #"\t"#.utf8
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
            default: out += String(scalar).utf8
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
