import Formats
import Store

/// Realistic synthetic field notes from North East Lincolnshire: wards and
/// places, the themes residents raise, UCLA-3 and ONS loneliness measures,
/// consent states, and pseudonymous participants, some seen more than once.
/// Entirely made up; deterministic for a seed.
public struct FieldNotesGenerator {
    public static let areas = [
        "East Marsh", "West Marsh", "Heneage", "Sidney Sussex", "Park", "Croft Baker", "Yarborough",
        "Freshney", "South", "Scartho", "Humberston and New Waltham", "Immingham", "Wolds", "Waltham", "Haverstoe",
    ]
    public static let themes = [
        "transport", "bereavement", "caring", "money-worries", "digital-exclusion", "lunch-clubs", "befriending",
        "isolation", "housing", "health-access",
    ]
    /// How often workers get to each ward, as in real fieldwork: the
    /// central Grimsby wards with the community centres most, the outlying
    /// and rural ones rarely (parallel to `areas`).
    static let areaWeights = [14, 10, 12, 8, 9, 5, 6, 4, 5, 3, 2, 3, 1, 1, 2]
    /// Themes residents in a ward never raise in this data (so the demo's
    /// report has gaps that are not chance): no lunch clubs or befriending
    /// schemes reach the rural wards, and housing is not what they talk about.
    static let absentThemes: [String: Set<String>] = [
        "Wolds": ["lunch-clubs", "befriending", "housing", "digital-exclusion"],
        "Waltham": ["lunch-clubs", "housing", "befriending"],
        "Haverstoe": ["housing", "lunch-clubs"],
        "Humberston and New Waltham": ["housing", "money-worries"],
        "Immingham": ["befriending", "digital-exclusion"],
        "Scartho": ["money-worries", "housing"],
        "Croft Baker": ["transport"],
        "Freshney": ["bereavement"],
    ]
    static let places = [
        "the lunch club at the community centre", "Freeman Street Market", "the library in Town Hall Square",
        "a coffee morning at St James'", "the Cleethorpes seafront shelter", "Immingham Civic Centre",
        "a home visit", "the GP surgery waiting room", "the foodbank on Cromwell Road", "the bowls club in Scartho",
    ]
    static let openings: [String: [String]] = [
        "transport": ["Since the number 9 bus was cut she only gets out when her son drives over.",
                      "He used to take the bus into town on Tuesdays; now the timetable doesn't fit his appointments.",
                      "The community transport minibus is booked up weeks ahead, so she misses the club."],
        "bereavement": ["His wife died in the spring and he says the evenings are the worst.",
                        "She lost her sister last year and hasn't been back to church since.",
                        "He talks about his late partner constantly; nobody calls round any more."],
        "caring": ["She cares for her husband with dementia and hasn't had a day off in months.",
                   "He looks after his mum full time and says he has lost touch with his friends.",
                   "Young carer, 16, looks after a parent and misses school trips."],
        "money-worries": ["Heating is on for an hour a day; she sits in the library to keep warm.",
                          "He stopped going to the cafe because he can't afford the bus and a cup of tea.",
                          "Worried about the energy bill; skipping meals to pay it."],
        "digital-exclusion": ["Everything is online now and she has no one to show her how to book a GP appointment.",
                              "He has a smartphone from his grandson but doesn't know how to video call.",
                              "The bank branch closed; she can't use the app and feels cut off."],
        "lunch-clubs": ["The Thursday lunch club is the only time she talks to anyone all week.",
                        "He comes for the dinner but stays for the dominoes; says it keeps him going.",
                        "The club might close when the hall lease ends; members are anxious."],
        "befriending": ["A befriender phones her every Monday and she looks forward to it all week.",
                        "He was matched with a volunteer but the volunteer moved away.",
                        "Would like someone to walk with to the shops."],
        "isolation": ["She says days go by without speaking to anyone.",
                      "Hasn't left the flat since the winter; the stairs are too much.",
                      "He moved here to be near family, but they work all day and he knows no one."],
        "housing": ["The flat is damp and she is embarrassed to invite anyone round.",
                    "Moved into sheltered housing and misses the old neighbours.",
                    "Waiting for a ground floor flat; can't manage the stairs."],
        "health-access": ["Can't get through to the surgery at 8am, so gives up.",
                          "Hearing aids need fixing and conversations in groups are hard now.",
                          "Missed the hospital appointment because the transport didn't come."],
    ]
    static let closings = [
        "Signposted to the befriending service.", "Agreed to try the Thursday club next week.",
        "Will follow up in a fortnight.", "Gave the community transport number.",
        "Said it helped just to talk.", "Asked us to pass this on to the council.", "",
    ]

    private var random: SplitMix64
    private var participants: [String] = []
    private var counter = 0

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// The next note. `baseSeconds` is the start of the period notes fall in
    /// (spread over the following 12 weeks).
    public mutating func next(baseSeconds: Int64) -> Note.Input {
        counter += 1
        var input = Note.Input()
        let area = pickArea()
        let raised = Self.themes.filter { !(Self.absentThemes[area] ?? []).contains($0) }
        let theme = raised[Int(random.next() % UInt64(raised.count))]
        var tags = [theme]
        if random.next() % 2 == 0 {
            let extra = raised[Int(random.next() % UInt64(raised.count))]
            if extra != theme { tags.append(extra) }
        }
        let place = Self.places[Int(random.next() % UInt64(Self.places.count))]
        let lines = Self.openings[theme] ?? ["Talked about the week."]
        let opening = lines[Int(random.next() % UInt64(lines.count))]
        let closing = Self.closings[Int(random.next() % UInt64(Self.closings.count))]
        input.title = String(opening.split(separator: ";").first?.split(separator: ",").first ?? Substring(opening)).clipped(48)
        input.body = "At \(place). \(opening) \(closing)".trimmingSpaces
        input.kind = Note.kinds[Int(random.next() % UInt64(Note.kinds.count))]
        input.area = area
        let offset = Int64(random.next() % (84 * 86_400))
        input.occurredAt = ISO8601.format(seconds: baseSeconds + offset - offset % 60)
        // A few participants are seen twice.
        if !participants.isEmpty, random.next() % 8 == 0 {
            input.participant = participants[Int(random.next() % UInt64(participants.count))]
        } else {
            let pseudonym = "P-\(1000 + counter)"
            participants.append(pseudonym)
            input.participant = pseudonym
        }
        let consent = random.next() % 20
        input.consent = consent < 16 ? "given" : consent < 18 ? "not-required" : consent == 18 ? "declined" : "withdrawn"
        input.tags = tags
        if random.next() % 3 != 0 {
            let lonelier = tags.contains("isolation") || tags.contains("bereavement") ? 2 : 0
            input.measures.append(("ucla3", String(min(9, 3 + lonelier + Int(random.next() % 5)))))
            input.measures.append(("ons_lonely", String(min(5, 1 + lonelier / 2 + Int(random.next() % 4)))))
        }
        return input
    }

    /// A ward, by `areaWeights`.
    private mutating func pickArea() -> String {
        var pick = Int(random.next() % UInt64(Self.areaWeights.reduce(0, +)))
        for (index, weight) in Self.areaWeights.enumerated() {
            if pick < weight { return Self.areas[index] }
            pick -= weight
        }
        return Self.areas[0]
    }
}

extension String {
    /// At most `limit` characters.
    func clipped(_ limit: Int) -> String { count <= limit ? self : String(prefix(limit - 1)) + "…" }
}
