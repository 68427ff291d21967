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
        // Read in place (no copy unless the string is not native UTF-8), and the
        // tables once per call rather than once per word.
        var text = text
        let lengths = Prefilter.lengthsByInitial, longest = Prefilter.longestTitle
        // Most words start with a letter no title of their length starts with: let go at once.
        func isTitle(_ key: UInt64, length: Int, initial: UInt8) -> Bool {
            lengths[Int((initial | 0x20) - UInt8(ascii: "a"))] >> min(length, 63) & 1 != 0
                && Prefilter.isTitle(key, length: length, capital: initial < 0x60)
        }
        return text.withUTF8 { bytes in
            var key: UInt64 = 0
            var length = 0
            var initial: UInt8 = 0
            for byte in bytes {
                if isDigit(byte) || byte == UInt8(ascii: "@") { return true }
                if isASCIILetter(byte) {
                    if length == 0 { initial = byte }
                    length += 1
                    if length <= longest { key = key << 5 | UInt64((byte | 0x20) - 0x60) }
                    continue
                }
                if length > 0 {
                    if isTitle(key, length: length, initial: initial) { return true }
                    key = 0
                    length = 0
                }
            }
            return length > 0 && isTitle(key, length: length, initial: initial)
        }
    }

    /// The titles of the name rule as numbers: each lowercase letter as 5 bits (a = 1 … z = 26), first letter highest.
    enum Prefilter {
        static let longestTitle = Words.titles.map(\.word.count).max() ?? 0
        static let anyCase = Words.titles.filter { !$0.capitalised }.map { key($0.word) }
        static let capitalised = Words.titles.filter(\.capitalised).map { key($0.word) }

        /// For each letter a to z, bit n set when some title of n letters starts with it.
        static let lengthsByInitial: [UInt64] = (UInt8(ascii: "a") ... UInt8(ascii: "z")).map { letter in
            Words.titles.filter { $0.word.first.map { $0 | 0x20 } == letter }.reduce(0) { $0 | 1 << UInt64($1.word.count) }
        }

        static func key(_ word: [UInt8]) -> UInt64 { word.reduce(0) { $0 << 5 | UInt64(($1 | 0x20) - 0x60) } }

        static func isTitle(_ key: UInt64, length: Int, capital: Bool) -> Bool {
            guard length >= 2, length <= longestTitle else { return false }
            return anyCase.contains(key) || (capital && capitalised.contains(key))
        }
    }
}
