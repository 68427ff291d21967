import Analysis
import Store

/// Finds direct identifiers in free text, the kinds NHS and ICO anonymisation
/// guidance name: NHS numbers (and near misses), hospital numbers, National
/// Insurance numbers, names after a title, dates of birth, street addresses,
/// UK postcodes, UK phone numbers and email addresses (`IdentifierKind.rule`
/// states each rule). Deliberately cautious: a false alarm costs a person a
/// `--redact`; a miss leaks a resident's identity. It finds patterns, not
/// meaning: a name without a title, an age or a rare condition is not found.
///
/// Works on Unicode scalars, each folded to one byte (ASCII as itself, other
/// spaces, dashes, apostrophes and quotation marks to ' ', '-', '\'' and '"',
/// £ and € to `currencyByte`, other uppercase letters to `upperByte`, other
/// letters and digits to `wordByte`, anything else to `otherByte`), so offsets are scalar offsets of the text. The word-based
/// kinds read the folded text as tokens (`IdentifierScanner+Words.swift`).
///
/// Measured against a labelled corpus (`Tests/ExportTests/Fixtures/identifier-corpus.txt`)
/// by `IdentifierCorpusTests`; the README gives the figures.
public enum IdentifierScanner {
    /// One identifier: its kind and its range in Unicode scalar offsets.
    public struct Match: Equatable, Sendable {
        public let kind: IdentifierKind
        public let range: Range<Int>

        public init(kind: IdentifierKind, range: Range<Int>) {
            self.kind = kind
            self.range = range
        }
    }

    /// Which kind wins when two matches start at the same place and are as long:
    /// the most specific rule first, the near-miss NHS number last.
    static let precedence: [IdentifierKind] = [
        .email, .nhsNumber, .nationalInsuranceNumber, .hospitalNumber, .dateOfBirth, .phone, .streetAddress, .personName, .postcode,
        .possibleNHSNumber,
    ]

    static let rank = Dictionary(uniqueKeysWithValues: precedence.enumerated().map { ($1, $0) })

    /// Every identifier in `text`, in order, none overlapping. Where two overlap,
    /// the one starting first is kept (the longer, if they start together).
    public static func matches(in text: String) -> [Match] {
        mayHoldIdentifier(text) ? candidateMatches(in: text) : []
    }

    /// `matches(in:)` for text `mayHoldIdentifier` has let through: a caller
    /// that asks the pre-filter first (`ExportDataset.scan`) does not pay for it twice.
    static func candidateMatches(in text: String) -> [Match] {
        // Fewer than 5 bytes are fewer than 5 scalars: too short for any identifier.
        guard text.utf8.count >= 5 else { return [] }
        let codes = fold(text)
        guard codes.count >= 5 else { return [] }
        return resolve(found(in: codes, everyRule: false))
    }

    /// What each rule finds in folded text. Every rule but the email and
    /// name rules matches digits (a phone number, postcode, NHS, NI or
    /// hospital number, a date, a house number: each rule's guard asks for an
    /// ASCII digit), so text with none, most titles and many bodies, goes
    /// through those two alone unless `everyRule` (which tests compare with).
    static func found(in codes: [UInt8], everyRule: Bool) -> [Match] {
        let digits = everyRule || codes.contains { isDigit($0) }
        let words = Words(codes)
        var found = email(codes)
        if digits {
            found += phoneNumbers(codes) + postcodes(codes)
            found += words.nhsNumbers() + words.nationalInsuranceNumbers() + words.hospitalNumbers()
            found += words.datesOfBirth() + words.streetAddresses()
        }
        found += words.namesAfterTitles()
        return found
    }

    /// The matches in order, none overlapping: where two overlap, the one
    /// starting first is kept (the longer, if they start together; by
    /// `precedence` if as long).
    static func resolve(_ found: [Match]) -> [Match] {
        var found = found
        found.sort { a, b in
            a.range.lowerBound != b.range.lowerBound ? a.range.lowerBound < b.range.lowerBound
                : a.range.count != b.range.count ? a.range.count > b.range.count : rank[a.kind, default: 0] < rank[b.kind, default: 0]
        }
        var result: [Match] = []
        for match in found where result.last.map({ $0.range.upperBound <= match.range.lowerBound }) ?? true {
            result.append(match)
        }
        return result
    }

    /// Every identifier in one field of a record. A note's `participant` (and a
    /// case's `pseudonym`) is meant to hold a pseudonym: when its value does not
    /// look like one (`looksLikePseudonym`), the whole value is one match of kind `.personName`.
    public static func matches(in text: String, type: String, field: String) -> [Match] {
        if holdsPseudonym(type: type, field: field), !looksLikePseudonym(text) {
            return [Match(kind: .personName, range: 0..<text.unicodeScalars.count)]
        }
        return matches(in: text)
    }

    /// `text` with each identifier replaced by its placeholder, and how many were replaced.
    public static func redact(_ text: String) -> (text: String, count: Int) {
        replace(matches(in: text), in: text)
    }

    /// One field's text with each identifier replaced, by the rule of `matches(in:type:field:)`.
    public static func redact(_ text: String, type: String, field: String) -> (text: String, count: Int) {
        replace(matches(in: text, type: type, field: field), in: text)
    }

    static func replace(_ found: [Match], in text: String) -> (text: String, count: Int) {
        guard !found.isEmpty else { return (text, 0) }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        for match in found {
            out.append(contentsOf: scalars[index..<match.range.lowerBound])
            out.append(contentsOf: match.kind.placeholder.unicodeScalars)
            index = match.range.upperBound
        }
        out.append(contentsOf: scalars[index...])
        return (String(out), found.count)
    }

    // MARK: Measure names

    /// The kinds of identifier in a note's measure name (the NAME of a
    /// `measures.NAME` field: a–z, 0–9 and `_`), which exports write as text
    /// (a CSV column, an NDJSON key, a QDPX variable). A name is a code, not
    /// prose, so it is read as words split at each `_` and wherever letters
    /// and digits meet: `n9434765919` and `nhs_9434765919` read as
    /// `n 9434765919` and `nhs 9434765919`, an NHS number either way.
    public static func identifiers(inMeasureName name: String) -> [IdentifierKind] {
        func digit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
        var words = String.UnicodeScalarView()
        var previous: Unicode.Scalar = "_"
        for scalar in name.unicodeScalars {
            if scalar == "_" {
                words.append(" ")
            } else {
                if previous != "_", digit(previous) != digit(scalar) { words.append(" ") }
                words.append(scalar)
            }
            previous = scalar
        }
        return matches(in: String(words)).map(\.kind)
    }

    // MARK: Participants

    /// True for the fields that should hold a pseudonym: a note's `participant` and a case's `pseudonym`.
    public static func holdsPseudonym(type: String, field: String) -> Bool {
        (type == Note.type && field == "participant") || (type == Case.type && field == "pseudonym")
    }

    /// Whether a participant value looks like a pseudonym rather than a real
    /// name or an identifier: `Pseudonyms.concern`'s rule, the same one
    /// `add --participant` warns by.
    public static func looksLikePseudonym(_ value: String) -> Bool { Pseudonyms.concern(value) == nil }

    /// The NHS number check: ten digits whose first nine, weighted 10 down to
    /// 2, leave a remainder r mod 11 such that 11 − r (11 read as 0) is the
    /// tenth; a result of 10 means no valid number has those nine digits.
    public static func isValidNHSNumber(_ digits: [Int]) -> Bool {
        guard digits.count == 10, digits.allSatisfy({ (0...9).contains($0) }) else { return false }
        var sum = 0
        for index in 0..<9 { sum += digits[index] * (10 - index) }
        let check = 11 - sum % 11
        if check == 10 { return false }
        return (check == 11 ? 0 : check) == digits[9]
    }

    // MARK: Folding

    static let wordByte: UInt8 = 0x81
    static let otherByte: UInt8 = 0x80
    /// A letter outside ASCII that is uppercase (É, Ł): names start with one.
    static let upperByte: UInt8 = 0x82
    /// £ or €: a number after one is money.
    static let currencyByte: UInt8 = 0x83

    static func fold(_ text: String) -> [UInt8] {
        var codes: [UInt8] = []
        codes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                codes.append(UInt8(value))
            } else if value == 0xA0 || value == 0x2007 || value == 0x2009 || value == 0x202F {
                codes.append(UInt8(ascii: " "))
            } else if (0x2010...0x2015).contains(value) || value == 0x2212 {
                codes.append(UInt8(ascii: "-"))
            } else if value == 0x2018 || value == 0x2019 {
                codes.append(UInt8(ascii: "'"))
            } else if value == 0x201C || value == 0x201D {
                codes.append(UInt8(ascii: "\""))
            } else if value == 0xA3 || value == 0x20AC {
                codes.append(currencyByte)
            } else if scalar.properties.isUppercase {
                codes.append(upperByte)
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                codes.append(wordByte)
            } else {
                codes.append(otherByte)
            }
        }
        return codes
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    static func isLetter(_ c: UInt8) -> Bool { isASCIILetter(c) || c == wordByte || c == upperByte }
    static func isWord(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) }
    static func upper(_ c: UInt8) -> UInt8 { isASCIILetter(c) ? c & ~0x20 : c }

    /// True when position `index` starts a word: the text starts there or the scalar before is not a letter or digit.
    static func startsWord(_ codes: [UInt8], _ index: Int) -> Bool { index == 0 || !isWord(codes[index - 1]) }
    /// True when a match ending before `index` ends a word.
    static func endsWord(_ codes: [UInt8], _ index: Int) -> Bool { index == codes.count || !isWord(codes[index]) }

    /// True when a decimal point and digit follow: `9434765919.5` is a measurement, not an identifier.
    static func continuesNumber(_ codes: [UInt8], _ index: Int) -> Bool {
        index + 1 < codes.count && (codes[index] == UInt8(ascii: ".") || codes[index] == UInt8(ascii: ",")) && isDigit(codes[index + 1])
    }

    // MARK: Postcodes

    /// The six outward-code shapes (A letter, 9 digit) of the UK postcode format.
    static let outwardShapes: [[UInt8]] = ["A9", "A99", "A9A", "AA9", "AA99", "AA9A"].map { Array($0.utf8) }
    static let notFirst = Set("QVX".utf8)
    static let notSecond = Set("IJZ".utf8)
    static let thirdInA9A = Set("ABCDEFGHJKPSTUW".utf8)
    static let fourthInAA9A = Set("ABEHMNPRVWXY".utf8)
    static let notInward = Set("CIKMOV".utf8)

    /// Full UK postcodes, any case, with one space or none between the outward
    /// and inward codes, following the letter rules of each position; and GIR 0AA.
    static func postcodes(_ codes: [UInt8]) -> [Match] {
        var found: [Match] = []
        var index = 0
        while index < codes.count {
            defer { index += 1 }
            guard isASCIILetter(codes[index]), startsWord(codes, index), index + 5 <= codes.count else { continue }
            // Every outward code has a digit second or third; only GIR 0AA has none.
            guard isDigit(codes[index + 1]) || isDigit(codes[index + 2]) || upper(codes[index]) == UInt8(ascii: "G") else { continue }
            var best: Int?
            for shape in outwardShapes {
                guard let outwardEnd = outward(codes, index, shape), let end = inward(codes, outwardEnd) else { continue }
                best = max(best ?? end, end)
            }
            if best == nil, upper(codes[index]) == UInt8(ascii: "G"), upper(codes[index + 1]) == UInt8(ascii: "I"), upper(codes[index + 2]) == UInt8(ascii: "R") {
                var position = index + 3
                if position < codes.count, codes[position] == UInt8(ascii: " ") { position += 1 }
                if position + 3 <= codes.count, codes[position] == UInt8(ascii: "0"),
                   upper(codes[position + 1]) == UInt8(ascii: "A"), upper(codes[position + 2]) == UInt8(ascii: "A"),
                   endsWord(codes, position + 3) {
                    best = position + 3
                }
            }
            if let end = best {
                found.append(Match(kind: .postcode, range: index..<end))
                index = end - 1
            }
        }
        return found
    }

    static func outward(_ codes: [UInt8], _ start: Int, _ shape: [UInt8]) -> Int? {
        guard start + shape.count <= codes.count else { return nil }
        let letters = shape.firstIndex(of: UInt8(ascii: "9")) ?? shape.count
        for (offset, kind) in shape.enumerated() {
            let c = upper(codes[start + offset])
            if kind == UInt8(ascii: "9") {
                guard isDigit(c) else { return nil }
                continue
            }
            guard isASCIILetter(c) else { return nil }
            switch offset {
            case 0: guard !notFirst.contains(c) else { return nil }
            case 1 where letters == 2: guard !notSecond.contains(c) else { return nil }
            case 2: guard thirdInA9A.contains(c) else { return nil }
            case 3: guard fourthInAA9A.contains(c) else { return nil }
            default: break
            }
        }
        return start + shape.count
    }

    static func inward(_ codes: [UInt8], _ start: Int) -> Int? {
        var position = start
        if position < codes.count, codes[position] == UInt8(ascii: " ") { position += 1 }
        guard position + 3 <= codes.count, isDigit(codes[position]) else { return nil }
        for offset in 1...2 {
            let c = upper(codes[position + offset])
            guard isASCIILetter(c), !notInward.contains(c) else { return nil }
        }
        return endsWord(codes, position + 3) ? position + 3 : nil
    }

    // MARK: Phone numbers

    /// First digits of a UK national number after the trunk 0: geographic
    /// (01, 02), non-geographic (03), mobile (07) and freephone/special (08).
    static let serviceDigits = Set("12378".utf8)

    /// UK phone numbers: `0` then 9 or 10 more digits, in groups of at least
    /// three separated by one space or dash (the area code may sit in
    /// brackets); or `+44` / `0044`, an optional `(0)`, then 9 or 10 digits.
    static func phoneNumbers(_ codes: [UInt8]) -> [Match] {
        var found: [Match] = []
        var index = 0
        while index < codes.count {
            defer { index += 1 }
            let c = codes[index]
            guard c == UInt8(ascii: "+") || c == UInt8(ascii: "0") || c == UInt8(ascii: "("), startsWord(codes, index) else { continue }
            guard index == 0 || codes[index - 1] != UInt8(ascii: "+") else { continue }
            if let end = international(codes, index) ?? national(codes, index) {
                found.append(Match(kind: .phone, range: index..<end))
                index = end - 1
            }
        }
        return found
    }

    static func starts(_ codes: [UInt8], _ index: Int, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= codes.count else { return false }
        return text.withUTF8Buffer { bytes in bytes.indices.allSatisfy { codes[index + $0] == bytes[$0] } }
    }

    static func isSeparator(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "-") }

    /// Groups of digits from `start`, each after one separator: (digits in the group, index after it).
    static func groups(_ codes: [UInt8], from start: Int, firstClosedBy bracket: Bool = false) -> [(count: Int, end: Int)] {
        var groups: [(count: Int, end: Int)] = []
        var position = start
        while true {
            var count = 0
            while position < codes.count, isDigit(codes[position]) {
                count += 1
                position += 1
            }
            guard count > 0 else { break }
            groups.append((count, position))
            if groups.count == 1, bracket {
                guard position < codes.count, codes[position] == UInt8(ascii: ")") else { return [] }
                position += 1
                if position < codes.count, codes[position] == UInt8(ascii: " ") { position += 1 }
                guard position < codes.count, isDigit(codes[position]) else { return [] }
                continue
            }
            guard position + 1 < codes.count, isSeparator(codes[position]), isDigit(codes[position + 1]) else { break }
            position += 1
        }
        return groups
    }

    /// The end of the longest run of whole groups whose digits number one of
    /// `allowed`, if every group in it has at least `minimum` digits and it ends a word.
    static func longestPrefix(_ codes: [UInt8], _ groups: [(count: Int, end: Int)], allowed: ClosedRange<Int>, minimum: Int) -> Int? {
        var total = 0
        var best: Int?
        for group in groups {
            guard group.count >= minimum else { break }
            total += group.count
            if total > allowed.upperBound { break }
            if allowed.contains(total), endsWord(codes, group.end), !continuesNumber(codes, group.end) { best = group.end }
        }
        return best
    }

    static func international(_ codes: [UInt8], _ start: Int) -> Int? {
        var position: Int
        if starts(codes, start, "+44") {
            position = start + 3
        } else if starts(codes, start, "0044") {
            position = start + 4
        } else {
            return nil
        }
        if position < codes.count, isSeparator(codes[position]) { position += 1 }
        if starts(codes, position, "(0)") {
            position += 3
            if position < codes.count, isSeparator(codes[position]) { position += 1 }
        }
        guard position < codes.count, serviceDigits.contains(codes[position]) else { return nil }
        return longestPrefix(codes, groups(codes, from: position), allowed: 9...10, minimum: 1)
    }

    static func national(_ codes: [UInt8], _ start: Int) -> Int? {
        var position = start
        let bracket = codes[position] == UInt8(ascii: "(")
        if bracket { position += 1 }
        guard position + 1 < codes.count, codes[position] == UInt8(ascii: "0"), serviceDigits.contains(codes[position + 1]) else { return nil }
        return longestPrefix(codes, groups(codes, from: position, firstClosedBy: bracket), allowed: 10...11, minimum: 3)
    }

    // MARK: Email addresses

    static func isLocal(_ c: UInt8) -> Bool {
        isWord(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "%") || c == UInt8(ascii: "+")
            || c == UInt8(ascii: "-") || c == UInt8(ascii: "'")
    }

    static func isDomain(_ c: UInt8) -> Bool { isWord(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") }

    /// `local@domain.tld`: a local part of letters, digits and `._%+-'`, and a
    /// domain of two or more dot-separated labels ending in a top-level domain of
    /// two or more letters.
    static func email(_ codes: [UInt8]) -> [Match] {
        var found: [Match] = []
        for at in codes.indices where codes[at] == UInt8(ascii: "@") {
            if let last = found.last, last.range.upperBound > at { continue }
            var start = at
            while start > 0, isLocal(codes[start - 1]) { start -= 1 }
            while start < at, codes[start] == UInt8(ascii: ".") || codes[start] == UInt8(ascii: "'") { start += 1 }
            guard start < at else { continue }
            var end = at + 1
            while end < codes.count, isDomain(codes[end]) { end += 1 }
            while end > at + 1, codes[end - 1] == UInt8(ascii: ".") || codes[end - 1] == UInt8(ascii: "-") { end -= 1 }
            let labels = codes[(at + 1)..<end].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.first != UInt8(ascii: "-") && $0.last != UInt8(ascii: "-") }),
                  let top = labels.last, top.count >= 2, top.allSatisfy({ isLetter($0) }) else { continue }
            found.append(Match(kind: .email, range: start..<end))
        }
        return found
    }
}
