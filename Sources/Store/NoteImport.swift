import CRDT
import Formats

/// Reads notes from NDJSON, a JSON array, or CSV, with the same field names
/// as `show --format json`, and checks every row before anything is written
/// (every rule and limit; see `RecordSchema`), then writes them in one transaction.
public enum NoteImport {
    public enum Format: Sendable { case json, csv }

    /// One row's note, and the line it came from.
    public struct Row: Sendable {
        public let line: Int
        public let id: RecordID?
        public let input: Note.Input
    }

    /// Keys `show --format json` prints that are not fields to set; ignored on import.
    static let readOnlyKeys: Set<String> = ["type", "deleted", "erased", "conflicts"]

    public static func rows(_ text: String, format: Format) throws -> [Row] {
        switch format {
        case .json: return try jsonRows(text)
        case .csv: return try csvRows(text)
        }
    }

    /// Every row's changes, one list per note, in order; fails on the first
    /// bad row with its line. Every rule and limit of `Store.commit` is
    /// checked here, so a file that passes is written whole.
    public static func notes(_ rows: [Row], existing: (RecordID) throws -> Bool, nowSeconds: Int64) throws -> [[Change]] {
        var notes: [[Change]] = []
        notes.reserveCapacity(rows.count)
        var seen: Set<RecordID> = []
        for row in rows {
            do {
                let id = try row.id ?? Store.newRecordID()
                if row.id != nil {
                    guard !seen.contains(id), try !existing(id) else {
                        throw StoreError.invalid("note \(id.hex) already exists", "leave out the id to import it as a new note")
                    }
                }
                seen.insert(id)
                notes.append(try Note.changes(row.input, for: id, creating: true, nowSeconds: nowSeconds))
            } catch let error as StoreError {
                throw StoreError.invalid("line \(row.line): \(error.message)", error.hint.isEmpty ? "nothing was imported" : error.hint + "; nothing was imported")
            }
        }
        return notes
    }

    /// How many notes are made and applied at a time, inside the import's
    /// one transaction (their text index rows are written at the end of each).
    public static let notesPerPart = 500

    /// Writes checked notes (from `notes`) in one transaction, in parts of
    /// `notesPerPart`: all of them are in the store when this returns, or
    /// none, however the import is stopped (Ctrl-C, a power cut), so running
    /// it again never imports a note twice. Other commands that write wait
    /// meanwhile. Returns how many notes were written; `progress` is told how
    /// many are made, of how many, after each part.
    @discardableResult
    public static func write(_ notes: [[Change]], to store: Store,
                             progress: (_ made: Int, _ total: Int) -> Void = { _, _ in }) throws -> Int {
        let parts = stride(from: 0, to: notes.count, by: notesPerPart).map { Array(notes[$0 ..< min($0 + notesPerPart, notes.count)].joined()) }
        progress(0, notes.count)
        try store.commit(parts: parts) { _, done in progress(min(done * notesPerPart, notes.count), notes.count) }
        return notes.count
    }

    // MARK: JSON

    static func jsonRows(_ text: String) throws -> [Row] {
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("[") {
            guard case .array(let items) = try parse(text, line: 1) else { return [] }
            let lines = elementLines(text)
            return try items.enumerated().map { try jsonRow($0.element, line: $0.offset < lines.count ? lines[$0.offset] : 1) }
        }
        var rows: [Row] = []
        // Split bytes, not Characters: "\r\n" is one Character and would never equal "\n".
        for (offset, line) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let content = String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...], as: UTF8.self)
            guard !content.trimmingSpaces.isEmpty else { continue }
            rows.append(try jsonRow(try parse(content, line: offset + 1), line: offset + 1))
        }
        return rows
    }

    /// The line on which each element of a top-level JSON array starts, so an
    /// error names a line a person can find. Only called on text that parsed.
    static func elementLines(_ text: String) -> [Int] {
        var lines: [Int] = []
        var line = 1, depth = 0
        var inString = false, escaped = false, expectingElement = false
        for byte in text.utf8 {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { continue }
            if expectingElement, byte != UInt8(ascii: "]") { lines.append(line) }
            expectingElement = false
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                expectingElement = depth == 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            case UInt8(ascii: ","): expectingElement = depth == 1
            case UInt8(ascii: "\""): inString = true
            default: break
            }
        }
        return lines
    }

    private static func parse(_ text: String, line: Int) throws -> JSON {
        do {
            return try JSONParser.parse(text)
        } catch let failure as JSONParser.Failure {
            let at = line + text.utf8.prefix(failure.offset).count(where: { $0 == UInt8(ascii: "\n") })
            throw StoreError.invalid("line \(at): not valid JSON (\(failure.description))", "nothing was imported")
        }
    }

    private static func jsonRow(_ json: JSON, line: Int) throws -> Row {
        guard case .object(let members) = json else {
            throw StoreError.invalid("line \(line): expected a JSON object", "nothing was imported")
        }
        func bad(_ message: String) -> StoreError { StoreError.invalid("line \(line): \(message)", "nothing was imported") }
        var input = Note.Input()
        var id: RecordID?
        for (key, value) in members {
            if readOnlyKeys.contains(key) || value == .null { continue }
            switch key {
            case "id":
                guard case .string(let text) = value, let parsed = RecordID(hex: text) else { throw bad("id must be 32 hex digits") }
                id = parsed
            case "tags":
                guard case .array(let items) = value else { throw bad("tags must be an array of strings") }
                input.tags = try items.map {
                    guard case .string(let tag) = $0 else { throw bad("tags must be an array of strings") }
                    return tag
                }
            case "measures":
                guard case .object(let measures) = value else { throw bad("measures must be an object of numbers") }
                input.measures = try measures.map { name, value in
                    guard case .number(let number) = value else { throw bad("measure \(name) must be a number") }
                    return (name, JSON.format(number.double))
                }
            default:
                guard Note.fields.contains(key) else {
                    throw bad("unknown key '\(key)'; the keys are id, \(Note.fields.joined(separator: ", ")), tags, measures")
                }
                guard case .string(let text) = value else { throw bad("\(key) must be a string") }
                try set(key, text, in: &input)
            }
        }
        return Row(line: line, id: id, input: input)
    }

    private static func set(_ key: String, _ text: String, in input: inout Note.Input) throws {
        switch key {
        case "title": input.title = text
        case "body": input.body = text
        case "kind": input.kind = text
        case "area": input.area = text
        case "occurred_at": input.occurredAt = text
        case "participant": input.participant = text
        case "consent": input.consent = text
        default: break
        }
    }

    // MARK: CSV

    /// CSV with a header row. `tags` holds tags separated by ';'; measures go
    /// in `measures` as `ucla3=6;ons_lonely=4` or in columns `measures.NAME`.
    /// Empty cells mean "not given".
    static func csvRows(_ text: String) throws -> [Row] {
        let records: [(line: Int, fields: [String])]
        do {
            records = try CSVReader.records(text)
        } catch let failure as CSVReader.Failure {
            throw StoreError.invalid("line \(failure.line): \(failure.message)", "nothing was imported")
        }
        guard let header = records.first else { return [] }
        let columns = header.fields.map { $0.trimmingSpaces }
        for column in columns where !(Note.fields.contains(column) || column == "id" || column == "tags" || column == "measures"
                                        || column.hasPrefix(Note.measurePrefix) || readOnlyKeys.contains(column)) {
            throw StoreError.invalid("line \(header.line): unknown column '\(column)'",
                                     "the columns are id, \(Note.fields.joined(separator: ", ")), tags, measures, measures.NAME; nothing was imported")
        }
        return try records.dropFirst().map { record in
            func bad(_ message: String) -> StoreError { StoreError.invalid("line \(record.line): \(message)", "nothing was imported") }
            guard record.fields.count == columns.count else {
                throw bad("\(record.fields.count) fields where the header has \(columns.count)")
            }
            var input = Note.Input()
            var id: RecordID?
            for (column, cell) in zip(columns, record.fields) where !cell.isEmpty && !readOnlyKeys.contains(column) {
                switch column {
                case "id":
                    guard let parsed = RecordID(hex: cell.trimmingSpaces) else { throw bad("id must be 32 hex digits") }
                    id = parsed
                case "tags":
                    input.tags = cell.split(separator: ";").map(String.init).filter { !$0.trimmingSpaces.isEmpty }
                case "measures":
                    for pair in cell.split(separator: ";") {
                        let parts = pair.split(separator: "=", maxSplits: 1)
                        guard parts.count == 2 else { throw bad("measures must look like ucla3=6;ons_lonely=4") }
                        input.measures.append((String(parts[0]).trimmingSpaces, String(parts[1])))
                    }
                case _ where column.hasPrefix(Note.measurePrefix):
                    input.measures.append((String(column.dropFirst(Note.measurePrefix.count)), cell))
                default:
                    try set(column, cell, in: &input)
                }
            }
            return Row(line: record.line, id: id, input: input)
        }
    }
}
