import Formats
import Store

/// Small pure calculations behind the HTML report: periods, medians, dates.
enum ReportFigures {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 of an ISO 8601 text, or nil: a day of the years
    /// 0001 to 9999, as `ISO8601.parse` takes no other (a peer's note may hold
    /// any text, and an older version stored years 0000 and below).
    static func day(_ text: String?) -> Int64? {
        guard let text, let moment = ISO8601.parse(text) else { return nil }
        return moment.seconds >= 0 ? moment.seconds / 86_400 : (moment.seconds - 86_399) / 86_400
    }

    /// "2026-01-05" for a day number.
    static func isoDate(_ day: Int64) -> String { String(ISO8601.format(seconds: day * 86_400).prefix(10)) }

    /// "5 Jan 2026" for an ISO 8601 date or time; any other text as it is.
    static func humanDate(_ text: String?) -> String {
        guard let text, let day = day(text) else { return text ?? "" }
        let (year, month, dayOfMonth) = ISO8601.civilFromDays(Int(day))
        return "\(dayOfMonth) \(months[month - 1]) \(year)"
    }

    /// "5 Jan 2026, 14:30 UTC" for a moment in seconds.
    static func humanTime(_ seconds: Int64) -> String {
        let text = ISO8601.format(seconds: seconds)
        return humanDate(text) + ", " + text.dropFirst(11).prefix(5) + " UTC"
    }

    /// Counts per period from the first note's period to the last's, empty
    /// periods included: weeks starting on Monday, or calendar months when the
    /// notes span more than 78 weeks. Days outside the years 0001 to 9999
    /// (none that `day` gives) are left out, so every period has a date.
    /// `people[i]` is who the note of `days[i]` is about; each period counts the
    /// distinct ones (every note is a person of its own when `people` is shorter).
    static func periods(_ days: [Int64], people: [String] = []) -> (unit: String, periods: [(label: String, start: String, count: Int, people: Int)]) {
        let range = ISO8601.earliest / 86_400...ISO8601.latest / 86_400
        let dated = days.indices.filter { range.contains(days[$0]) }
        guard let first = dated.lazy.map({ days[$0] }).min(), let last = dated.lazy.map({ days[$0] }).max() else { return ("week", []) }
        func person(_ index: Int) -> String { index < people.count ? people[index] : "day \(index)" }
        func monday(_ day: Int64) -> Int64 { day - ((day % 7 + 7 + 3) % 7) }
        if (monday(last) - monday(first)) / 7 <= 78 {
            var counts: [Int64: Int] = [:]
            var persons: [Int64: Set<String>] = [:]
            for index in dated {
                counts[monday(days[index]), default: 0] += 1
                persons[monday(days[index]), default: []].insert(person(index))
            }
            let periods = stride(from: monday(first), through: monday(last), by: 7).map { start in
                (label: shortLabel(start), start: isoDate(start), count: counts[start] ?? 0, people: persons[start]?.count ?? 0)
            }
            return ("week", periods)
        }
        func month(_ day: Int64) -> Int { let (year, month, _) = ISO8601.civilFromDays(Int(day)); return year * 12 + month - 1 }
        var counts: [Int: Int] = [:]
        var persons: [Int: Set<String>] = [:]
        for index in dated {
            counts[month(days[index]), default: 0] += 1
            persons[month(days[index]), default: []].insert(person(index))
        }
        let periods = (month(first)...month(last)).map { index -> (label: String, start: String, count: Int, people: Int) in
            let year = index >= 0 ? index / 12 : (index - 11) / 12, month = index - year * 12 + 1
            let start = ISO8601.yearText(year) + "-" + (month < 10 ? "0" : "") + String(month)
            return (label: months[month - 1] + " " + String(year), start: start, count: counts[index] ?? 0, people: persons[index]?.count ?? 0)
        }
        return ("month", periods)
    }

    /// "5 Jan 26": short enough for an axis.
    static func shortLabel(_ day: Int64) -> String {
        let (fullYear, month, dayOfMonth) = ISO8601.civilFromDays(Int(day))
        let year = abs(fullYear) % 100
        return "\(dayOfMonth) \(months[month - 1]) " + (year < 10 ? "0" : "") + String(year)
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// One decimal place: "6.5", "7.0". A value too large for tenths to
    /// fit an integer (only a peer's bad data is) prints as Swift prints it.
    static func oneDecimal(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        guard abs(value) < 1e15 else { return "\(value)" }
        let tenths = Int64((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    /// "1 note", "3 notes", "1 person", "2 people".
    static func count(_ n: Int, _ noun: String) -> String {
        if n == 1 { return "1 \(noun)" }
        if noun == "person" { return "\(n) people" }
        return "\(n) \(noun)s"
    }

    /// Whether the period starting `start` (a week's Monday, or a month as
    /// YYYY-MM) is not over on `today` (days since 1970).
    static func isUnfinished(_ start: String?, unit: String, today: Int64) -> Bool {
        guard let start else { return false }
        if unit == "week" {
            guard let first = day(start) else { return false }
            return today >= first && today < first + 6
        }
        return String(isoDate(today).prefix(7)) == start && !isoDate(today + 1).hasSuffix("-01")
    }

    /// The sentences of a text, each on one line, trimmed.
    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        for line in text.split(whereSeparator: { $0.isNewline }) {
            var sentence = ""
            var previous: Character?
            for character in line {
                if let previous, ".!?".contains(previous), character == " " {
                    out.append(sentence.trimmingSpaces)
                    sentence = ""
                }
                sentence.append(character)
                previous = character
            }
            out.append(sentence.trimmingSpaces)
        }
        return out.filter { !$0.isEmpty }
    }

    /// Words that carry meaning, lower-cased: no short or common words.
    static func contentWords(_ text: String) -> Set<String> {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        return Set(words.filter { $0.count > 2 && !stopWords.contains($0) })
    }

    static let stopWords: Set<String> = ["the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our",
                                         "out", "has", "him", "his", "how", "its", "may", "who", "did", "get", "she", "they", "them", "this",
                                         "that", "with", "have", "from", "what", "when", "will", "would", "there", "their", "about", "been",
                                         "into", "more", "some", "than", "then", "were", "which", "while", "people", "said", "says"]

    /// A quote at most `limit` characters, cut at a word with an ellipsis.
    static func clipped(_ text: String, limit: Int = 220) -> String {
        guard text.count > limit else { return text }
        var cut = String(text.prefix(limit - 1))
        if let space = cut.lastIndex(of: " ") { cut = String(cut[..<space]) }
        return cut + "…"
    }
}
