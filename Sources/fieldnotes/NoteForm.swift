import CRDT
import Formats
import Store

/// A note as the editor shows it: one `name: value` line per field, with a
/// comment on what each takes, then the body below a separator line, as
/// written. `add` and `edit` without options open it on a terminal.
///
/// Lines starting with '#' above the separator are comments and are ignored;
/// the body is kept exactly (only the final newline an editor adds is
/// dropped). A field line that is missing keeps the value shown.
struct NoteForm: Equatable {
    /// The field lines, in the order shown: their names are the options' names.
    static let names = ["title", "kind", "area", "at", "participant", "consent", "tags", "measures"]
    static let separator = "----- the body: write below this line (keep this line) -----"
    static let errorPrefix = "# error: "

    /// Each field's text as shown on its line (one line: controls escaped).
    var values: [String: String] = [:]
    var body = ""

    subscript(_ name: String) -> String {
        get { values[name] ?? "" }
        set { values[name] = newValue }
    }

    /// The comment above each field line.
    static func help(_ name: String) -> String {
        switch name {
        case "title": return "a short title (needed: leave it empty to cancel)"
        case "kind": return Note.kinds.joined(separator: ", ")
        case "area": return "the ward, estate or place: a known area ('fieldnotes area list'; a new one needs the option --new-area)"
        case "at": return "when it happened: 2026-11-20 or 2026-11-20T14:30 (UTC unless +HH:MM given)"
        case "participant": return "who said it, as a pseudonym such as P07: never a real name"
        case "consent": return Note.consents.joined(separator: ", ")
        case "tags": return "tags separated by commas, e.g. transport, isolation"
        default: return "numbers as NAME=VALUE separated by commas, e.g. ucla3=6, ons_lonely=4 (ucla3 3-9, ons_lonely 1-5)"
        }
    }

    static let fixHint = "# Fix it and save again, or delete everything and save to give up."

    /// The text the editor opens: a heading, the fields, the separator, the body.
    func render(heading: [String]) -> String {
        var lines = heading.map { "# " + $0 }
        for name in Self.names {
            lines.append("#")
            lines.append("# \(name): \(Self.help(name))")
            lines.append("\(name): \(self[name])")
        }
        lines += ["#", Self.separator] + (body.isEmpty ? [] : [body])
        return lines.joined(separator: "\n") + "\n"
    }

    /// The text the person saved, with `message` on top in place of any
    /// earlier error, and everything they wrote kept.
    static func withError(_ text: String, _ message: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let end = lines.firstIndex { $0.trimmingSpaces == separator } ?? lines.count
        let fields = lines[..<end].filter { !$0.hasPrefix(errorPrefix) && $0 != fixHint }
        return ([errorPrefix + TerminalText.escaped(message), fixHint] + fields + lines[end...]).joined(separator: "\n")
    }

    /// Whether the saved text says nothing at all: no field value and no body.
    static func isBlank(_ text: String) -> Bool {
        text.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { line in
            let trimmed = String(line).trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed == separator { return true }
            // A field line with no value says nothing.
            guard let colon = trimmed.firstIndex(of: ":") else { return false }
            return names.contains(String(trimmed[..<colon]).lowercased()) && String(trimmed[trimmed.index(after: colon)...]).trimmingSpaces.isEmpty
        }
    }

    /// Reads what the person saved; a missing field line keeps `shown`'s value.
    init(parsing text: String, shown: NoteForm) throws {
        self = shown
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let end = lines.firstIndex(where: { $0.trimmingSpaces == Self.separator }) else {
            throw FormError("the line '\(Self.separator)' that starts the body is missing: put it back above the body")
        }
        var seen: Set<String> = []
        for (number, line) in lines[..<end].enumerated() {
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":"), Self.names.contains(String(trimmed[..<colon]).trimmingSpaces.lowercased()) else {
                throw FormError("line \(number + 1) ('\(trimmed.clipped(40))') is not a field: write NAME: VALUE with NAME one of "
                                + Self.names.joined(separator: ", ") + ", or start the line with '#'")
            }
            let name = String(trimmed[..<colon]).trimmingSpaces.lowercased()
            guard seen.insert(name).inserted else { throw FormError("the field \(name) is there twice: keep one line for it") }
            self[name] = String(trimmed[trimmed.index(after: colon)...]).trimmingSpaces
        }
        var body = lines[(end + 1)...].joined(separator: "\n")
        if body.hasSuffix("\n") { body.removeLast() }
        self.body = body
    }

    /// The form for a note as it reads now; the body from `text`, the body
    /// the store holds (the base the person's edits are made against).
    init(_ record: VisibleRecord, body text: String) {
        func shown(_ field: String) -> String { TerminalText.escaped(record.value(field)?.text ?? "") }
        values = [
            "title": shown("title"), "kind": shown("kind"), "area": shown("area"), "at": shown("occurred_at"),
            "participant": shown("participant"), "consent": shown("consent"),
            "tags": TerminalText.escaped(record.elements(Note.tagSet).compactMap(\.text).joined(separator: ", ")),
            "measures": Note.measures(of: record).map { "\($0.name)=\(JSON.format($0.value))" }.joined(separator: ", "),
        ]
        body = text
    }

    init() {}

    /// The one-line text fields besides the title: the form's name, the
    /// note's field (to unset it) and where it goes in an input.
    static var textFields: [(name: String, field: String, input: WritableKeyPath<Note.Input, String?>)] {
        [
            ("kind", "kind", \.kind), ("area", "area", \.area), ("at", "occurred_at", \.occurredAt),
            ("participant", "participant", \.participant), ("consent", "consent", \.consent),
        ]
    }

    /// Tags from a `tags:` line.
    static func tags(_ line: String) -> [String] {
        line.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// Measures from a `measures:` line, by name (lower case).
    static func measures(_ line: String) throws -> [(name: String, value: String)] {
        try line.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }.map { pair in
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw FormError("measures are NAME=VALUE separated by commas, as in ucla3=6, not '\(pair)'")
            }
            return (String(pair[..<equals]).trimmingSpaces.lowercased(), String(pair[pair.index(after: equals)...]).trimmingSpaces)
        }
    }

    /// The input for a new note: every field given a value.
    func newNote() throws -> Note.Input {
        var input = Note.Input()
        input.title = self["title"].isEmpty ? nil : self["title"]
        for (name, _, path) in Self.textFields where !self[name].isEmpty { input[keyPath: path] = self[name] }
        input.tags = Self.tags(self["tags"])
        input.measures = try Self.measures(self["measures"])
        input.body = body.isEmpty ? nil : body
        return input
    }

    /// The input that makes only the changes the person made to `shown`:
    /// fields whose line they changed, tags they added or took away,
    /// measures they changed, and the body as edits against `base` (the text
    /// shown), so what others changed meanwhile is kept.
    func changes(from shown: NoteForm, base: TextSequence?) throws -> Note.Input {
        var input = Note.Input()
        for (name, field, path) in Self.textFields where self[name] != shown[name] {
            if self[name].isEmpty { input.unset.append(field) } else { input[keyPath: path] = self[name] }
        }
        if self["title"] != shown["title"] { input.title = self["title"] }
        if self["tags"] != shown["tags"] {
            let before = Self.tags(shown["tags"]), after = Self.tags(self["tags"])
            input.tags = after.filter { !before.contains($0) }
            input.removeTags = before.filter { !after.contains($0) }
        }
        if self["measures"] != shown["measures"] {
            let before = try Self.measures(shown["measures"]), after = try Self.measures(self["measures"])
            input.measures = after.filter { measure in !before.contains { $0 == measure } }
            input.unset += before.filter { old in !after.contains { $0.name == old.name } }.map { Note.measurePrefix + $0.name }
        }
        if body != shown.body {
            input.body = body
            input.bodyBase = base
        }
        return input
    }
}

/// A mistake in the editor's text, shown on top of it when it reopens.
struct FormError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
