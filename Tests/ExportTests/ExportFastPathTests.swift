@testable import Analysis
@testable import Export
import Formats
import Testing

/// The quicker paths of the exports give what the plain ones give: CSV rows
/// written cell by cell, the pre-filter's title check, a participant judged from its bytes.
@Suite struct ExportFastPathTests {
    /// Cells that need quoting, doubling, making inert, or nothing.
    static let cells = ["", "plain", "a,b", "say \"hi\"", "\"", "line\nend", "cr\rend", "crlf\r\n", "=SUM(A1)", "+1", "-3", "-3.5",
                        "+2.5x", "@home", "\tTab", "\rCR", "-", "é, ü", "…", "1,5", "'quoted'", "a\"b,c\nd"]

    /// Rows written cell by cell read back, through the import's own RFC 4180
    /// reader, as the cells given (made inert unless raw), header first.
    @Test(arguments: [false, true]) func rowsWrittenCellByCellReadBackAsTheirCells(rawCells: Bool) throws {
        var table = CSVTable("t", ["a", "b", "c"], rawCells: rawCells)
        var rows: [[String]] = []
        for (index, cell) in Self.cells.enumerated() {
            let row = [cell, Self.cells[(index + 1) % Self.cells.count], Self.cells[(index * 7) % Self.cells.count]]
            rows.append(row)
            if index % 2 == 0 { table.add(row) } else { table.addRow { for cell in row { $0.cell(cell) } } }
        }
        let text = String(decoding: table.bytes, as: UTF8.self)
        let read = try CSVReader.records(text).map(\.fields)
        #expect(read == [["a", "b", "c"]] + rows.map { $0.map { rawCells ? $0 : CSVTable.inert($0) } })
        // The cells really were quoted and (unless raw) made inert: the comparison is not of plain text.
        #expect(text.contains("\"say \"\"hi\"\"\""))
        #expect(text.contains("'=SUM(A1)") != rawCells)
        #expect(text.hasSuffix("\r\n"))
    }

    @Test func thePreFilterLetsEveryTitleThroughWhereTheNameRuleReadsIt() {
        for title in IdentifierScanner.Words.titles {
            let word = String(decoding: title.word, as: UTF8.self)
            let capital = word.prefix(1).uppercased() + word.dropFirst()
            for text in ["Seen by \(capital) Smith", "\(capital)", "with \(capital)", "\(capital). Jones"] {
                #expect(IdentifierScanner.mayHoldIdentifier(text), "\(text)")
            }
            // A title that must be capitalised is no title in lowercase; the others are.
            #expect(IdentifierScanner.mayHoldIdentifier("seen by \(word) smith") == !title.capitalised, "\(word)")
            // Longer or shorter words starting alike are no titles.
            #expect(!IdentifierScanner.mayHoldIdentifier("seen by \(capital)x smith"), "\(word)x")
        }
        #expect(!IdentifierScanner.mayHoldIdentifier("Met her at the lunch club; she misses the bus."))
        #expect(IdentifierScanner.mayHoldIdentifier("flat 4"))
        #expect(IdentifierScanner.mayHoldIdentifier("me@example.org"))
    }

    /// Values made of pseudonym-like pieces, spaces, commas, `@`, dots, digits and non-ASCII letters.
    @Test func aParticipantJudgedFromItsBytesIsJudgedAsByItsCharacters() {
        let pieces = ["P", "-", "0", "7", "1234", "567", "Resident", " ", ",", "@", ".", "x", "é", "Mary", "Smith", "\t", "\u{A0}", "B"]
        var generator = SystemRandomNumberGenerator()
        var oneWord = 0
        for _ in 0 ..< 20000 {
            let value = (0 ..< Int.random(in: 1 ... 6, using: &generator)).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
            #expect(Pseudonyms.concern(value) == Pseudonyms.slowConcern(value), "\(value)")
            if value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "@") }) { oneWord += 1 }
        }
        // Both paths were taken many times.
        #expect(oneWord > 1000 && oneWord < 19000)
        #expect(Pseudonyms.concern("P-1234567") != nil && Pseudonyms.concern("P-123456") == nil)
    }
}
