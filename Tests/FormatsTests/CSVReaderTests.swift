import Formats
import Testing

/// RFC 4180 CSV as spreadsheets write it: quoted fields, line ends of every
/// kind, a byte order mark, and the line each record and each mistake is on.
@Suite struct CSVReaderTests {
    static func fields(_ text: String) throws -> [[String]] { try CSVReader.records(text).map(\.fields) }

    @Test func plainAndQuotedFields() throws {
        #expect(try Self.fields("a,b,c\n1,2,3\n") == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(try Self.fields(#""a,b","say ""hi""",""\#n"#) == [["a,b", #"say "hi""#, ""]])
        #expect(try Self.fields(",,\n") == [["", "", ""]], "empty fields are kept")
        #expect(try Self.fields("a,\n") == [["a", ""]])
        #expect(try Self.fields(" a , b ") == [[" a ", " b "]], "spaces are part of a field")
        #expect(try Self.fields("café,😀,👩‍👩‍👧\n") == [["café", "😀", "👩‍👩‍👧"]])
    }

    @Test func everyLineEndAndAMissingLastOne() throws {
        let expected = [["a", "b"], ["c", "d"]]
        for text in ["a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,b\rc,d\r", "a,b\nc,d", "a,b\r\nc,d"] {
            #expect(try Self.fields(text) == expected, "\(text.debugDescription)")
        }
        #expect(try Self.fields("") == [] && Self.fields("\n\n\r\n") == [], "blank lines are no records")
        #expect(try Self.fields("a\n\nb\n") == [["a"], ["b"]])
    }

    @Test func aByteOrderMarkIsSkippedOnlyAtTheStart() throws {
        #expect(try Self.fields("\u{FEFF}title,body\nx,y\n") == [["title", "body"], ["x", "y"]])
        #expect(try Self.fields("a,\u{FEFF}b\n") == [["a", "\u{FEFF}b"]])
    }

    @Test func quotedFieldsHoldLineBreaksAndLinesAreCounted() throws {
        let records = try CSVReader.records("h1,h2\n\"one\ntwo\r\nthree\",x\n\nlast,\"\"\n")
        #expect(records.map(\.fields) == [["h1", "h2"], ["one\ntwo\r\nthree", "x"], ["last", ""]])
        #expect(records.map(\.line) == [1, 2, 6])
    }

    /// The line and message of the failure reading `text`, or nil if it reads.
    static func failure(_ text: String) -> Failure? {
        do {
            _ = try CSVReader.records(text)
            return nil
        } catch {
            return (error as? CSVReader.Failure).map { Failure(line: $0.line, message: $0.message) }
        }
    }

    struct Failure: Equatable {
        let line: Int
        let message: String
    }

    @Test func mistakesNameTheirLine() {
        let failure = Self.failure
        #expect(failure("a,b\nx\"y\",z\n")?.line == 2)
        #expect(failure("a,b\nx\"y\",z\n")?.message.hasPrefix("a quote inside an unquoted field") == true)
        #expect(failure("a\n\"ab\"c\n") == Failure(line: 2, message: "text after a closing quote"))
        #expect(failure("a\n\"ab\" ,c\n") == Failure(line: 2, message: "text after a closing quote"))
        #expect(failure("a\n\"multi\nline\" x\n")?.line == 3)
        #expect(failure("a\nb,\"never\nclosed\n") == Failure(line: 2, message: "a quoted field is never closed"))
        #expect(failure("\"") == Failure(line: 1, message: "a quoted field is never closed"))
    }

    /// An empty quoted field followed by text was read as the text alone.
    @Test func textAfterAnEmptyQuotedFieldIsAMistake() {
        #expect(Self.failure(#"""x,y"#) == Failure(line: 1, message: "text after a closing quote"))
        #expect(Self.failure("a\n" + #"b,""x"#) == Failure(line: 2, message: "text after a closing quote"))
    }
}
