/// ISO 8601 dates and times, parsed and printed without Foundation so the
/// rules are exact and the same everywhere. Times are stored as UTC text
/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339's profile of ISO 8601), which sorts in
/// time order.
///
/// The years 0001 to 9999 in UTC: RFC 3339 writes a year in exactly four
/// digits, and the tools that read our exports (Python's `datetime` behind
/// QualCoder, .NET's `DateTime`, XML Schema's `dateTime`) have no year 0000.
/// A text that names a moment outside them, even through its offset
/// (`0001-01-01T00:30+01:00`), is refused, so every moment `parse` accepts
/// prints as text that `parse` reads back to the same moment.
public enum ISO8601 {
    /// 0001-01-01T00:00:00Z in seconds since the Unix epoch: the earliest moment accepted.
    public static let earliest: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z in seconds since the Unix epoch: the latest moment accepted.
    public static let latest: Int64 = 253_402_300_799

    /// A parsed moment within 0001-01-01T00:00:00Z … 9999-12-31T23:59:59Z:
    /// seconds since the Unix epoch, and whether only a date was given.
    public struct Moment: Sendable, Equatable {
        public let seconds: Int64
        public let dateOnly: Bool

        /// The canonical UTC text, which `parse` reads back to the same seconds.
        public var text: String { ISO8601.format(seconds: seconds) }

        /// The first moment after the time a filter's `--until` of this
        /// moment takes in, as canonical text: the next day for a date (so
        /// `--until 2026-02-15` takes in the whole day), the next second for a
        /// time. Nil when that is past 9999-12-31T23:59:59Z, as no stored
        /// moment can be.
        public var exclusiveEnd: String? {
            let next = seconds + (dateOnly ? 86_400 : 1)
            return next <= ISO8601.latest ? ISO8601.format(seconds: next) : nil
        }
    }

    /// Why a text is not a moment: a sentence that names it, and what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Sendable {
            case form
            case month(Int)
            case day(year: Int, month: Int, days: Int)
            case time(String)
            case leapSecond
            case offset
            case range
        }

        /// The text as given.
        public let text: String
        private let kind: Kind

        fileprivate init(_ text: String, _ kind: Kind) {
            self.text = text
            self.kind = kind
        }

        /// What is wrong, quoting the text: "'2026-02-29' is not an ISO 8601 date: February 2026 has 28 days".
        public var message: String {
            let quoted = "'\(text)'"
            switch kind {
            case .form: return "\(quoted) is not an ISO 8601 date"
            case .month(let month): return "\(quoted) is not an ISO 8601 date: there is no month \(month)"
            case .day(let year, let month, let days):
                return "\(quoted) is not an ISO 8601 date: \(ISO8601.monthNames[month - 1]) \(yearText(year)) has \(days) days"
            case .time(let what): return "\(quoted) is not an ISO 8601 time: \(what)"
            case .leapSecond: return "\(quoted) is a leap second, which cannot be stored"
            case .offset: return "\(quoted) has an offset from UTC beyond 23:59"
            case .range: return "\(quoted) is outside the years 0001 to 9999 in UTC"
            }
        }

        /// What to do about it.
        public var hint: String {
            switch kind {
            case .form: return "write it as 2026-11-20 or 2026-11-20T14:30 (UTC unless an offset like +01:00 is given)"
            case .leapSecond: return "write 59 seconds instead of 60"
            case .month, .day, .time, .offset, .range: return "check the date"
            }
        }

        public var description: String { message + "; " + hint }
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    /// The moment `text` names, or nil; `read` says why not.
    public static func parse(_ text: String) -> Moment? { try? read(text) }

    /// Reads `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS` with an
    /// optional fraction after `.` or `,` (dropped: moments are whole
    /// seconds), with `T`, `t` or a space between date and time, and an
    /// optional `Z`, `z` or `±HH:MM` (or `±HHMM`) offset; none means UTC.
    /// Nothing else: no white space around it, no leap second (`:60`, which
    /// a count of seconds cannot hold), no hour 24, and the moment in UTC must
    /// fall in the years 0001 to 9999.
    public static func read(_ text: String) throws(Failure) -> Moment {
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
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
            index += 1
            return true
        }
        func failure(_ kind: Failure.Kind) -> Failure { Failure(text, kind) }

        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2) else { throw failure(.form) }
        let dateOnly = index == bytes.count
        var hour = 0, minute = 0, second = 0, offset = 0
        if !dateOnly {
            guard expect("T") || expect("t") || expect(" "), let h = number(2), expect(":"), let m = number(2) else { throw failure(.form) }
            (hour, minute) = (h, m)
            if expect(":") {
                guard let s = number(2) else { throw failure(.form) }
                second = s
                if expect(".") || expect(",") {
                    let start = index
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
                    guard index > start else { throw failure(.form) }
                }
            }
            if expect("Z") || expect("z") {
                guard index == bytes.count else { throw failure(.form) }
            } else if index < bytes.count {
                guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { throw failure(.form) }
                let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
                index += 1
                guard let offsetHours = number(2) else { throw failure(.form) }
                _ = expect(":")
                guard let offsetMinutes = number(2), index == bytes.count else { throw failure(.form) }
                guard offsetHours < 24, offsetMinutes < 60 else { throw failure(.offset) }
                offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
            }
        }
        // The form is right; now the values.
        guard (1...12).contains(month) else { throw failure(.month(month)) }
        let days = daysIn(month: month, year: year)
        guard (1...days).contains(day) else { throw failure(.day(year: year, month: month, days: days)) }
        guard hour < 24 else { throw failure(.time("hours run from 00 to 23")) }
        guard minute < 60 else { throw failure(.time("minutes run from 00 to 59")) }
        guard second != 60 else { throw failure(.leapSecond) }
        guard second < 60 else { throw failure(.time("seconds run from 00 to 59")) }
        let seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        guard (earliest...latest).contains(seconds) else { throw failure(.range) }
        return Moment(seconds: seconds, dateOnly: dateOnly)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch. Between
    /// `earliest` and `latest` this is the canonical text `parse` reads back;
    /// outside them (only a peer's clock or bad data gets there) it is ISO
    /// 8601's expanded form (`-0001-12-31T23:00:00Z`, `+10000-01-01T00:00:00Z`),
    /// which `parse` refuses, so such a moment is shown but never stored.
    public static func format(seconds: Int64) -> String {
        var days = seconds / 86_400, rest = seconds % 86_400
        if rest < 0 { (days, rest) = (days - 1, rest + 86_400) }
        let (year, month, day) = civilFromDays(Int(days))
        let time = Int(rest)
        return "\(yearText(year))-\(pad(month))-\(pad(day))T\(pad(time / 3600)):\(pad(time / 60 % 60)):\(pad(time % 60))Z"
    }

    public static func format(millis: UInt64) -> String { format(seconds: Int64(millis / 1000)) }

    /// A year in four digits ("0001" to "9999", and "0000" for 1 BC), or
    /// beyond them ISO 8601's expanded form with its sign: "-0001" (2 BC), "+10000".
    public static func yearText(_ year: Int) -> String {
        let digits = String(year.magnitude)
        let sign = year < 0 ? "-" : year > 9999 ? "+" : ""
        return sign + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0" + String(value) : String(value) }

    /// Days in a month of the proleptic Gregorian calendar.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
    /// `days_from_civil`, valid for any year an Int's days can count).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// (year, month, day) of a count of days since 1970-01-01 (H. Hinnant's
    /// `civil_from_days`), year 0 being 1 BC.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
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
