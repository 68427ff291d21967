import Formats
import Testing

/// ISO 8601 reading and printing: every accepted text prints as canonical
/// UTC text that reads back to the same moment, and everything else is
/// refused with a sentence saying why.
@Suite struct ISO8601Tests {
    /// A text and the canonical UTC text it must read as.
    static let accepted: [(String, String)] = [
        ("2026-11-20", "2026-11-20T00:00:00Z"),
        ("2026-11-20T14:30", "2026-11-20T14:30:00Z"),
        ("2026-11-20T14:30:05", "2026-11-20T14:30:05Z"),
        ("2026-11-20t14:30:05z", "2026-11-20T14:30:05Z"),
        ("2026-11-20 14:30:05Z", "2026-11-20T14:30:05Z"),
        ("2026-11-20T14:30:05.999999999Z", "2026-11-20T14:30:05Z"),
        ("2026-11-20T14:30:05,5+01:00", "2026-11-20T13:30:05Z"),
        ("2026-11-20T14:30+0100", "2026-11-20T13:30:00Z"),
        ("2026-11-20T14:30-00:00", "2026-11-20T14:30:00Z"),
        // Offsets that cross a day, a month and a year.
        ("2026-01-01T00:30+01:00", "2025-12-31T23:30:00Z"),
        ("2025-12-31T23:30-01:00", "2026-01-01T00:30:00Z"),
        ("2026-03-01T05:00+23:59", "2026-02-28T05:01:00Z"),
        ("2024-03-01T05:00+23:59", "2024-02-29T05:01:00Z"),
        // Leap years: every 4th, not every 100th, every 400th.
        ("2024-02-29", "2024-02-29T00:00:00Z"),
        ("2000-02-29", "2000-02-29T00:00:00Z"),
        ("1600-02-29T12:00", "1600-02-29T12:00:00Z"),
        // The ends of the range, reached directly and through an offset.
        ("0001-01-01", "0001-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ("0001-01-01T00:30-00:30", "0001-01-01T01:00:00Z"),
        ("0000-12-31T23:00-01:00", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("9999-12-31T23:59:59.999", "9999-12-31T23:59:59Z"),
        ("9999-12-31T23:59+00:01", "9999-12-31T23:58:00Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
    ]

    @Test(arguments: accepted)
    func acceptedTextsReadAsCanonicalUTCAndReadBack(text: String, canonical: String) throws {
        let moment = try ISO8601.read(text)
        #expect(moment.text == canonical, "\(text)")
        let again = try ISO8601.read(moment.text)
        #expect(again.seconds == moment.seconds && again.text == canonical && !again.dateOnly)
        #expect(moment.dateOnly == (text.count == 10))
    }

    /// The bug this module fixed: an hour before 0001-01-01 in UTC printed as
    /// `00-1-12-31T23:00:00Z`, which no reader takes back.
    @Test func aMomentBeforeTheYearOneIsRefusedNotMisprinted() {
        for text in ["0000-01-01T00:00+01:00", "0001-01-01T00:00+00:01", "0001-01-01T00:59:59+01:00", "0000-01-01", "0000-12-31T23:59:59Z"] {
            #expect(throws: ISO8601.Failure.self, "\(text)") { try ISO8601.read(text) }
            #expect(ISO8601.parse(text) == nil)
        }
        for text in ["9999-12-31T23:59-00:01", "9999-12-31T23:00:00-01:00"] {
            #expect(ISO8601.parse(text) == nil, "\(text)")
        }
        do {
            _ = try ISO8601.read("0000-01-01T00:00+01:00")
            Issue.record("year 0000 was accepted")
        } catch {
            #expect(error.message == "'0000-01-01T00:00+01:00' is outside the years 0001 to 9999 in UTC")
            #expect(error.hint == "check the date")
        }
    }

    /// Every second of the range prints as text that reads back to it: the
    /// ends, each day boundary near them, and a spread of seconds between.
    @Test func everyMomentInTheRangeRoundTrips() throws {
        var seconds: [Int64] = [ISO8601.earliest, ISO8601.earliest + 1, ISO8601.earliest + 86_399, ISO8601.earliest + 86_400,
                                ISO8601.latest, ISO8601.latest - 1, ISO8601.latest - 86_399, ISO8601.latest - 86_400, -1, 0, 1, 951_782_400]
        var state: UInt64 = 0x1505_8601
        let span = UInt64(ISO8601.latest - ISO8601.earliest + 1)
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            seconds.append(ISO8601.earliest + Int64((state >> 11) % span))
        }
        for second in seconds {
            let text = ISO8601.format(seconds: second)
            let moment = try ISO8601.read(text)
            #expect(moment.seconds == second && moment.text == text, "\(second) → \(text)")
            #expect(text.utf8.count == 20 && text.hasSuffix("Z"))
        }
        #expect(ISO8601.format(seconds: ISO8601.earliest) == "0001-01-01T00:00:00Z")
        #expect(ISO8601.format(seconds: ISO8601.latest) == "9999-12-31T23:59:59Z")
    }

    /// Canonical texts sort in time order, so the store compares them as text.
    @Test func canonicalTextsSortInTimeOrder() {
        let seconds: [Int64] = [ISO8601.earliest, -62_000_000_000, -1, 0, 86_400, 1_796_000_000, ISO8601.latest]
        let texts = seconds.map { ISO8601.format(seconds: $0) }
        #expect(texts == texts.sorted())
    }

    /// Outside the range `format` still prints (a peer's clock can be
    /// anything), in ISO 8601's expanded form, which `parse` refuses.
    @Test func momentsOutsideTheRangePrintExpandedAndAreNeverReadBack() {
        #expect(ISO8601.format(seconds: ISO8601.earliest - 3600) == "0000-12-31T23:00:00Z")
        #expect(ISO8601.format(seconds: ISO8601.earliest - 366 * 86_400) == "0000-01-01T00:00:00Z", "0000 is a leap year")
        #expect(ISO8601.format(seconds: ISO8601.earliest - (366 + 365) * 86_400) == "-0001-01-01T00:00:00Z")
        #expect(ISO8601.format(seconds: ISO8601.latest + 1) == "+10000-01-01T00:00:00Z")
        for seconds in [Int64.min, Int64.min + 1, -1 << 50, ISO8601.earliest - 1, ISO8601.latest + 1, 1 << 50, Int64.max] {
            let text = ISO8601.format(seconds: seconds)
            #expect(ISO8601.parse(text) == nil, "\(seconds) → \(text)")
        }
        #expect(ISO8601.format(millis: UInt64.max).hasPrefix("+"))
    }

    /// Texts of the right form with impossible values, and what each says.
    static let impossible: [(String, String)] = [
        ("2026-13-01", "'2026-13-01' is not an ISO 8601 date: there is no month 13"),
        ("2026-00-10", "'2026-00-10' is not an ISO 8601 date: there is no month 0"),
        ("2026-02-29", "'2026-02-29' is not an ISO 8601 date: February 2026 has 28 days"),
        ("1900-02-29T10:00", "'1900-02-29T10:00' is not an ISO 8601 date: February 1900 has 28 days"),
        ("2026-04-31", "'2026-04-31' is not an ISO 8601 date: April 2026 has 30 days"),
        ("2026-01-00", "'2026-01-00' is not an ISO 8601 date: January 2026 has 31 days"),
        ("2026-01-01T24:00", "'2026-01-01T24:00' is not an ISO 8601 time: hours run from 00 to 23"),
        ("2026-01-01T12:60", "'2026-01-01T12:60' is not an ISO 8601 time: minutes run from 00 to 59"),
        ("2026-01-01T12:00:61", "'2026-01-01T12:00:61' is not an ISO 8601 time: seconds run from 00 to 59"),
        ("2016-12-31T23:59:60Z", "'2016-12-31T23:59:60Z' is a leap second, which cannot be stored"),
        ("2026-01-01T12:00+24:00", "'2026-01-01T12:00+24:00' has an offset from UTC beyond 23:59"),
        ("2026-01-01T12:00-01:60", "'2026-01-01T12:00-01:60' has an offset from UTC beyond 23:59"),
        ("0000-06-15", "'0000-06-15' is outside the years 0001 to 9999 in UTC"),
    ]

    @Test(arguments: impossible)
    func impossibleValuesAreRefusedWithTheReason(text: String, message: String) {
        do {
            let moment = try ISO8601.read(text)
            Issue.record("\(text) read as \(moment.text)")
        } catch {
            #expect(error.message == message)
            #expect(error.description.hasPrefix(message + "; "))
        }
    }

    /// Anything not of the accepted forms.
    static let garbage = [
        "", " ", "2026", "2026-11", "20261120", "2026-11-20T", "2026-11-20T14", "2026-11-20T1430", "2026-11-20T14:3",
        "2026-1-20", "26-11-20", "+2026-11-20", "-0001-12-31T23:00:00Z", "00-1-12-31T23:00:00Z", "+10000-01-01T00:00:00Z",
        "12026-11-20", " 2026-11-20", "2026-11-20 ", "2026-11-20Z", "2026-11-20T14:30:05.", "2026-11-20T14:30:05.5.5",
        "2026-11-20T14:30.5", "2026-11-20T14:30:05ZZ", "2026-11-20T14:30:05+01", "2026-11-20T14:30:05+1:00",
        "2026-11-20T14:30:05+01:0", "2026-11-20T14:30:05 +01:00", "2026-11-20T14:30:05Zjunk", "2026-11-20x14:30",
        "2026-11-20T14:30:05UTC", "2026/11/20", "２０２６-11-20", "2026-11-20T14:30:05\u{0}", "not a date", "2026-W47-5", "2026-324",
    ]

    @Test(arguments: garbage)
    func garbageIsNotADate(text: String) {
        do {
            let moment = try ISO8601.read(text)
            Issue.record("'\(text)' read as \(moment.text)")
        } catch {
            #expect(error.message == "'\(text)' is not an ISO 8601 date")
            #expect(error.hint.contains("2026-11-20T14:30"))
        }
    }

    /// `--until` ends: the next day for a date, the next second for a time, none past the range.
    @Test func exclusiveEndsStopAtTheEndOfTheRange() throws {
        #expect(try ISO8601.read("2026-02-15").exclusiveEnd == "2026-02-16T00:00:00Z")
        #expect(try ISO8601.read("2026-02-28T23:59:59").exclusiveEnd == "2026-03-01T00:00:00Z")
        #expect(try ISO8601.read("9999-12-30").exclusiveEnd == "9999-12-31T00:00:00Z")
        #expect(try ISO8601.read("9999-12-31T23:59:58Z").exclusiveEnd == "9999-12-31T23:59:59Z")
        #expect(try ISO8601.read("9999-12-31").exclusiveEnd == nil)
        #expect(try ISO8601.read("9999-12-31T23:59:59Z").exclusiveEnd == nil)
    }

    /// The calendar arithmetic against days counted one by one from 1970.
    @Test func calendarArithmeticAgreesWithCountingDays() {
        var days = 0
        var wrong: [String] = []
        for year in 1970...2400 {
            for month in 1...12 {
                for day in 1...ISO8601.daysIn(month: month, year: year) {
                    let civil = ISO8601.civilFromDays(days)
                    if ISO8601.daysFromCivil(year: year, month: month, day: day) != days || civil != (year, month, day) {
                        wrong.append("\(year)-\(month)-\(day)")
                    }
                    days += 1
                }
            }
        }
        #expect(wrong.isEmpty)
        #expect(days == 157_420, "431 years of 365 days and 105 leap days")
        #expect(ISO8601.daysFromCivil(year: 1, month: 1, day: 1) * 86_400 == Int(ISO8601.earliest))
        #expect(ISO8601.daysFromCivil(year: 10000, month: 1, day: 1) * 86_400 - 1 == Int(ISO8601.latest))
        #expect(ISO8601.yearText(1) == "0001" && ISO8601.yearText(9999) == "9999" && ISO8601.yearText(0) == "0000"
                && ISO8601.yearText(-1) == "-0001" && ISO8601.yearText(10000) == "+10000")
    }
}
