import Formats
import Testing

/// The JSON value and parser: exact 64-bit integers, stable key order,
/// escaping, layouts, and a strict parser that names where a text goes wrong.
@Suite struct JSONTests {
    /// U+2028 and U+2029 are escaped wherever they stand (first, last, next to other E2 80 text);
    /// other text starting E2 80 (…, –, ’) and text with nothing to escape is written as it is.
    @Test(arguments: [
        ("\u{2028}", #""\u2028""#), ("a\u{2029}", #""a\u2029""#), ("…\u{2028}…", #""…\u2028…""#), ("–’…", #""–’…""#),
        ("plain", #""plain""#), ("", #""""#), ("é\u{A8}", #""é\#u{A8}""#), ("\u{80}\u{A8}", #""\#u{80}\#u{A8}""#),
    ])
    func lineAndParagraphSeparatorsAreEscapedAnywhere(text: String, json: String) {
        #expect(JSON.string(text).serialized() == json)
    }

    @Test func sixtyFourBitIntegersSurviveExactly() throws {
        let values: [JSON] = [.number(UInt64.max), .number(Int64.min), .number(Int64.max), .number(9_007_199_254_740_993 as Int64)]
        #expect(JSON.array(values).serialized() == "[18446744073709551615,-9223372036854775808,9223372036854775807,9007199254740993]")
        let parsed = try JSONParser.parse("[18446744073709551615, -9223372036854775808, 9007199254740993]")
        let numbers = try #require(parsed.arrayValue).compactMap(\.numberValue)
        #expect(numbers.map(\.uint64) == [UInt64.max, nil, 9_007_199_254_740_993])
        #expect(numbers.map(\.int64) == [nil, Int64.min, 9_007_199_254_740_993])
        #expect(parsed == .array([.number(UInt64.max), .number(Int64.min), .number(9_007_199_254_740_993 as Int64)]))
        // A Double could not have told these apart.
        #expect(Double(9_007_199_254_740_993 as Int64) == Double(9_007_199_254_740_992 as Int64))
        #expect(JSON.number(9_007_199_254_740_993 as Int64) != .number(9_007_199_254_740_992 as Int64))
    }

    @Test func numbersKeepTheirTextAndDoublesPrintAsBefore() throws {
        #expect(JSON.number(7.0).serialized() == "7")
        #expect(JSON.number(-0.0).serialized() == "0")
        #expect(JSON.number(6.5).serialized() == "6.5")
        #expect(JSON.number(1e15).serialized() == "1000000000000000.0", "from 10^15, Swift's own form")
        #expect(JSON.number(1.5e300).serialized() == "1.5e+300")
        #expect(JSON.number(999_999_999_999_999.0).serialized() == "999999999999999")
        #expect(JSON.number(.infinity) == .null && JSON.number(-.infinity) == .null && JSON.number(.nan) == .null)
        #expect(JSON.format(.nan) == "null" && JSON.format(0.1) == "0.1")
        let parsed = try JSONParser.parse("[1.0, 1E2, -0, 0.5e-3]")
        #expect(parsed.serialized() == "[1.0,1E2,-0,0.5e-3]", "parsed numbers print exactly as written")
        #expect(try #require(parsed.arrayValue).compactMap { $0.numberValue?.double } == [1, 100, 0, 0.0005])
        #expect(JSON.Number(text: "01") == nil && JSON.Number(text: "+1") == nil && JSON.Number(text: "1.") == nil
                && JSON.Number(text: ".5") == nil && JSON.Number(text: "1e") == nil && JSON.Number(text: "1e999") == nil
                && JSON.Number(text: "NaN") == nil && JSON.Number(text: " 1") == nil && JSON.Number(text: "") == nil)
        #expect(JSON.Number(text: "-0.0e+0")?.double == 0 && JSON.Number(text: "5e-324")?.double == .leastNonzeroMagnitude)
    }

    @Test func equalityIsSameTextOrderAndScalars() {
        #expect(JSON.object([("a", .number(1)), ("b", .null)]) != .object([("b", .null), ("a", .number(1))]))
        #expect(JSON.string("é") != .string("e\u{301}"), "no Unicode normalisation")
        #expect(JSON.string("é") == .string("\u{E9}"))
        #expect(JSON.number(1) != .number(JSON.Number(text: "1.0")!))
        #expect(JSON.array([]) != .object([]) && JSON.null != .bool(false))
    }

    @Test func keysKeepTheirOrderAndStringsAreEscaped() {
        let value = JSON.object([("z", .string("\"\\\n\r\t\u{0}\u{1F}\u{7F}\u{2028}\u{2029}é😀")), ("a", .array([.bool(true), .null]))])
        #expect(value.serialized() == #"{"z":"\"\\\n\r\t\u0000\u001f\#u{7F}\u2028\u2029é😀","a":[true,null]}"#)
        #expect(value["a"] == .array([.bool(true), .null]) && value["missing"] == nil && JSON.null["a"] == nil)
    }

    @Test func prettyBreaksEveryContainerOrKeepsShortOnesOnOneLine() {
        let value = JSON.object([("name", .string("ack")), ("values", .array([.number(1), .number(2)])), ("empty", .array([])),
                                 ("nested", .object([("long", .string(String(repeating: "x", count: 20)))]))])
        #expect(value.pretty() == """
            {
              "name": "ack",
              "values": [
                1,
                2
              ],
              "empty": [],
              "nested": {
                "long": "xxxxxxxxxxxxxxxxxxxx"
              }
            }
            """)
        #expect(value.pretty(inlineWidth: 40) == """
            {
              "name": "ack",
              "values": [1, 2],
              "empty": [],
              "nested": {"long": "xxxxxxxxxxxxxxxxxxxx"}
            }
            """)
        #expect(value.pretty(inlineWidth: 200) == #"{"name": "ack", "values": [1, 2], "empty": [], "nested": {"long": "xxxxxxxxxxxxxxxxxxxx"}}"#)
        #expect(JSON.array([.object([])]).pretty() == "[\n  {}\n]")
    }

    /// `prettyArray` makes each element as it writes it; the text is the
    /// array's `pretty()` exactly, for no element, one, and many of every kind.
    @Test func aPrettyArrayWrittenElementByElementIsThePrettyArray() {
        let elements: [JSON] = [
            .object([("id", .string("a\"b\\c\n\u{2028}é")), ("tags", .array([.string("x"), .array([])])), ("none", .null)]),
            .number(JSON.Number(text: "-1.5e3")!), .bool(false), .array([.object([]), .number(7)]), .string(""),
        ]
        for count in [0, 1, 2, elements.count] {
            let some = Array(elements.prefix(count))
            var made = 0
            var text: [UInt8] = []
            JSON.prettyArray(some.indices, emit: { text += $0 }) { index -> JSON in
                made += 1
                return some[index]
            }
            #expect(String(decoding: text, as: UTF8.self) == JSON.array(some).pretty(), "\(count) elements")
            #expect(made == count)
        }
    }

    /// In pieces, the same text: every piece but the last at least the
    /// chunk size, and each ending between elements, so no character is cut.
    @Test(arguments: [1, 16, 100, 1 << 16])
    func aPrettyArrayInPiecesIsTheSameText(chunkSize: Int) {
        let elements = (0..<40).map { index in JSON.object([("n", .number(index)), ("text", .string(String(repeating: "é😀\n", count: index % 7)))]) }
        var pieces: [[UInt8]] = []
        JSON.prettyArray(elements, chunkSize: chunkSize, emit: { pieces.append($0) }) { $0 }
        #expect(String(decoding: pieces.flatMap { $0 }, as: UTF8.self) == JSON.array(elements).pretty())
        #expect(pieces.dropLast().allSatisfy { $0.count >= chunkSize && $0.last == UInt8(ascii: "}") })
        if chunkSize == 1 { #expect(pieces.count == elements.count + 1, "each element, then the closing bracket") }
        if chunkSize == 1 << 16 { #expect(pieces.count == 1, "a short list in one piece") }
        var empty: [[UInt8]] = []
        JSON.prettyArray([JSON](), chunkSize: chunkSize, emit: { empty.append($0) }) { $0 }
        #expect(empty == [Array("[]".utf8)])
    }

    @Test func parsedTextSerialisesBackAsWritten() throws {
        let text = #"{"id":"a1","n":[1,-2.5,3e10],"o":{"k":null,"t":true,"f":false},"s":"tab\tquote\" slash/ \u00e9 \ud83d\ude00"}"#
        let value = try JSONParser.parse(text)
        #expect(value["s"]?.stringValue == "tab\tquote\" slash/ é 😀")
        #expect(try JSONParser.parse(value.serialized()) == value)
        #expect(try JSONParser.parse(value.pretty()) == value)
        #expect(try JSONParser.parse(" \t\r\n[ ] \n") == .array([]))
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#).serialized() == #"{"a":1,"a":2}"#, "a repeated key is kept as written")
    }

    /// Texts RFC 8259 refuses, and where the parser says the mistake is.
    static let malformed: [(String, String)] = [
        ("", "unexpected end of JSON at byte 1"),
        ("[1,]", "invalid JSON value at byte 4"),
        ("{\"a\" 1}", "expected ':' after a key at byte 6"),
        ("{a:1}", "expected a quoted key at byte 2"),
        ("[1 2]", "expected ',' or ']' at byte 4"),
        ("{\"a\":1", "unexpected end of JSON at byte 7"),
        ("01", "leading zero in a number at byte 3"),
        ("1.", "digits expected after '.' at byte 3"),
        ("1e+", "digits expected in an exponent at byte 4"),
        ("-", "invalid JSON value at byte 2"),
        ("1e400", "number out of range at byte 6"),
        ("NaN", "invalid JSON value at byte 1"),
        ("tru", "invalid JSON value at byte 1"),
        ("\"a", "unterminated string at byte 3"),
        ("\"a\nb\"", "control character in a string at byte 3"),
        ("\"\\x\"", "invalid escape in a string at byte 4"),
        ("\"\\u12\"", "short \\u escape at byte 4"),
        ("\"\\ud800\"", "unpaired surrogate in a string at byte 8"),
        ("\"\\ud800\\u0041\"", "unpaired surrogate in a string at byte 14"),
        ("\"\\udc00\"", "invalid \\u escape at byte 8"),
        ("[] []", "unexpected text after the JSON value at byte 4"),
        ("'a'", "invalid JSON value at byte 1"),
    ]

    @Test(arguments: malformed)
    func malformedTextIsRefusedAtItsByte(text: String, message: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch let failure as JSONParser.Failure {
            #expect(failure.description == message, "\(text)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func nestingIsLimitedSoAHostileTextCannotExhaustTheStack() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONParser.parse(deepest).serialized() == deepest)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(String(repeating: "{\"a\":", count: 100_000)) }
    }

    /// Invalid UTF-8 cannot reach the parser as a String; escapes cannot make it either.
    @Test func stringsDecodeEveryEscape() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0000\uFFFF\uD834\uDD1E""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\t\u{0}\u{FFFF}𝄞"))
    }
}
