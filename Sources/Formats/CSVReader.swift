/// Reads RFC 4180 CSV: comma-separated fields, double-quoted fields that may
/// hold commas, line breaks and doubled quotes; CRLF or LF line ends. A
/// leading UTF-8 byte order mark (as Excel writes) is skipped.
public enum CSVReader {
    public struct Failure: Error {
        public let line: Int
        public let message: String
    }

    /// Each record with the line it starts on.
    public static func records(_ text: String) throws -> [(line: Int, fields: [String])] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var index = 0
        var quoted = false
        var fieldStarted = false
        var closed = false // a quoted field's closing quote was read: only a comma or a line end may follow
        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            fieldStarted = false
            closed = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if quoted {
                if scalar == "\"" {
                    if index < scalars.count, scalars[index] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        quoted = false
                        closed = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard !fieldStarted, field.isEmpty else {
                    throw Failure(line: line, message: "a quote inside an unquoted field; quote the whole field and double inner quotes")
                }
                quoted = true
                fieldStarted = true
            case ",":
                endField()
            case "\r":
                if index < scalars.count, scalars[index] == "\n" { continue }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if closed { throw Failure(line: line, message: "text after a closing quote") }
                field.append(scalar)
            }
        }
        if quoted { throw Failure(line: recordLine, message: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || fieldStarted { endRecord() }
        return records
    }
}
