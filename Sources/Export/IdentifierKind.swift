import CRDT

/// A kind of direct identifier that must not leave the store by accident:
/// the kinds NHS and ICO guidance on anonymisation name, as far as a pattern
/// can find them. `IdentifierScanner` documents the rule for each.
///
/// The guard only ever claims to have checked these kinds (`checkedList`):
/// a name with no title, an age or a rare condition is not looked for.
public enum IdentifierKind: String, CaseIterable, Sendable, Comparable {
    case nhsNumber = "nhs_number"
    /// Ten digits laid out like an NHS number (or after "NHS") that fail the
    /// check digit: most likely an NHS number with a typo.
    case possibleNHSNumber = "possible_nhs_number"
    case hospitalNumber = "hospital_number"
    case nationalInsuranceNumber = "national_insurance_number"
    /// A name after a title, or a participant value that is not a pseudonym.
    case personName = "person_name"
    case dateOfBirth = "date_of_birth"
    case streetAddress = "street_address"
    case postcode
    case phone
    case email

    /// How a person reads one of them in a message.
    public var label: String {
        switch self {
        case .nhsNumber: return "NHS number"
        case .possibleNHSNumber: return "possible NHS number"
        case .hospitalNumber: return "hospital number"
        case .nationalInsuranceNumber: return "National Insurance number"
        case .personName: return "person's name"
        case .dateOfBirth: return "date of birth"
        case .streetAddress: return "street address"
        case .postcode: return "postcode"
        case .phone: return "phone number"
        case .email: return "email address"
        }
    }

    /// The kind in a list of what was checked: "dates of birth".
    public var plural: String {
        switch self {
        case .nhsNumber: return "NHS numbers"
        case .possibleNHSNumber: return "possible NHS numbers"
        case .hospitalNumber: return "hospital numbers"
        case .nationalInsuranceNumber: return "National Insurance numbers"
        case .personName: return "names after a title or as a participant"
        case .dateOfBirth: return "dates of birth"
        case .streetAddress: return "street addresses"
        case .postcode: return "postcodes"
        case .phone: return "phone numbers"
        case .email: return "email addresses"
        }
    }

    /// What the scanner looks for, in a sentence a person can check a value against.
    public var rule: String {
        switch self {
        case .nhsNumber:
            return "10 digits passing the NHS modulus 11 check, together or in up to three groups of 3 or more digits "
                + "separated by a space, dash or full stop (943 476 5919, 9434765919, 94347 65919); after \"NHS\", any grouping"
        case .possibleNHSNumber:
            return "10 digits together or grouped 3-3-4 that fail the check (not after ref, invoice, order, account, tel, …), "
                + "or 9 to 11 digits after \"NHS\" (NHS no, NHS number: …) that are not a valid NHS number"
        case .hospitalNumber:
            return "an id with at least 4 digits (up to 4 letters before, 2 after) following \"hospital number\", \"hospital no\", "
                + "\"hospital reg no\", \"hosp no\", \"MRN\", \"medical record number\", \"patient number\" or \"unit number\""
        case .nationalInsuranceNumber:
            return "two letters HMRC issues as a prefix, six digits and a letter A to D, spaced, dashed or not (AB 12 34 56 C); "
                + "the letter may be missing after NI, NINO or National Insurance"
        case .personName:
            return "one to three capitalised words, initials and van/de/le… allowed, after a title (Mr, Mrs, Ms, Mx, Miss, Dr, "
                + "Doctor, Prof, Rev, Revd, Cllr, Sir, Dame, Lord, Lady, Fr, Father, Sister, Nurse, Pastor, Imam, Rabbi); a lowercase "
                + "name after Mr, Mrs, Ms or Mx; and a participant (or case pseudonym) of two or more words with no digit, unless "
                + "it starts with a role such as Participant or Resident"
        case .dateOfBirth:
            return "a day and month, with or without a year, after DOB, D.O.B., b., date of birth, birth date, birthday or born "
                + "(12/03/1941, 12.3.41, 12 March 1941, 12th of March, March 12, 1941, 1941-03-12); not a year alone"
        case .streetAddress:
            return "a house number, one to three capitalised words and a street word (Road, Street, Avenue, Lane, Close, Drive, "
                + "Way, Crescent, Grove, Terrace, Place, Court, Gardens, Walk, Row, …), with any Flat, Apartment or Unit number "
                + "(and a building: Flat 12 Kent House) before it; not a street name without a number, nor a house name"
        case .postcode:
            return "a full UK postcode, with or without its space (DN31 1HU, GIR 0AA)"
        case .phone:
            return "a UK number starting 01, 02, 03, 07 or 08, or +44 or 0044"
        case .email:
            return "local@domain.tld"
        }
    }

    /// What `--redact` writes in its place.
    public var placeholder: String {
        switch self {
        case .nhsNumber: return "[NHS number]"
        case .possibleNHSNumber: return "[possible NHS number]"
        case .hospitalNumber: return "[hospital number]"
        case .nationalInsuranceNumber: return "[NI number]"
        case .personName: return "[name]"
        case .dateOfBirth: return "[date of birth]"
        case .streetAddress: return "[address]"
        case .postcode: return "[postcode]"
        case .phone: return "[phone]"
        case .email: return "[email]"
        }
    }

    /// Every kind the guard checks, for a person: "NHS numbers, …, phone numbers and email addresses".
    /// Say this, never "no direct identifiers", when the guard finds nothing.
    public static var checkedList: String {
        let names = allCases.map(\.plural)
        guard let last = names.last else { return "" }
        return names.dropLast().joined(separator: ", ") + " and " + last
    }

    /// Every placeholder, for a person: "[NHS number], …, [phone] or [email]".
    public static var placeholderList: String {
        let names = allCases.map(\.placeholder)
        guard let last = names.last else { return "" }
        return names.dropLast().joined(separator: ", ") + " or " + last
    }

    private var order: Int {
        switch self {
        case .nhsNumber: return 0
        case .possibleNHSNumber: return 1
        case .hospitalNumber: return 2
        case .nationalInsuranceNumber: return 3
        case .personName: return 4
        case .dateOfBirth: return 5
        case .streetAddress: return 6
        case .postcode: return 7
        case .phone: return 8
        case .email: return 9
        }
    }

    public static func < (a: IdentifierKind, b: IdentifierKind) -> Bool { a.order < b.order }
}

/// One direct identifier found in the text an export writes: where, and what kind, never the value.
public struct IdentifierHit: Hashable, Sendable {
    /// The record it is in; nil for text the export writes that is no record's (the report's title).
    public let record: RecordID?
    /// The record's type: note, theme, insight, decision, device, area; `report` for the report's own text.
    public let type: String
    /// The field or set it is in (`body`, `tags`, `name`, …; `title` for the report's title).
    public let field: String
    public let kind: IdentifierKind

    public init(record: RecordID?, type: String, field: String, kind: IdentifierKind) {
        self.record = record
        self.type = type
        self.field = field
        self.kind = kind
    }

    /// Where it is, never what: `note 0123… body`, or `report title`.
    public var place: String { record.map { "\(type) \($0.hex) \(field)" } ?? "\(type) \(field)" }

    /// Where a list of hits is, for one line: "in 2 records", "in the report title",
    /// "in 3 records and the report title".
    public static func whereFound(_ hits: [IdentifierHit]) -> String {
        let records = Set(hits.compactMap(\.record)).count
        var places: [String] = []
        for hit in hits where hit.record == nil && !places.contains("the \(hit.type) \(hit.field)") { places.append("the \(hit.type) \(hit.field)") }
        if records > 0 || places.isEmpty { places.insert("\(records) record\(records == 1 ? "" : "s")", at: 0) }
        return "in " + places.joined(separator: " and ")
    }
}
