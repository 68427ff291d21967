/// Every size limit on a value, in one table: the CLI and import refuse input
/// over them at the door, `Store.commit` refuses a change over them, the
/// record schema (`RecordSchema` in Store) holds peers to them, and the Wire
/// codec's `WireLimits` are these same constants. `Protocol/SCHEMA.md` prints
/// the table. Sizes are UTF-8 bytes, as the wire counts them.
///
/// The first group is the protocol's: a value over one of them cannot be sent
/// at all. The second group is stricter, per kind of field, for what a person
/// types: a title is a line, not a page.
public enum Limits {
    /// One limit: the most UTF-8 bytes, and what to do when a text is over it.
    public struct Limit: Sendable, Equatable {
        public let bytes: Int
        /// How the limit reads in a message: "512 KiB", "255-byte".
        public var text: String { bytes >= 1024 && bytes % 1024 == 0 ? Limits.size(bytes) : "\(Limits.grouped(bytes))-byte" }
    }

    // MARK: The protocol's limits

    /// Longest text value or set element: 512 KiB.
    public static let text = Limit(bytes: 512 * 1024)
    /// Longest field, set or record type name.
    public static let name = Limit(bytes: 255)
    /// Longest erase reason.
    public static let eraseReason = Limit(bytes: 1024)
    /// Longest device name (at least one byte).
    public static let deviceName = Limit(bytes: 64)
    /// Most ids in one assign's `replaces` or one remove's `observed`.
    public static let idList = 1024

    // MARK: Stricter limits per kind of field

    /// A title (a note's, a decision's): a line, not a page.
    public static let title = Limit(bytes: 1024)
    /// A label: a tag, an area, a participant's pseudonym, a theme's name.
    public static let label = Limit(bytes: 255)
    /// An insight's statement: one or two sentences.
    public static let statement = Limit(bytes: 4096)
    /// A measure's name, after `measures.`.
    public static let measureName = Limit(bytes: 40)

    /// The table as `Protocol/SCHEMA.md` prints it: what, UTF-8 bytes.
    public static let table: [(what: String, limit: Limit)] = [
        ("text value or set element (body, description, …)", text),
        ("field, set or record type name", name),
        ("erase reason", eraseReason),
        ("device name", deviceName),
        ("title (note, decision)", title),
        ("label (tag, area, participant, theme name)", label),
        ("insight statement", statement),
        ("measure name", measureName),
    ]

    /// A text over its limit: the message names the field, its size and the
    /// limit; `hint` says what to do.
    public struct Violation: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let hint: String
        public var description: String { "\(message); \(hint)" }

        public init(message: String, hint: String) {
            self.message = message
            self.hint = hint
        }
    }

    /// Whether `text` fits `limit`; if not, a violation such as "the body is
    /// 600 KiB, over the 512 KiB limit" with `hint`. Counts bytes without copying.
    public static func check(_ text: String, _ limit: Limit, field: String, hint: String) -> Violation? {
        let count = text.utf8.count
        guard count > limit.bytes else { return nil }
        return Violation(message: "the \(field) is \(size(count, over: limit.bytes)), over the \(limit.text) limit", hint: hint)
    }

    /// "600 KiB", "9.6 MiB", "2,000 bytes": exact below 10 KiB and for whole
    /// KiB, else rounded up, so a size over a limit never reads as equal to it.
    public static func size(_ bytes: Int, over limit: Int = 0) -> String {
        let kib = 1024, mib = 1024 * 1024
        if bytes >= mib {
            if bytes % mib == 0 { return "\(bytes / mib) MiB" }
            let tenths = (bytes * 10 + mib - 1) / mib
            return "\(tenths / 10).\(tenths % 10) MiB"
        }
        if bytes >= kib, bytes % kib == 0 { return "\(bytes / kib) KiB" }
        if bytes >= 10 * kib, (bytes + kib - 1) / kib * kib != limit { return "\((bytes + kib - 1) / kib) KiB" }
        return "\(grouped(bytes)) bytes"
    }

    /// 2000 → "2,000".
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}
