extension IdentifierScanner {
    /// Whether any rule could match in `text`, read from its UTF-8 bytes
    /// without folding or tokenising: false only for text no rule can match,
    /// so `matches(in:)` may return no match for it straight away.
    ///
    /// Why false is safe, rule by rule (`IdentifierCorpusTests` checks it
    /// against every rule over the corpus and synthetic notes):
    /// - every rule but the email and name rules needs an ASCII digit (see
    ///   `found(in:everyRule:)`), and folding keeps ASCII as itself and maps
    ///   nothing else to a digit: text without a digit byte has none;
    /// - the email rule starts from an `@`, which likewise only an `@` byte gives;
    /// - the name rule starts from a title (`Words.titles`): a letters token
    ///   that is wholly ASCII, so it is a run of ASCII letter bytes with no
    ///   ASCII letter on either side (a non-ASCII neighbour may fold to a
    ///   letter and lengthen the token: splitting there only lets more
    ///   text through). A title that must be capitalised needs an uppercase first letter.
    static func mayHoldIdentifier(_ text: String) -> Bool {
        var key: UInt64 = 0
        var length = 0
        var capital = false
        for byte in text.utf8 {
            if isDigit(byte) || byte == UInt8(ascii: "@") { return true }
            if isASCIILetter(byte) {
                if length == 0 { capital = byte < 0x60 }
                length += 1
                if length <= Prefilter.longestTitle { key = key << 5 | UInt64((byte | 0x20) - 0x60) }
                continue
            }
            if length > 0 {
                if Prefilter.isTitle(key, length: length, capital: capital) { return true }
                key = 0
                length = 0
            }
        }
        return length > 0 && Prefilter.isTitle(key, length: length, capital: capital)
    }

    /// The titles of the name rule as numbers: each lowercase letter as 5 bits (a = 1 … z = 26), first letter highest.
    enum Prefilter {
        static let longestTitle = Words.titles.map(\.word.count).max() ?? 0
        static let anyCase = Words.titles.filter { !$0.capitalised }.map { key($0.word) }
        static let capitalised = Words.titles.filter(\.capitalised).map { key($0.word) }

        static func key(_ word: [UInt8]) -> UInt64 { word.reduce(0) { $0 << 5 | UInt64(($1 | 0x20) - 0x60) } }

        static func isTitle(_ key: UInt64, length: Int, capital: Bool) -> Bool {
            guard length >= 2, length <= longestTitle else { return false }
            return anyCase.contains(key) || (capital && capitalised.contains(key))
        }
    }
}
