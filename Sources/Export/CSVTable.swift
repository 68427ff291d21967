/// One RFC 4180 table: a header row, then records; CRLF line ends; fields
/// holding a comma, quote, CR or LF are quoted, with quotes doubled. The text
/// starts with a UTF-8 byte order mark so Excel reads it as UTF-8 (pandas,
/// readr and `read.csv(fileEncoding = "UTF-8-BOM")` skip it).
///
/// Unless `rawCells`, each cell a spreadsheet would read as a formula is made
/// inert (`inert(_:)`), so opening the file in Excel or LibreOffice Calc runs nothing.
struct CSVTable {
    let name: String
    let columns: [String]
    let rawCells: Bool
    /// The table as written so far: the byte order mark, the header, then each row
    /// added, encoded as it is added (no row is held as strings).
    private(set) var bytes: [UInt8]

    /// With `header` false, the table has no byte order mark or header: rows to `append` to another.
    init(_ name: String, _ columns: [String], rawCells: Bool = false, header: Bool = true) {
        self.name = name
        self.columns = columns
        self.rawCells = rawCells
        bytes = []
        guard header else { return }
        bytes = [0xEF, 0xBB, 0xBF]
        write(inert: false) { for column in columns { $0.cell(column) } }
    }

    /// Appends the rows of `rows`, a table of the same columns made without a header.
    mutating func append(_ rows: CSVTable) {
        precondition(rows.name == name && rows.columns == columns, "\(name): rows of table \(rows.name)")
        bytes += rows.bytes
    }

    mutating func add(_ row: [String]) {
        addRow { for field in row { $0.cell(field) } }
    }

    /// Adds one row, its cells given one by one to `cells` (no array of them made).
    mutating func addRow(_ cells: (inout Row) -> Void) {
        write(inert: !rawCells, cells)
    }

    /// Writes one row (the header, or a record) into `bytes`, ended by CRLF.
    private mutating func write(inert: Bool, _ cells: (inout Row) -> Void) {
        var row = Row(inert: inert)
        swap(&row.bytes, &bytes)
        cells(&row)
        swap(&row.bytes, &bytes)
        precondition(row.count == columns.count, "\(name): a row of \(row.count) fields for \(columns.count) columns")
        bytes.append(13)
        bytes.append(10)
    }

    /// A row being written into its table's bytes (`addRow`).
    struct Row {
        fileprivate var bytes: [UInt8] = []
        fileprivate let inert: Bool
        fileprivate var count = 0

        fileprivate init(inert: Bool) { self.inert = inert }

        /// The next cell, made inert if the table's are (`CSVTable.inert(_:)`) and quoted as RFC 4180 says.
        mutating func cell(_ text: String) {
            if count > 0 { bytes.append(UInt8(ascii: ",")) }
            count += 1
            CSVTable.appendQuoted(inert ? CSVTable.inert(text) : text, to: &bytes)
        }
    }

    /// Room for `count` more bytes, so a table of known size is not copied as it grows.
    mutating func reserve(_ count: Int) { bytes.reserveCapacity(bytes.count + count) }

    /// The cell with a single quote before it when it starts with `=`, `+`, `-`, `@`,
    /// tab or CR, the characters a spreadsheet takes as the start of a formula
    /// (OWASP, "CSV Injection"); the quote shows as text and keeps the cell a string.
    /// A cell that is wholly a decimal number (`-3`, `+2.5`) is left alone, so
    /// negative measures stay numbers: a number is never a formula.
    static func inert(_ cell: String) -> String {
        guard let first = cell.utf8.first, startsFormula(first), !isDecimal(cell) else { return cell }
        return "'" + cell
    }

    private static func startsFormula(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13: return true
        default: return false
        }
    }

    /// An optional sign, then digits with at most one decimal point among or before them.
    static func isDecimal(_ cell: String) -> Bool {
        var bytes = Substring(cell).utf8[...]
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var digits = 0, points = 0
        for byte in bytes {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { digits += 1 } else if byte == UInt8(ascii: ".") { points += 1 } else { return false }
        }
        return digits > 0 && points <= 1
    }

    var fileName: String { name + ".csv" }

    /// The field's bytes, in quotes with quotes doubled when it holds a comma, quote, CR or LF.
    static func appendQuoted(_ field: String, to out: inout [UInt8]) {
        var field = field
        field.withUTF8 { utf8 in
            // One pass: whether the field needs quotes, and whether it has a quote to double.
            var quoted = false, quotes = false
            for byte in utf8 where byte <= UInt8(ascii: ",") {
                if byte == UInt8(ascii: "\"") {
                    quotes = true
                    break
                }
                if byte == UInt8(ascii: ",") || byte == 13 || byte == 10 { quoted = true }
            }
            guard quoted || quotes else {
                out.append(contentsOf: utf8)
                return
            }
            out.append(UInt8(ascii: "\""))
            if quotes {
                for byte in utf8 {
                    out.append(byte)
                    if byte == UInt8(ascii: "\"") { out.append(byte) }
                }
            } else {
                // Most quoted fields (a body with a comma or a line end) have no quote to double: copied whole.
                out.append(contentsOf: utf8)
            }
            out.append(UInt8(ascii: "\""))
        }
    }
}
