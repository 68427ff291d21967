import CRDT

/// The codebook: a theme the team codes notes with. A note's tags that match
/// a theme's name (ignoring case) are codings of that theme.
public enum Theme {
    public static let type = "theme"
    /// Fields: `name`, `description`, `parent` (the parent theme's record id,
    /// 32 hex digits), `color` (`#RRGGBB`).
    public static let fields = ["name", "description", "parent", "color"]

    public static func isColor(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 7 && bytes[0] == UInt8(ascii: "#") && bytes.dropFirst().allSatisfy { Hex.nibble($0) != nil }
    }
}

/// A statement the insights function draws from the evidence.
public enum Insight {
    public static let type = "insight"
    /// Fields: `statement`, `area`, `status`, `confidence`.
    public static let fields = ["statement", "area", "status", "confidence"]
    public static let statuses = ["draft", "agreed", "retired"]
    public static let confidences = ["low", "medium", "high"]
    /// Sets of record ids (32 hex digits, as text): the themes, and the notes that evidence it.
    public static let themeSet = "themes"
    public static let evidenceSet = "evidence"
    /// Passages (record ids) an analyst chose to quote first.
    public static let pinnedSet = "pinned"
}

/// A commissioning decision, beside what the evidence suggested.
public enum Decision {
    public static let type = "decision"
    /// Fields: `title`, `description`, `status`, `decided_at` (ISO 8601 UTC),
    /// `suggested` (the decision the evidence suggests), `made` (the decision
    /// made), `follows_evidence` (yes, partly, no).
    public static let fields = ["title", "description", "status", "decided_at", "suggested", "made", "follows_evidence"]
    public static let statuses = ["proposed", "made", "rejected"]
    public static let followsEvidence = ["yes", "partly", "no"]
    /// A set of insight record ids.
    public static let insightSet = "insights"
}

/// An audit event: an export, or identifiers deliberately allowed into one.
/// Replicated like any record, so the hub holds every device's audit trail.
public enum AuditEvent {
    public static let type = "audit"
    /// Fields: `action` (export, export-refused, allow-identifiers,
    /// subject-access, erase-participant, retention), `format`, `filters`,
    /// `counts`, `path`, `by` (the person's configured name and the device's),
    /// `at` (ISO 8601 UTC), `purpose` and `recipient` (as given).
    public static let fields = ["action", "format", "filters", "counts", "path", "by", "at", "purpose", "recipient"]
}

/// A passage of a note's body coded with a theme. Its ends are anchors on
/// the body's text (`TextField`): the ids of its first and last characters,
/// so edits anywhere keep it on the same words.
public enum Passage {
    public static let type = "passage"
    /// Fields: `note` and `theme` (record ids), `start` and `last` (the
    /// first and last characters, as `REPLICA:COUNTER`), `coder` (the name
    /// of the device that coded it), `coded_at` (ISO 8601 UTC).
    public static let fields = ["note", "theme", "start", "last", "coder", "coded_at"]
}

/// An area of the team's vocabulary beyond the built-in wards, or a record
/// holding the other spellings (aliases) of a ward. Areas are identified by
/// name, ignoring case: records with the same name are one area (the rules
/// are `Areas`, in Analysis).
public enum Area {
    public static let type = "area"
    /// Fields: `name`.
    public static let fields = ["name"]
    /// A set of other spellings that stand for this area.
    public static let aliasSet = "aliases"
}

/// A participant as a case: a pseudonym and the attribute values an analyst
/// records for it, each a field `attr.NAME` (typed by the `attribute` record
/// named NAME). A note belongs to the case whose pseudonym is its participant.
public enum Case {
    public static let type = "case"
    /// Fields: `pseudonym`, and `attr.NAME` for each attribute's value.
    public static let fields = ["pseudonym"]
    public static let attributePrefix = "attr."
}

/// An attribute of cases the analysts define: its name (as in `attr.NAME`),
/// its type, and for a choice, the choices in order (comma-separated).
public enum CaseAttribute {
    public static let type = "attribute"
    /// Fields: `name`, `type`, `choices`, `description`.
    public static let fields = ["name", "type", "choices", "description"]
    public static let types = ["text", "number", "boolean", "choice"]
}

/// A memo: an analyst's note on a note, a coded passage, a theme or a case.
/// Its `body` is a text field, so two people editing one memo both keep
/// their edits, character by character.
public enum Memo {
    public static let type = "memo"
    /// Fields: `target` (the record id of what it is about), `body` (a text
    /// field), `author` (the name of the device that wrote it), `written_at`
    /// (ISO 8601 UTC).
    public static let fields = ["target", "body", "author", "written_at"]
}
