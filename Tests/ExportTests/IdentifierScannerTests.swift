import Export
import Store
import Testing

@Suite struct IdentifierScannerTests {
    static func kinds(_ text: String) -> [IdentifierKind] { IdentifierScanner.matches(in: text).map(\.kind) }

    @Test(arguments: ["943 476 5919", "9434765919", "943-476-5919", "NHS no: 943 476 5919.", "(401 023 2137)", "nhs=4010232137",
                      "943 4765919", "94347 65919", "9434 765 919", "943\u{2013}476\u{2013}5919", "NHS 94 34 76 59 19"])
    func validNHSNumbersAreFoundInAnyGrouping(_ text: String) {
        #expect(Self.kinds(text) == [.nhsNumber], "\(text)")
    }

    @Test(arguments: [
        "943 476 5918",        // fails the modulus 11 check
        "123 456 7890",        // check digit would be 10: no valid number starts 123456789
        "19434765919",         // eleven digits
        "A9434765919",         // glued to a word
        "9434765919.5",        // a measurement
        "94347659",            // too short
        "94 34 76 59 19",      // groups of two, with nothing saying NHS: a date and time look like this
    ])
    func invalidNHSNumbersAreNotFound(_ text: String) {
        #expect(!Self.kinds(text).contains(.nhsNumber), "\(text)")
    }

    @Test(arguments: [
        "943 476 5918",                 // a typo in the check digit
        "943-467-5919",                 // two digits swapped
        "9434765918",                   // ten together
        "NHS no 943 476 591",           // a digit short, after NHS
        "NHS number: 94347659188",      // a digit too many, after NHS
        "nhs 94 34 76 59 18",           // any grouping after NHS
    ])
    func nearMissNHSNumbersArePossible(_ text: String) {
        #expect(Self.kinds(text) == [.possibleNHSNumber], "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: ["order ref 123 456 7890", "Invoice 482 119 3378", "Reference: 1234567890", "NHS 111", "943 476 59181", "12 943 47"])
    func tenDigitNumbersLabelledAsSomethingElseAreNotPossibleNHSNumbers(_ text: String) {
        #expect(!Self.kinds(text).contains(.possibleNHSNumber), "\(text) gave \(Self.kinds(text))")
    }

    @Test func theModulus11CheckMatchesTheNHSAlgorithm() {
        #expect(IdentifierScanner.isValidNHSNumber([9, 4, 3, 4, 7, 6, 5, 9, 1, 9]))
        #expect(!IdentifierScanner.isValidNHSNumber([9, 4, 3, 4, 7, 6, 5, 9, 1, 8]))
        #expect(IdentifierScanner.isValidNHSNumber([4, 0, 1, 0, 2, 3, 2, 1, 3, 7]))
        #expect(!IdentifierScanner.isValidNHSNumber([1, 2, 3, 4, 5, 6, 7, 8, 9, 0]))
        #expect(!IdentifierScanner.isValidNHSNumber([9, 4, 3]))
    }

    @Test(arguments: ["DN31 1HU", "dn31 1hu", "DN311HU", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "W1A 0AX", "EC1A 1BB", "GIR 0AA",
                      "lives in Grimsby DN31 1HU."])
    func validPostcodesAreFound(_ text: String) {
        #expect(Self.kinds(text) == [.postcode], "\(text)")
    }

    @Test func anAddressAndItsPostcodeAreTwoIdentifiers() {
        #expect(Self.kinds("lives at 12 Freeman St, Grimsby DN31 1HU.") == [.streetAddress, .postcode])
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
        "called 3 times", "£1,250.00", "0.75 of them", "room 0123", "01 02 2026 10 30", "07700 9001", "+1 212 555 0100",
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

    // MARK: The kinds of issue 12

    @Test(arguments: [
        ("Mrs Jean Smith says hello", "Jean Smith"), ("Mr. David O'Neill came", "David O'Neill"), ("Dr Patel referred her", "Patel"),
        ("letter to Mrs J. Smith.", "J. Smith"), ("MRS DOROTHY FENWICK", "DOROTHY FENWICK"), ("mrs jean smith said", "jean smith"),
        ("Ms Sarah-Jane Holt runs it", "Sarah-Jane Holt"), ("Cllr Margaret Cracknell", "Margaret Cracknell"),
        ("Mrs Zoë Brontë", "Zoë Brontë"), ("Mr and Mrs Dawson", "Dawson"), ("Mrs Smith's daughter", "Smith"),
        ("Mrs Van der Berg at 6", "Van der Berg"), ("Ms de Souza is", "de Souza"), ("Fr Michael Dunne runs it", "Michael Dunne"),
        ("Dr J P Murphy signed", "J P Murphy"), ("Mr J.Smith", "J.Smith"),
    ])
    func namesAfterATitleAreFoundWithoutTheTitle(_ text: String, _ name: String) {
        let matches = IdentifierScanner.matches(in: text)
        #expect(matches.map(\.kind) == [.personName], "\(text)")
        #expect(matches.first.map { Self.excerpt(text, $0.range) } == name, "\(text)")
    }

    @Test(arguments: ["Mrs P says", "Mrs B came alone", "Mr K and the allotment", "the Dr said", "a Dr's note", "on MS Teams", "has MS and",
                      "Miss the bus", "Lord knows", "9 Lord Street", "The Dr. She said no", "Mrs", "see Dr Monday"])
    func titlesWithoutANameAreNotNames(_ text: String) {
        #expect(!Self.kinds(text).contains(.personName), "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: [
        ("DOB 12/03/1941", "12/03/1941"), ("born 12 March 1941", "12 March 1941"), ("D.O.B. 3.7.38", "3.7.38"),
        ("date of birth: 7th June 1952", "7th June 1952"), ("born on the 4th of July 1936", "4th of July 1936"),
        ("DoB 1941-03-12", "1941-03-12"), ("born March 12, 1941, in Grimsby", "March 12, 1941"), ("DOB 12-Mar-41", "12-Mar-41"),
        ("born 3rd of May", "3rd of May"), ("Born: 22 09 1944", "22 09 1944"), ("birthday 12/03/1941", "12/03/1941"),
        ("b. 12.03.1941", "12.03.1941"), ("DOB: 12th March '41", "12th March '41"), ("born Tuesday 12 March 1941", "12 March 1941"),
    ])
    func datesOfBirthAreFoundAfterTheirKeyword(_ text: String, _ date: String) {
        let matches = IdentifierScanner.matches(in: text)
        #expect(matches.map(\.kind) == [.dateOfBirth], "\(text)")
        #expect(matches.first.map { Self.excerpt(text, $0.range) } == date, "\(text)")
    }

    @Test(arguments: ["visited on 12/03/2024", "Seen 12 March 2024", "born in 1941", "born and bred in Grimsby", "first-born son",
                      "DOB not recorded", "born 2/3 weeks early", "born 45 years ago", "birthday party: 14 March", "plan b. next week"])
    func datesThatAreNotBirthsAreNotDatesOfBirth(_ text: String) {
        #expect(!Self.kinds(text).contains(.dateOfBirth), "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: [
        ("lives at 14 Cromwell Road with", "14 Cromwell Road"), ("Flat 3, 14 Cromwell Road", "Flat 3, 14 Cromwell Road"),
        ("27a Freeman Street", "27a Freeman Street"), ("21 Heneage Rd, near", "21 Heneage Rd"), ("6 St Peter's Avenue", "6 St Peter's Avenue"),
        ("12-14 Cleethorpe Road", "12-14 Cleethorpe Road"), ("Flat 6 Harbour Place", "Flat 6 Harbour Place"),
        ("9 The Green", "9 The Green"), ("Flat 12 Kent House, 2 Queen Street", "Flat 12 Kent House, 2 Queen Street"), ("33 Victoria Street North", "33 Victoria Street North"), ("14, Cromwell road", "14, Cromwell road"),
    ])
    func streetAddressesAreFoundWithTheirHouseNumber(_ text: String, _ address: String) {
        let matches = IdentifierScanner.matches(in: text)
        #expect(matches.map(\.kind) == [.streetAddress], "\(text)")
        #expect(matches.first.map { Self.excerpt(text, $0.range) } == address, "\(text)")
    }

    @Test(arguments: ["the foodbank on Cromwell Road", "Freeman Street Market", "the 47 Cromwell Road bus", "a 10 mile drive",
                      "Room 12 Main Hall", "£14 Oxford Street shoes", "Ward 14 Court", "Flat 3 has damp"])
    func streetNamesAndOtherNumbersAreNotAddresses(_ text: String) {
        #expect(!Self.kinds(text).contains(.streetAddress), "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: ["AB 12 34 56 C", "AB123456C", "ab123456c", "JG 103759 A", "SX 600 123 A", "NI number: JG 10 37 59", "NINO PE123987D"])
    func nationalInsuranceNumbersAreFound(_ text: String) {
        #expect(Self.kinds(text) == [.nationalInsuranceNumber], "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: [
        "QQ 12 34 56 C",  // Q never starts one (HMRC's specimen)
        "DA123456A", "FA123456A", "IA123456A", "UA123456A", "VA123456A",     // first letter not issued
        "AD123456A", "AO123456A", "AQ123456A", "AV123456A",                  // second letter not issued
        "BG123456A", "GB123456A", "KN123456A", "NK123456A", "NT123456A", "TN123456A", "ZZ123456A",  // prefixes not allocated
        "AB123456E",      // suffix beyond D
        "AB123456",       // no suffix and nothing saying NI
        "AB 12 34 5 C",   // five digits
    ])
    func invalidNationalInsuranceNumbersAreNotFound(_ text: String) {
        #expect(!Self.kinds(text).contains(.nationalInsuranceNumber), "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: [
        ("Hospital number: K1234567", "K1234567"), ("MRN 00456123", "00456123"), ("hosp no. RJL 204518", "RJL 204518"),
        ("M.R.N. 7781204", "7781204"), ("her hospital no is G441298X.", "G441298X"), ("Medical record number 55012376", "55012376"),
        ("hospital # 4471200", "4471200"), ("patient no. 772019", "772019"), ("unit number 00123456", "00123456"),
        ("hospital reg no 4410021", "4410021"),
    ])
    func hospitalNumbersAreFoundAfterTheirKeyword(_ text: String, _ id: String) {
        let matches = IdentifierScanner.matches(in: text)
        #expect(matches.map(\.kind) == [.hospitalNumber], "\(text)")
        #expect(matches.first.map { Self.excerpt(text, $0.range) } == id, "\(text)")
    }

    @Test(arguments: ["went to hospital 3 times", "hospital number unknown", "Hospital Road surgery", "K1234567", "hospital ward 12",
                      "Unit 7, 3 Wharf Row", "unit 4 of the estate",
                      "the patient number 4 in the queue", "hospital no 123"])
    func numbersWithoutTheKeywordAreNotHospitalNumbers(_ text: String) {
        #expect(!Self.kinds(text).contains(.hospitalNumber), "\(text) gave \(Self.kinds(text))")
    }

    @Test(arguments: ["Jean Smith", "Mrs Jean Smith", "jean smith", "SMITH, Jean", "Mr Patel", "Zoë Brontë"])
    func participantsThatLookLikeNamesAreNamesWhole(_ value: String) {
        #expect(!IdentifierScanner.looksLikePseudonym(value))
        #expect(IdentifierScanner.matches(in: value, type: Note.type, field: "participant")
                    == [IdentifierScanner.Match(kind: .personName, range: 0..<value.unicodeScalars.count)])
        #expect(IdentifierScanner.redact(value, type: Note.type, field: "participant") == ("[name]", 1))
    }

    @Test(arguments: ["P-017", "P07", "R12", "Rose", "Participant 4", "Resident B", "Mrs P", "participant A", "PX", ""])
    func pseudonymsAreNotNames(_ value: String) {
        #expect(IdentifierScanner.looksLikePseudonym(value))
        #expect(IdentifierScanner.matches(in: value, type: Note.type, field: "participant").isEmpty, "\(value)")
    }

    @Test func onlyTheParticipantFieldIsHeldToThePseudonymRule() {
        #expect(IdentifierScanner.matches(in: "East Marsh", type: Note.type, field: "area").isEmpty)
        #expect(IdentifierScanner.matches(in: "Money worries", type: "theme", field: "name").isEmpty)
        #expect(IdentifierScanner.matches(in: "Jean Smith", type: "theme", field: "participant").isEmpty)
        #expect(IdentifierScanner.matches(in: "Jean Smith", type: Case.type, field: "pseudonym").map(\.kind) == [.personName])
    }

    @Test func everyKindHasALabelARuleAndAPlaceholder() {
        #expect(IdentifierKind.allCases == IdentifierKind.allCases.sorted())
        for kind in IdentifierKind.allCases {
            #expect(!kind.label.isEmpty && !kind.plural.isEmpty && !kind.rule.isEmpty && kind.placeholder.hasPrefix("["))
            #expect(IdentifierKind.checkedList.contains(kind.plural))
        }
        #expect(Set(IdentifierKind.allCases.map(\.placeholder)).count == IdentifierKind.allCases.count)
        #expect(!IdentifierKind.checkedList.contains("direct identifiers"))
    }

    static func excerpt(_ text: String, _ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(Array(text.unicodeScalars)[range]))
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

    @Test func redactionKeepsTitlesAndKeywordsAndReplacesTheValues() {
        let text = "Mrs Jean Smith, DOB 12/03/1941, of Flat 2, 9 Abbey Walk; NI AB 12 34 56 C; MRN K1234567; NHS no 943 476 5918."
        #expect(IdentifierScanner.redact(text) == (
            "Mrs [name], DOB [date of birth], of [address]; NI [NI number]; MRN [hospital number]; NHS no [possible NHS number].", 6))
    }

    @Test func anEmailHoldingDigitsIsOneEmailNotAPhoneNumber() {
        #expect(Self.kinds("write to 07700900123@sms.example.com today") == [.email])
    }
}
