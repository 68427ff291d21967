import Export
import Testing

@Suite struct IdentifierScannerTests {
    static func kinds(_ text: String) -> [IdentifierKind] { IdentifierScanner.matches(in: text).map(\.kind) }

    @Test(arguments: ["943 476 5919", "9434765919", "943-476-5919", "NHS no: 943 476 5919.", "(401 023 2137)", "nhs=4010232137"])
    func validNHSNumbersAreFound(_ text: String) {
        #expect(Self.kinds(text) == [.nhsNumber], "\(text)")
    }

    @Test(arguments: [
        "943 476 5918",        // fails the modulus 11 check
        "123 456 7890",        // check digit would be 10: no valid number starts 123456789
        "943 4765919",         // only one gap grouped: not the 3-3-4 form
        "19434765919",         // eleven digits
        "A9434765919",         // glued to a word
        "9434765919.5",        // a measurement
        "94347659",            // too short
    ])
    func invalidNHSNumbersAreNotFound(_ text: String) {
        #expect(!Self.kinds(text).contains(.nhsNumber), "\(text)")
    }

    @Test func theModulus11CheckMatchesTheNHSAlgorithm() {
        #expect(IdentifierScanner.isValidNHSNumber([9, 4, 3, 4, 7, 6, 5, 9, 1, 9]))
        #expect(!IdentifierScanner.isValidNHSNumber([9, 4, 3, 4, 7, 6, 5, 9, 1, 8]))
        #expect(IdentifierScanner.isValidNHSNumber([4, 0, 1, 0, 2, 3, 2, 1, 3, 7]))
        #expect(!IdentifierScanner.isValidNHSNumber([1, 2, 3, 4, 5, 6, 7, 8, 9, 0]))
        #expect(!IdentifierScanner.isValidNHSNumber([9, 4, 3]))
    }

    @Test(arguments: ["DN31 1HU", "dn31 1hu", "DN311HU", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "W1A 0AX", "EC1A 1BB", "GIR 0AA",
                      "lives at 12 Freeman St, Grimsby DN31 1HU."])
    func validPostcodesAreFound(_ text: String) {
        #expect(Self.kinds(text) == [.postcode], "\(text)")
    }

    @Test(arguments: [
        "DN31 1H",      // inward code cut short
        "DN31",         // outward code alone is not a full postcode
        "QN31 1HU",     // Q never starts a postcode
        "AI1 1AA",      // I never stands second
        "DN31 1HC",     // C never appears in the inward code
        "A1I 1AA",      // I is not a third-position letter in A9A
        "DN31 1HUX",    // runs on into a word
        "ucla3 7",      // a measure
        "covid19 jab",
    ])
    func invalidPostcodesAreNotFound(_ text: String) {
        #expect(!Self.kinds(text).contains(.postcode), "\(text)")
    }

    @Test(arguments: ["07700 900123", "07700900123", "0770 090 0123", "07700-900-123", "+44 7700 900123", "+447700900123",
                      "+44 (0)7700 900123", "0044 7700 900123", "01472 313131", "(01472) 313131", "020 7946 0958", "+44 20 7946 0958",
                      "0800 123 4567", "Ring 01472 313131 after 2pm", "07700\u{00A0}900123"])
    func ukPhoneNumbersAreFound(_ text: String) {
        #expect(Self.kinds(text) == [.phone], "\(text)")
    }

    @Test(arguments: [
        "2026-01-07", "07/01/2026", "at 07:30", "2026-11-20T07:30:00Z", "ucla3=7 ons_lonely=4", "years 2019 and 2020",
        "called 3 times", "£1,250.00", "0.75 of them", "room 0123", "1234567890", "01 02 2026 10 30", "07700 9001", "+1 212 555 0100",
        "070 0", "0 7 7 0 0 9 0 0 1 2 3",
    ])
    func numbersThatOnlyLookLikeIdentifiersAreNotFound(_ text: String) {
        #expect(Self.kinds(text).isEmpty, "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: ["jane.doe@example.org", "j@nhs.net", "Email Jane.Doe+club@mail.example.co.uk.", "<o'neill@example.com>", "josé@example.es"])
    func emailAddressesAreFound(_ text: String) {
        #expect(Self.kinds(text) == [.email], "\(text)")
    }

    @Test(arguments: ["@nhs", "a@b", "lunch @ the club", "user@localhost", "see you @ 3pm", "a@b.c"])
    func thingsThatAreNotEmailAddressesAreNotFound(_ text: String) {
        #expect(!Self.kinds(text).contains(.email), "\(text)")
    }

    @Test func redactionReplacesEachIdentifierWithItsPlaceholder() {
        let text = "Call 07700 900123 or jo@example.org; NHS 943 476 5919; lives DN31 1HU. Seen 2026-11-20, ucla3=7."
        let result = IdentifierScanner.redact(text)
        #expect(result.text == "Call [phone] or [email]; NHS [NHS number]; lives [postcode]. Seen 2026-11-20, ucla3=7.")
        #expect(result.count == 4)
    }

    @Test func rangesCountUnicodeScalars() {
        let matches = IdentifierScanner.matches(in: "😀 é DN31 1HU")
        #expect(matches == [IdentifierScanner.Match(kind: .postcode, range: 4..<12)])
        #expect(IdentifierScanner.redact("😀 é DN31 1HU").text == "😀 é [postcode]")
    }

    @Test func anEmailHoldingDigitsIsOneEmailNotAPhoneNumber() {
        #expect(Self.kinds("write to 07700900123@sms.example.com today") == [.email])
    }
}
