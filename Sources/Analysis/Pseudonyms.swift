/// Whether a participant value looks like a pseudonym. Notes must never
/// name a resident, so a value that looks like a real name or an identifier
/// gets a warning (the note is still written: the heuristic is deliberately
/// simple, and a worker may know better). Pseudonyms look like "P07",
/// "P-017", "Resident 12" or "Fern".
public enum Pseudonyms {
    /// Words that start a descriptive pseudonym ("Resident Twelve", "Participant A", "Not given"), never a name.
    static let roleWords: Set<String> = [
        "resident", "participant", "person", "client", "carer", "patient", "member", "volunteer", "respondent",
        "interviewee", "user", "case", "neighbour", "tenant", "parent", "visitor", "service", "group", "family", "couple",
        "anon", "anonymous", "unknown", "unnamed", "not", "none", "no", "withheld", "pseudonym",
    ]

    /// Why `text` does not look like a pseudonym, or nil when it does. The
    /// one rule for the warning at `add`/`edit` and for the identifier guard
    /// (`scan`, exports), which treats such a value as a person's name:
    /// - an email address (text@domain.tld);
    /// - 7 or more digits (a phone number, an NHS number, a date of birth with the year);
    /// - two or more words with no digit, unless the first is a role
    ///   or the rest are initials ("Mary Smith", "Mrs Jean Smith", "jean
    ///   smith", "SMITH, Jean"; not "Resident Twelve" or "Mrs P"): a real name is more likely there than a two-word
    ///   made-up one, and renaming a pseudonym costs little.
    public static func concern(_ text: String) -> String? {
        // Most values are one printable ASCII word ("P-017"): no space to trim or split
        // at, no `@`, so only the digit count can speak. Read as bytes, with no Characters made.
        var digits = 0
        var oneWord = true
        for byte in text.utf8 {
            guard byte > 0x20, byte < 0x7F, byte != UInt8(ascii: ","), byte != UInt8(ascii: "@") else {
                oneWord = false
                break
            }
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { digits += 1 }
        }
        if oneWord { return digits >= 7 ? manyDigits : nil }
        return slowConcern(text)
    }

    static let manyDigits = "holds 7 or more digits, like a phone or NHS number"

    /// `concern(_:)` read as Characters: any text.
    static func slowConcern(_ text: String) -> String? {
        let trimmed = text.trimmingSpaces
        if let at = trimmed.firstIndex(of: "@"), at != trimmed.startIndex,
           trimmed[trimmed.index(after: at)...].dropLast().contains(".") {
            return "looks like an email address"
        }
        let digits = trimmed.filter(\.isASCIIDigit).count
        if digits >= 7 {
            return manyDigits
        }
        let words = trimmed.split(whereSeparator: { $0.isWhitespace || $0 == "," }).map { String($0).trimming(".,") }.filter { !$0.isEmpty }
        // A title or word and initials ("Mrs P", "Resident B") is how notes anonymise.
        if digits == 0, words.count >= 2, !roleWords.contains(words[0].lowercased()), !words.dropFirst().allSatisfy({ $0.count == 1 }) {
            return "looks like a real name (two or more words)"
        }
        return nil
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    /// The string without any of `characters` at either end.
    func trimming(_ characters: String) -> String {
        var rest = Substring(self)
        while let first = rest.first, characters.contains(first) { rest.removeFirst() }
        while let last = rest.last, characters.contains(last) { rest.removeLast() }
        return String(rest)
    }
}
