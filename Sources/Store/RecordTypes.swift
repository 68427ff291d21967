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
    /// Fields: `action` (export, allow-identifiers), `format`, `filters`,
    /// `counts`, `path`, `by` (the device's name), `at` (ISO 8601 UTC).
    public static let fields = ["action", "format", "filters", "counts", "path", "by", "at"]
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
