extension IdentifierScanner {
    /// The folded text as tokens, for the kinds a word or its neighbours give
    /// away: NHS numbers and near misses, National Insurance and hospital
    /// numbers, dates of birth, street addresses and names after a title.
    /// Every rule works forwards over the tokens in one pass, so the cost is
    /// linear in the text.
    struct Words {
        struct Token {
            enum Kind { case letters, digits, space, newline, symbol }
            let kind: Kind
            let start: Int
            let end: Int
            var count: Int { end - start }
        }

        /// A set of ASCII bytes as a bit mask: tested once per token, so no hashing.
        struct ByteSet {
            private var low: UInt64 = 0
            private var high: UInt64 = 0
            init(_ characters: String) {
                for byte in characters.utf8 where byte < 128 {
                    if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
                }
            }
            func contains(_ byte: UInt8) -> Bool {
                byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 ? high & (1 << UInt64(byte - 64)) != 0 : false
            }
        }

        /// Lowercase ASCII words, compared with a letters token byte by byte (no allocation per token).
        struct WordList: ExpressibleByArrayLiteral {
            let words: [[UInt8]]
            init(arrayLiteral words: String...) { self.words = words.map { Array($0.utf8) } }
        }

        let codes: [UInt8]
        let tokens: [Token]

        init(_ codes: [UInt8]) {
            self.codes = codes
            var tokens: [Token] = []
            tokens.reserveCapacity(codes.count / 3)
            var index = 0
            let kinds = Words.kinds
            while index < codes.count {
                let kind = kinds[Int(codes[index])]
                var end = index + 1
                if kind != .symbol && kind != .newline {
                    while end < codes.count, kinds[Int(codes[end])] == kind { end += 1 }
                }
                tokens.append(Token(kind: kind, start: index, end: end))
                index = end
            }
            self.tokens = tokens
        }

        /// The token kind of each folded byte.
        static let kinds: [Token.Kind] = (0...255).map { value in
            let c = UInt8(value)
            if isDigit(c) { return .digits }
            if isLetter(c) { return .letters }
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { return .space }
            if c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D { return .newline }
            return .symbol
        }

        // MARK: Reading tokens

        func kind(_ t: Int) -> Token.Kind? { t >= 0 && t < tokens.count ? tokens[t].kind : nil }
        func isLetters(_ t: Int) -> Bool { kind(t) == .letters }
        func isDigits(_ t: Int, _ counts: ClosedRange<Int> = 1...Int.max) -> Bool { kind(t) == .digits && counts.contains(tokens[t].count) }
        /// Spaces or tabs on one line, at most three.
        func isSpace(_ t: Int) -> Bool { kind(t) == .space && tokens[t].count <= 3 }
        /// Whether token `t` is the ASCII symbol `c`.
        func isSymbol(_ t: Int, _ c: Unicode.Scalar) -> Bool { kind(t) == .symbol && UInt32(codes[tokens[t].start]) == c.value }
        func isSymbol(_ t: Int, in set: ByteSet) -> Bool { kind(t) == .symbol && set.contains(codes[tokens[t].start]) }

        /// Whether letters token `t` is `word`, ignoring ASCII case (`word` is lowercase ASCII).
        func `is`(_ t: Int, _ word: String) -> Bool {
            guard isLetters(t), tokens[t].count == word.utf8.count else { return false }
            return equals(tokens[t].start, word.utf8)
        }
        func isAny(_ t: Int, _ list: WordList) -> Bool {
            guard isLetters(t) else { return false }
            let count = tokens[t].count
            return list.words.contains { $0.count == count && equals(tokens[t].start, $0) }
        }
        /// Whether the letters from `start` are `word` (lowercase ASCII), ignoring case.
        func equals<Word: Collection<UInt8>>(_ start: Int, _ word: Word) -> Bool {
            var index = start
            for byte in word {
                guard isASCIILetter(codes[index]), codes[index] | 0x20 == byte else { return false }
                index += 1
            }
            return true
        }
        /// Whether letters token `t` starts with one of `initials` (lowercase ASCII): a cheap test before comparing words.
        func startsWithAny(_ t: Int, _ initials: ByteSet) -> Bool { isLetters(t) && initials.contains(codes[tokens[t].start] | 0x20) }

        func isUpper(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || c == upperByte }
        /// Letters starting with an uppercase letter.
        func isCapitalised(_ t: Int) -> Bool { isLetters(t) && isUpper(codes[tokens[t].start]) }
        /// Letters in uppercase only.
        func isAllCaps(_ t: Int) -> Bool { isLetters(t) && (tokens[t].start..<tokens[t].end).allSatisfy { isUpper(codes[$0]) } }

        func value(_ t: Int) -> Int? {
            guard isDigits(t, 1...9) else { return nil }
            return (tokens[t].start..<tokens[t].end).reduce(0) { $0 * 10 + Int(codes[$1] - 0x30) }
        }

        /// True when nothing word-like is glued to token `t` on its left: not letters, digits, or a number's `.`/`,`.
        func startsFree(_ t: Int) -> Bool {
            guard t > 0 else { return true }
            if isLetters(t - 1) || isDigits(t - 1) { return false }
            if isSymbol(t - 1, in: Self.numberJoiners) && isDigits(t - 2) { return false }
            return !isSymbol(t - 1, in: Self.currency) && !(kind(t - 1) == .symbol && codes[tokens[t - 1].start] == currencyByte)
        }
        /// True when nothing word-like follows token `t`: not letters or digits, and not `.5` or `,000`.
        func endsFree(_ t: Int) -> Bool {
            if isLetters(t + 1) || isDigits(t + 1) { return false }
            return !(isSymbol(t + 1, in: Self.numberJoiners) && isDigits(t + 2))
        }

        static let numberJoiners = ByteSet(".,")
        static let currency = ByteSet("$+")
        static let fullStop = ByteSet(".")

        /// The index of the first token from `t` on that is not skipped: spaces, and
        /// symbols in `symbols`, and words in `words`.
        func skip(from t: Int, symbols: ByteSet, words: WordList = [], limit: Int = 8) -> Int {
            var index = t
            var steps = 0
            while steps < limit, index < tokens.count, isSpace(index) || isSymbol(index, in: symbols) || isAny(index, words) {
                index += 1
                steps += 1
            }
            return index
        }

        /// The index of the last token before `t` that is not skipped (spaces, `symbols`, `words`), or -1.
        func skipBack(from t: Int, symbols: ByteSet, words: WordList = [], limit: Int = 8) -> Int {
            var index = t
            var steps = 0
            while steps < limit, index >= 0, isSpace(index) || isSymbol(index, in: symbols) || isAny(index, words) {
                index -= 1
                steps += 1
            }
            return index
        }

        /// The token after `words` read from `t`, each word possibly ended by `.` and
        /// followed by spaces (or nothing, for `m.r.n`); nil when they are not there.
        func phrase(_ words: [String], at t: Int) -> Int? {
            var index = t
            for (offset, word) in words.enumerated() {
                guard self.is(index, word) else { return nil }
                index += 1
                if isSymbol(index, ".") { index += 1 }
                if offset < words.count - 1, isSpace(index) { index += 1 }
            }
            return index
        }

        /// Whether one of `phrases` ends at token `t` (compared backwards, words only, skipping spaces and dots).
        func phraseEnds(at t: Int, _ phrases: [[String]]) -> Bool {
            phrases.contains { words in
                var index = t
                for word in words.reversed() {
                    guard self.is(index, word) else { return false }
                    index = skipBack(from: index - 1, symbols: Self.fullStop, limit: 2)
                }
                return true
            }
        }

        func match(_ kind: IdentifierKind, _ first: Int, _ last: Int) -> Match {
            Match(kind: kind, range: tokens[first].start..<tokens[last].end)
        }

        // MARK: NHS numbers

        /// Digit groups from token `t`, each after one or two spaces, a dash or (with `dots`) a full stop:
        /// (digits so far, index of the group's token, digits in it).
        func digitGroups(from t: Int, limit: Int = 6, dots: Bool = false) -> [(total: Int, token: Int, digits: Int)] {
            var groups: [(total: Int, token: Int, digits: Int)] = []
            var index = t
            var total = 0
            while groups.count < limit, isDigits(index) {
                total += tokens[index].count
                groups.append((total, index, tokens[index].count))
                guard (isSpace(index + 1) && tokens[index + 1].count <= 2) || isSymbol(index + 1, "-") || (dots && isSymbol(index + 1, ".")),
                      isDigits(index + 2) else { break }
                index += 2
            }
            return groups
        }

        /// True when token `t` follows a short group of digits, as a number after its country or area code does ("1 212 555 0100").
        func continuesDigits(_ t: Int) -> Bool {
            (isSpace(t - 1) || isSymbol(t - 1, "-") || isSymbol(t - 1, ".")) && isDigits(t - 2, 1...3)
        }

        func digits(from first: Int, to last: Int) -> [Int] {
            (first...last).filter { isDigits($0) }.flatMap { t in (tokens[t].start..<tokens[t].end).map { Int(codes[$0] - 0x30) } }
        }

        /// Words that say a number is something else: a reference, an order, a phone.
        static let otherNumbers: WordList = [
            "ref", "reference", "invoice", "order", "account", "acct", "booking", "tracking", "policy", "serial", "claim", "job",
            "customer", "tel", "telephone", "phone", "mobile", "mob", "fax", "ring", "call", "text", "sort", "code", "pin", "iban",
        ]
        static let numberWords: WordList = ["no", "number", "num", "nr", "is", "was"]
        static let labelSymbols = ByteSet(":.#=-(")

        /// NHS numbers: 10 digits passing the modulus 11 check, together or in up
        /// to three groups of three or more digits split by a dash, a full stop or
        /// one or two spaces. Possible NHS numbers: 10 digits together or grouped
        /// 3-3-4 that fail the check, unless a word such as "ref" or "invoice" says
        /// what they are instead or they continue a longer run ("+1 212 555 0100");
        /// and after "NHS" (NHS no, NHS number: …), any 9 to 11 digits in any
        /// grouping that are not a valid NHS number.
        func nhsNumbers() -> [Match] {
            var found: [Match] = []
            for t in tokens.indices where isDigits(t) && startsFree(t) && !((isSymbol(t - 1, "-") || isSymbol(t - 1, ".")) && isDigits(t - 2)) {
                let groups = digitGroups(from: t, limit: 11, dots: true)
                guard let most = groups.last?.total, most >= 9 else { continue }
                let before = skipBack(from: t - 1, symbols: Self.labelSymbols, words: Self.numberWords)
                if self.is(before, "nhs") {
                    // After the keyword: the longest run of 9 to 11 digits.
                    if let last = groups.last(where: { (9...11).contains($0.total) && endsFree($0.token) }) {
                        let valid = last.total == 10 && isValidNHSNumber(digits(from: t, to: last.token))
                        found.append(match(valid ? .nhsNumber : .possibleNHSNumber, t, last.token))
                        continue
                    }
                }
                guard let ten = groups.firstIndex(where: { $0.total == 10 }), ten < 3, endsFree(groups[ten].token),
                      groups[...ten].allSatisfy({ $0.digits >= 3 }) else { continue }
                let last = groups[ten].token
                if isValidNHSNumber(digits(from: t, to: last)) {
                    found.append(match(.nhsNumber, t, last))
                    continue
                }
                // A near miss: the usual layouts only, not part of a longer run, and not labelled as something else.
                let layout = groups.map(\.digits)
                guard layout == [10] || layout == [3, 3, 4], !isAny(before, Self.otherNumbers), !continuesDigits(t) else { continue }
                found.append(match(.possibleNHSNumber, t, last))
            }
            return found
        }

        // MARK: National Insurance numbers

        /// HMRC's rules for the prefix: neither letter D, F, I, Q, U or V; the
        /// second not O; and none of the pairs it never allocates.
        static let notInPrefix = ByteSet("DFIQUV")
        static let notPrefixes: WordList = ["bg", "gb", "kn", "nk", "nt", "tn", "zz"]
        static let insuranceWords: [[String]] = [["ni"], ["nino"], ["national", "insurance"]]

        /// Two letters HMRC issues as a prefix, six digits (together or split by
        /// single spaces or dashes), and a suffix letter A to D; any case. The
        /// suffix may be left out right after "NI", "NINO" or "National Insurance".
        func nationalInsuranceNumbers() -> [Match] {
            var found: [Match] = []
            func isGap(_ index: Int) -> Bool { (isSpace(index) && tokens[index].count == 1) || isSymbol(index, "-") }
            for t in tokens.indices where isLetters(t) && tokens[t].count == 2 && (isDigits(t + 1) || (isGap(t + 1) && isDigits(t + 2))) {
                let first = upper(codes[tokens[t].start]), second = upper(codes[tokens[t].start + 1])
                guard startsFree(t), isASCIILetter(first), isASCIILetter(second), !Self.notInPrefix.contains(first),
                      !Self.notInPrefix.contains(second), second != UInt8(ascii: "O"), !isAny(t, Self.notPrefixes) else { continue }
                var index = t + 1
                if isGap(index) { index += 1 }
                var total = 0
                var lastDigits = -1
                while isDigits(index), total + tokens[index].count <= 6 {
                    total += tokens[index].count
                    lastDigits = index
                    index += 1
                    guard total < 6, isGap(index), isDigits(index + 1) else { break }
                    index += 1
                }
                guard total == 6, lastDigits >= 0 else { continue }
                var suffix = lastDigits + 1
                if isGap(suffix) { suffix += 1 }
                if isLetters(suffix), tokens[suffix].count == 1, (UInt8(ascii: "A")...UInt8(ascii: "D")).contains(upper(codes[tokens[suffix].start])),
                   endsFree(suffix) {
                    found.append(match(.nationalInsuranceNumber, t, suffix))
                } else if endsFree(lastDigits),
                          phraseEnds(at: skipBack(from: t - 1, symbols: Self.labelSymbols, words: Self.numberWords), Self.insuranceWords) {
                    found.append(match(.nationalInsuranceNumber, t, lastDigits))
                }
            }
            return found
        }

        // MARK: Hospital numbers

        /// The keywords that introduce a local hospital number (medical record number), and whether
        /// "number", "no", … must follow them.
        static let hospitalPhrases: [(words: [String], needsNumberWord: Bool)] = [
            (["hospital", "reg"], true), (["hospital", "registration"], true), (["hospital"], true), (["hosp"], true),
            (["medical", "record"], true), (["patient"], true), (["unit"], true), (["mrn"], false), (["m", "r", "n"], false),
        ]
        static let hospitalInitials = ByteSet("hmpu")
        static let idSkipSymbols = ByteSet(":.#=-(,")
        static let idWords: WordList = ["number", "no", "num", "nr", "id", "ref"]

        /// A hospital number after its keyword: "hospital", "hospital reg",
        /// "hosp", "medical record", "patient" or "unit" followed by number, no,
        /// num, id or ref (or `#`);
        /// or "MRN" / "M.R.N.". Then, after any `:`, `-`, `=`, `#`, `,` or "is", an id
        /// of up to four letters, an optional space, dash or slash, 4 to 10 digits
        /// (in groups split by single spaces), and up to two letters glued on.
        func hospitalNumbers() -> [Match] {
            var found: [Match] = []
            for t in tokens.indices where startsWithAny(t, Self.hospitalInitials) && startsFree(t) {
                var after: Int?
                for (words, needsNumberWord) in Self.hospitalPhrases {
                    guard var index = phrase(words, at: t) else { continue }
                    if needsNumberWord {
                        if isSpace(index) { index += 1 }
                        if isSymbol(index, "#") {
                            index += 1
                        } else {
                            guard isAny(index, Self.idWords) else { continue }
                            index += 1
                            if isSymbol(index, ".") { index += 1 }
                        }
                    }
                    after = index
                    break
                }
                guard let keywordEnd = after else { continue }
                let start = skip(from: keywordEnd, symbols: Self.idSkipSymbols, words: ["is", "was"], limit: 4)
                var index = start
                if isLetters(index), (1...4).contains(tokens[index].count) {
                    index += 1
                    if (isSpace(index) && tokens[index].count == 1) || isSymbol(index, "-") || isSymbol(index, "/") { index += 1 }
                }
                let groups = digitGroups(from: index, limit: 4)
                guard let last = groups.last(where: { (4...10).contains($0.total) }) else { continue }
                var end = last.token
                if isLetters(end + 1), tokens[end + 1].count <= 2 { end += 1 }
                guard endsFree(end) else { continue }
                found.append(match(.hospitalNumber, start, end))
            }
            return found
        }

        // MARK: Dates of birth

        static let months: WordList = [
            "january", "jan", "february", "feb", "march", "mar", "april", "apr", "may", "june", "jun", "july", "jul", "august", "aug",
            "september", "sep", "sept", "october", "oct", "november", "nov", "december", "dec",
        ]
        static let ordinals: WordList = ["st", "nd", "rd", "th"]
        /// Words between a date-of-birth keyword and the date: "born on the", "born on Tuesday".
        static let beforeDates: WordList = [
            "on", "the", "is", "was", "of", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
        ]
        static let dateSeparators = ByteSet("/.-")

        /// The token after a date-of-birth keyword at `t`: DOB, D.O.B., date of birth, birth date, birthdate, birthday, born, b.
        func birthKeyword(at t: Int) -> Int? {
            for words in Self.birthPhrases {
                if let end = phrase(words, at: t) { return end }
            }
            // "b. 12.03.1941": the abbreviation only with its full stop.
            return self.is(t, "b") && isSymbol(t + 1, ".") ? t + 2 : nil
        }
        static let birthPhrases = [["dob"], ["d", "o", "b"], ["date", "of", "birth"], ["birth", "date"], ["birthdate"], ["birthday"], ["born"]]
        static let birthInitials = ByteSet("db")
        static let beforeDateSymbols = ByteSet(":=-(,")

        /// A day and month (and year) after a date-of-birth keyword and any of
        /// ":", "on", "the", a weekday; the date alone is matched: 12/03/1941,
        /// 12.3.41, 12-03-1941, 12 03 1941, 12 / 03 / 1941, 1941-03-12, 12 March 1941,
        /// 12th of March, 12-Mar-1941, 12th March '41, March 12, 1941. A year alone
        /// ("born in 1941") is not a date of birth.
        func datesOfBirth() -> [Match] {
            var found: [Match] = []
            for t in tokens.indices where startsWithAny(t, Self.birthInitials) && startsFree(t) {
                guard let keywordEnd = birthKeyword(at: t) else { continue }
                let start = skip(from: keywordEnd, symbols: Self.beforeDateSymbols, words: Self.beforeDates, limit: 8)
                if let end = date(at: start), endsFree(end) { found.append(match(.dateOfBirth, start, end)) }
            }
            return found
        }

        func isMonth(_ t: Int) -> Bool { isAny(t, Self.months) }

        /// The last token of a date starting at token `t`, or nil.
        func date(at t: Int) -> Int? {
            if isMonth(t) {
                // March 12, 1941 / March 12th
                var index = t + 1
                if isSymbol(index, ".") { index += 1 }
                guard isSpace(index), let day = value(index + 1), (1...31).contains(day), isDigits(index + 1, 1...2) else { return nil }
                var end = index + 1
                if isAny(end + 1, Self.ordinals) { end += 1 }
                return year(after: end) ?? end
            }
            guard let first = value(t) else { return nil }
            if isDigits(t, 4...4) {
                // 1941-03-12
                guard isSymbol(t + 1, in: Self.dateSeparators), let month = value(t + 2), isSymbol(t + 3, in: Self.dateSeparators),
                      codes[tokens[t + 1].start] == codes[tokens[t + 3].start], let day = value(t + 4), isDigits(t + 4, 1...2),
                      (1...12).contains(month), (1...31).contains(day) else { return nil }
                return t + 4
            }
            guard isDigits(t, 1...2), (1...31).contains(first) else { return nil }
            // 12/03/1941, 12 03 1941, 12 / 03 / 1941 (month first too: either way it is the date)
            if let (byte, middle) = numericSeparator(after: t), isDigits(middle, 1...2), let second = value(middle),
               let (again, last) = numericSeparator(after: middle), again == byte, isDigits(last, 2...2) || isDigits(last, 4...4),
               (1...12).contains(second) || ((1...12).contains(first) && (1...31).contains(second)) {
                return last
            }
            // 12 March 1941, 12th of March, 12-Mar-41
            var index = t + 1
            if isAny(index, Self.ordinals) { index += 1 }
            guard isSpace(index) || isSymbol(index, "-") || isSymbol(index, "/") else { return nil }
            index += 1
            if self.is(index, "of"), isSpace(index + 1) { index += 2 }
            guard isMonth(index) else { return nil }
            // 12 Sept. 1941: the abbreviation's full stop sits between month and year.
            return year(after: isSymbol(index + 1, ".") ? index + 1 : index) ?? index
        }

        /// The separator after the date part at `t` (one of / . -, perhaps with a space either side, or one space)
        /// and the index of the next part.
        func numericSeparator(after t: Int) -> (byte: UInt8, next: Int)? {
            var index = t + 1
            let spaced = isSpace(index) && tokens[index].count == 1
            if spaced { index += 1 }
            if isSymbol(index, in: Self.dateSeparators) {
                let byte = codes[tokens[index].start]
                index += 1
                if isSpace(index) && tokens[index].count == 1 { index += 1 }
                return (byte, index)
            }
            return spaced ? (UInt8(ascii: " "), index) : nil
        }

        /// The last token of a year (2 or 4 digits) after a date's day or month ending at `t`.
        func year(after t: Int) -> Int? {
            var index = t + 1
            if isSymbol(index, ",") { index += 1 }
            guard isSpace(index) || isSymbol(index, "-") || isSymbol(index, "/") else { return nil }
            index += 1
            if isSymbol(index, "'"), isDigits(index + 1, 2...2) { return index + 1 }  // '41
            return isDigits(index, 4...4) || isDigits(index, 2...2) ? index : nil
        }

        // MARK: Street addresses

        static let streetWords: WordList = [
            "road", "rd", "street", "st", "avenue", "ave", "lane", "ln", "close", "drive", "dr", "way", "crescent", "cres", "grove",
            "terrace", "tce", "place", "pl", "court", "ct", "gardens", "gdns", "walk", "row", "square", "sq", "mews", "rise", "hill",
            "parade", "view", "green", "vale", "boulevard",
        ]
        /// Street words that are rarely anything else, so they count in lowercase too ("14 Cromwell road"), unlike way, close or drive.
        static let plainStreetWords: WordList = ["road", "rd", "street", "avenue", "ave", "lane", "crescent", "terrace", "gardens", "mews", "boulevard"]
        static let directions: WordList = ["north", "south", "east", "west", "upper", "lower"]
        static let flatWords: WordList = ["flat", "apartment", "apt", "unit"]
        /// Words that end a building's name, an address after "Flat 12".
        static let buildingWords: WordList = ["house", "lodge", "mansions", "heights", "tower", "buildings", "cottages", "cottage", "hall", "point"]
        /// Words before a number that make it something other than a house number.
        static let notHouseNumber: WordList = [
            "the", "bus", "buses", "route", "service", "platform", "stand", "bay", "gate", "ward", "room", "bed", "year", "years",
            "aged", "age", "number",
        ]

        /// A house number (14, 14a, 12-14; "14, " for up to three digits) followed
        /// by one to three capitalised words and a street word (Road, Street,
        /// Avenue, Lane, Close, …; road, street, avenue, lane, crescent, terrace,
        /// gardens and mews in lowercase too) and any North, South, East, West,
        /// Upper or Lower after it, with "Flat 3, ", "Apartment 4 " or "Unit 7, "
        /// before it taken in (a flat's building too: "Flat 12 Kent House, 2 Queen
        /// Street"). Street names alone ("the foodbank on Cromwell Road") are not
        /// addresses, nor numbers after "the", "bus", "route", "ward", ….
        func streetAddresses() -> [Match] {
            var found: [Match] = []
            for t in tokens.indices where isDigits(t, 1...4) && startsFree(t) {
                var index = t + 1
                if isLetters(index), tokens[index].count == 1 {
                    index += 1
                } else if isSymbol(index, "-") || isSymbol(index, "/"), isDigits(index + 1, 1...4) {
                    index += 2
                }
                let comma = isSymbol(index, ",")
                if comma { index += 1 }
                guard isSpace(index), isCapitalised(index + 1) else { continue }
                index += 1
                // This number is a flat's ("Flat 12 Kent House"): a building name counts as the street.
                let flatNumber = isSpace(t - 1) && isAny(t - 2, Self.flatWords)
                var words = 0
                var end: Int?
                while words < 4, isCapitalised(index) || (words >= 1 && isAny(index, Self.plainStreetWords)) {
                    var last = index
                    // Peter's, Smith-Jones
                    if isSymbol(last + 1, "'"), self.is(last + 2, "s") { last += 2 }
                    if isSymbol(last + 1, "-"), isCapitalised(last + 2) { last += 2 }
                    if words >= 1, isAny(index, Self.streetWords) || (flatNumber && isAny(index, Self.buildingWords)) {
                        end = last
                        // Cromwell Road North
                        if isSpace(last + 1), tokens[last + 1].count == 1, isCapitalised(last + 2), isAny(last + 2, Self.directions) { end = last + 2 }
                    }
                    guard isCapitalised(index) else { break }
                    words += 1
                    var next = last + 1
                    if isSymbol(next, "."), self.is(index, "st") { next += 1 }
                    guard isSpace(next), tokens[next].count == 1 else { break }
                    index = next + 1
                }
                guard let last = end, endsFree(last) else { continue }
                // "Flat 3" right before this number, or this number is the flat's.
                var flat: Int?
                if isSpace(t - 1), isAny(t - 2, Self.flatWords) { flat = t - 2 }
                if flat == nil {
                    var index = t - 1
                    if isSpace(index) { index -= 1 }
                    if isSymbol(index, ",") { index -= 1 }
                    if isLetters(index), tokens[index].count == 1, isDigits(index - 1) { index -= 1 }
                    if isDigits(index), isSpace(index - 1), isAny(index - 2, Self.flatWords) { flat = index - 2 }
                }
                if flat == nil {
                    if comma && tokens[t].count > 3 { continue }  // "In 2020, Cromwell Road was closed"
                    if isAny(skipBack(from: t - 1, symbols: Self.fullStop, limit: 2), Self.notHouseNumber) { continue }
                }
                var address = match(.streetAddress, flat ?? t, last)
                // "Flat 12 Kent House, 2 Queen Street": one address.
                if flat == nil, let previous = found.last, isSpace(t - 1), isSymbol(t - 2, ","), previous.range.upperBound == tokens[t - 2].start {
                    found.removeLast()
                    address = Match(kind: .streetAddress, range: previous.range.lowerBound..<address.range.upperBound)
                }
                found.append(address)
            }
            return found
        }

        // MARK: Names after a title

        /// A title, and how the name after it may be written.
        struct Title {
            let word: [UInt8]
            /// The title itself must start with a capital ("Miss", not "miss the bus").
            let capitalised: Bool
            /// The name may be in lowercase ("mrs smith"): after Mr, Mrs, Ms and Mx nothing else is likely.
            let lowercaseName: Bool
            /// A peer's title: "Lord Street" and "Lady Lane" are streets.
            var peerage: Bool { capitalised && ["lord", "lady", "sir", "dame"].contains(String(decoding: word, as: UTF8.self)) }
        }

        static let titleInitials = ByteSet("mdprcslfni")
        static let titles: [Title] =
            ["mr", "mrs", "ms", "mx"].map { Title(word: Array($0.utf8), capitalised: false, lowercaseName: true) }
            + ["dr", "prof", "rev", "revd", "cllr"].map { Title(word: Array($0.utf8), capitalised: false, lowercaseName: false) }
            + ["miss", "doctor", "professor", "reverend", "councillor", "sir", "dame", "lord", "lady", "fr", "father", "sister", "nurse",
               "pastor", "imam", "rabbi"].map {
                Title(word: Array($0.utf8), capitalised: true, lowercaseName: false)
            }

        /// The title letters token `t` is, if any.
        func title(at t: Int) -> Title? {
            guard startsWithAny(t, Self.titleInitials), tokens[t].count <= 10 else { return nil }
            let count = tokens[t].count
            return Self.titles.first { $0.word.count == count && equals(tokens[t].start, $0.word) }
        }

        /// Words that follow a title without being a name: "Mr and Mrs", "the Dr. She said", "Dr Monday".
        static let notNames: WordList = [
            "the", "and", "or", "a", "an", "of", "to", "in", "on", "at", "for", "with", "from", "by", "is", "was", "has", "had", "said",
            "says", "say", "told", "who", "which", "that", "this", "there", "then", "when", "but", "so", "also", "not", "no", "yes",
            "she", "he", "they", "we", "i", "it", "you", "his", "her", "hers", "him", "their", "them", "our", "my", "me", "us", "after",
            "before", "today", "tomorrow", "yesterday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "came", "come", "went", "called", "rang", "will", "would", "can", "could", "did", "does", "do", "are", "were", "be",
        ]

        /// Lowercase words inside surnames.
        static let particles: WordList = ["van", "von", "der", "den", "de", "da", "di", "del", "du", "le", "la", "bin", "al", "ap"]

        /// The last token of a name word at `t` (Smith, O'Neill, Smith-Jones), or nil.
        func nameWord(at t: Int, title: Title, allCaps: Bool, lowercase: Bool?) -> Int? {
            guard isLetters(t), !isAny(t, Self.notNames) else { return nil }
            var last = t
            // O'Neill, D'Arcy, o'brien; Sarah-Jane
            if tokens[t].count == 1, isSymbol(t + 1, "'"), isLetters(t + 2) { last = t + 2 }
            while isSymbol(last + 1, "-"), isCapitalised(last + 2) { last += 2 }
            guard last > t || tokens[t].count >= 2 else { return nil }
            if allCaps { return isAllCaps(t) ? last : nil }
            // A name is written all in lowercase or all capitalised: "mr ken marshall", never "Ms Holt runs".
            let isLower = codes[tokens[t].start] >= 0x61 && codes[tokens[t].start] <= 0x7A
            if isLower { return title.lowercaseName && lowercase != false ? last : nil }
            return isCapitalised(t) && lowercase != true ? last : nil
        }

        /// A name after a title: Mr, Mrs, Ms, Mx, Dr, Prof, Rev, Revd, Cllr (any
        /// case, optional full stop), Miss, Doctor, Professor, Reverend, Councillor,
        /// Sir, Dame, Lord, Lady, Fr, Father, Sister, Nurse, Pastor, Imam, Rabbi
        /// (capitalised); then one to three capitalised words, initials and
        /// particles allowed among them ("Mrs J. Smith", "Mrs Van der Berg"). An initial alone ("Mrs P")
        /// is how notes already keep people anonymous, so it is not a name. A title
        /// in capitals ("MS Teams") needs a name in capitals. The title stays in
        /// the text: only the name is matched.
        func namesAfterTitles() -> [Match] {
            var found: [Match] = []
            for t in tokens.indices where isLetters(t) {
                guard let title = title(at: t), !title.capitalised || isCapitalised(t), startsFree(t) else { continue }
                let allCaps = tokens[t].count >= 2 && isAllCaps(t)
                var index = t + 1
                if isSymbol(index, ".") { index += 1 }
                guard isSpace(index) else { continue }
                index += 1
                var first: Int?
                var last: Int?
                var words = 0
                var pieces = 0
                var lowercase: Bool?
                while pieces < 4, isLetters(index) {
                    if lowercase != true, isAny(index, Self.particles), isSpace(index + 1), tokens[index + 1].count == 1, isCapitalised(index + 2) {
                        // "Van der Berg", "de Souza": a particle, counted with the name after it.
                        first = first ?? index
                        pieces += 1
                        index += 2
                    } else if let end = nameWord(at: index, title: title, allCaps: allCaps, lowercase: lowercase) {
                        lowercase = lowercase ?? !isCapitalised(index)
                        first = first ?? index
                        last = end
                        words += 1
                        pieces += 1
                        guard isSpace(end + 1), tokens[end + 1].count == 1, isLetters(end + 2), words < 3 else { break }
                        index = end + 2
                    } else if tokens[index].count == 1, isUpper(codes[tokens[index].start]) {
                        // An initial, counted only if a name follows it.
                        var next = index + 1
                        let dot = isSymbol(next, ".")
                        if dot { next += 1 }
                        if isSpace(next) { next += 1 } else if !dot { break }  // "J Smith", "J. Smith", "J.Smith"
                        guard isLetters(next) else { break }
                        first = first ?? index
                        pieces += 1
                        index = next
                    } else {
                        break
                    }
                }
                guard let start = first, let end = last else { continue }
                // "Lord Street", "Lady Lane": a street, not a peer.
                if words == 1, title.peerage, isAny(start, Self.streetWords) { continue }
                found.append(match(.personName, start, end))
            }
            return found
        }
    }
}
