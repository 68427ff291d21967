/// ISO 8601 dates and times, parsed and printed without Foundation so the
/// rules are exact and the same everywhere. Times are stored as UTC text
/// `YYYY-MM-DDTHH:MM:SSZ`, which sorts in time order.
public enum ISO8601 {
    /// A parsed moment: seconds since the Unix epoch, and whether only a date was given.
    public struct Moment: Sendable, Equatable {
        public let seconds: Int64
        public let dateOnly: Bool

        /// The canonical UTC text.
        public var text: String { ISO8601.format(seconds: seconds) }
        /// The start of the following day (for an inclusive `--until DATE`).
        public var endOfDay: String { ISO8601.format(seconds: seconds + 86_400) }
    }

    /// Accepts `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS(.fff)`,
    /// with `T` or a space, and an optional `Z` or `±HH:MM` offset (none means UTC).
    public static func parse(_ text: String) -> Moment? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if index == bytes.count { return Moment(seconds: seconds, dateOnly: true) }
        guard expect(84) || expect(116) || expect(32), let hour = number(2), expect(58), let minute = number(2),
              hour < 24, minute < 60 else { return nil }
        var second = 0
        if expect(58) {
            guard let parsed = number(2), parsed < 60 else { return nil }
            second = parsed
            if expect(46) || expect(44) {
                let start = index
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
                guard index > start else { return nil }
            }
        }
        seconds += Int64(hour * 3600 + minute * 60 + second)
        if index == bytes.count || expect(90) || expect(122) {
            return index == bytes.count ? Moment(seconds: seconds, dateOnly: false) : nil
        }
        guard index < bytes.count, bytes[index] == 43 || bytes[index] == 45 else { return nil }
        let sign: Int64 = bytes[index] == 43 ? 1 : -1
        index += 1
        guard let offsetHours = number(2), offsetHours < 24 else { return nil }
        _ = expect(58)
        guard let offsetMinutes = number(2), offsetMinutes < 60, index == bytes.count else { return nil }
        seconds -= sign * Int64(offsetHours * 3600 + offsetMinutes * 60)
        return Moment(seconds: seconds, dateOnly: false)
    }

    public static func format(seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        let (year, month, day) = civilFromDays(Int(days))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(yearText(year))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// A year as four digits or more, with a sign before the year 0 ("-0001"),
    /// as ISO 8601's expanded years write it (never parsed back: `parse`
    /// takes years 0000 to 9999, so a moment outside them is never canonical).
    public static func yearText(_ year: Int) -> String {
        let digits = String(year.magnitude)
        return (year < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public static func format(millis: UInt64) -> String { format(seconds: Int64(millis / 1000)) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// (year, month, day) of a count of days since 1970-01-01 (H. Hinnant's algorithm).
    public static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
