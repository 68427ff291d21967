/// One RFC 4180 table: a header row, then records; CRLF line ends; fields
/// holding a comma, quote, CR or LF are quoted, with quotes doubled. The text
/// starts with a UTF-8 byte order mark so Excel reads it as UTF-8 (pandas,
/// readr and `read.csv(fileEncoding = "UTF-8-BOM")` skip it).
struct CSVTable {
    let name: String
    let columns: [String]
    private(set) var rows: [[String]] = []

    init(_ name: String, _ columns: [String]) {
        self.name = name
        self.columns = columns
    }

    mutating func add(_ row: [String]) {
        precondition(row.count == columns.count, "\(name): a row of \(row.count) fields for \(columns.count) columns")
        rows.append(row)
    }

    var fileName: String { name + ".csv" }

    var bytes: [UInt8] {
        var out = "\u{FEFF}"
        CSVTable.append(columns, to: &out)
        for row in rows { CSVTable.append(row, to: &out) }
        return Array(out.utf8)
    }

    static func append(_ row: [String], to out: inout String) {
        for (index, field) in row.enumerated() {
            if index > 0 { out += "," }
            out += quoted(field)
        }
        out += "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 13 || $0 == 10 }) else { return field }
        var out = "\""
        for scalar in field.unicodeScalars {
            if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }
}
