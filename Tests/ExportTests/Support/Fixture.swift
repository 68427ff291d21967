import CRDT
import Export
import Foundation
import Store
import TestSupport
import Testing

/// A fixed store for the export tests: every id, clock and text is chosen
/// here, so each export's bytes are the same on every run (apart from the
/// store's own random replica id, which `normalised` replaces).
struct Fixture {
    let store: Store
    let directory: URL

    /// 2026-12-10T09:00:00Z, the store's wall clock; the export is stamped at noon.
    static let storeMillis: UInt64 = 1_796_893_200_000
    static let exportMillis: UInt64 = 1_796_904_000_000

    static func id(_ suffix: String) -> RecordID {
        RecordID(hex: String(repeating: "0", count: 32 - suffix.count) + suffix)!
    }

    // Themes
    static let isolation = id("7e01"), transport = id("7e02"), bereavement = id("7e03"), money = id("7e04")
    // Notes
    static let busCut = id("a001"), evenings = id("a002"), declined = id("a003"), withdrawn = id("a004")
    static let gpOnline = id("a005"), deleted = id("a006"), erased = id("a007")
    // Insights and decisions
    static let busInsight = id("1501"), bereavedInsight = id("1502"), digitalInsight = id("1503")
    static let minibus = id("dec1"), lunchClub = id("dec2")
    /// Another laptop whose concurrent edits make conflicts.
    static let bob = ReplicaID(high: 0xB0B0_0000_0000_0000, low: 0x0000_0000_0000_0B0B)

    /// Text that must never appear in any export.
    static let secrets = ["SECRET-DECLINED-TITLE", "SECRET-DECLINED-BODY", "SECRET-WITHDRAWN-BODY", "SECRET-CONFLICT-BODY",
                          "ERASED-NOTE-TEXT", "ERASED-TAG"]

    static let evenningsBody = "He said: \"the evenings are the worst\", and\r\nthen, quietly, café → naïve 😀 <b>&amp;"

    /// Runs `body` with the fixture in a fresh directory, removed afterwards.
    static func with<T>(_ body: (Fixture) throws -> T) throws -> T {
        try TemporaryDirectory.with(prefix: "fieldnotes-export") { temporary in
            try with(in: temporary.url, body)
        }
    }

    private static func with<T>(in directory: URL, _ body: (Fixture) throws -> T) throws -> T {
        let store = try Store.create(at: directory.appendingPathComponent("store.sqlite").path, name: "analyst-laptop", wallClock: { storeMillis })
        let fixture = Fixture(store: store, directory: directory)
        try fixture.populate()
        return try body(fixture)
    }

    func populate() throws {
        typealias F = Fixture
        func note(_ id: RecordID, _ title: String, _ body: String?, kind: String, area: String?, at: String, participant: String?,
                  consent: String, tags: [String], measures: [(String, String)] = []) throws {
            var input = Note.Input()
            input.title = title
            input.body = body
            input.kind = kind
            input.area = area
            input.occurredAt = at
            input.participant = participant
            input.consent = consent
            input.tags = tags
            input.measures = measures.map { (name: $0.0, value: $0.1) }
            try store.commit(try Note.changes(input, for: id, creating: true, nowSeconds: 0))
        }
        func record(_ id: RecordID, _ type: String, _ fields: [(String, Value)], sets: [(String, [RecordID])] = []) throws {
            var changes: [Change] = [.create(id, type: type)]
            changes += fields.map { .assign(id, field: $0.0, value: $0.1) }
            for (set, ids) in sets { changes += ids.map { .add(id, set: set, element: .text($0.hex)) } }
            try store.commit(changes)
        }
        try record(F.isolation, Theme.type, [("name", .text("Isolation")), ("description", .text("Being cut off from people")), ("color", .text("#336699"))])
        try record(F.transport, Theme.type, [("name", .text("Transport")), ("parent", .text(F.isolation.hex))])
        try record(F.bereavement, Theme.type, [("name", .text("Bereavement")), ("color", .text("#993366"))])
        try record(F.money, Theme.type, [("name", .text("Money worries")), ("description", .text("Heating, food, bus fares"))])

        try note(F.busCut, "Number 9 bus cut", "Since the number 9 bus was cut she only gets out when her son drives over. She misses the lunch club.",
                 kind: "conversation", area: "East Marsh", at: "2026-11-02T10:00", participant: "P-017", consent: "given",
                 tags: ["transport", "isolation"], measures: [("ucla3", "7"), ("ons_lonely", "4")])
        try note(F.evenings, "Evenings are the worst, he says", Fixture.evenningsBody,
                 kind: "interview", area: "East Marsh", at: "2026-11-04", participant: "P-018", consent: "given",
                 tags: ["Bereavement"], measures: [("ucla3", "8"), ("ons_lonely", "5")])
        try note(F.declined, "SECRET-DECLINED-TITLE", "SECRET-DECLINED-BODY about the bench outside the surgery",
                 kind: "group-session", area: "Heneage", at: "2026-11-12", participant: "P-019", consent: "declined",
                 tags: ["transport"], measures: [("ucla3", "5")])
        try note(F.withdrawn, "Withdrawn note title", "SECRET-WITHDRAWN-BODY", kind: "observation", area: "Heneage", at: "2026-11-20",
                 participant: nil, consent: "withdrawn", tags: ["isolation"])
        try note(F.gpOnline, "Cannot book the GP online", "Can't book the GP online. Her grandson helps on Sundays.",
                 kind: "phone-call", area: "Scartho", at: "2026-11-25T16:45", participant: "P-017", consent: "not-required",
                 tags: ["digital"], measures: [("steps", "2.5"), ("ons_lonely", "3")])
        try note(F.deleted, "DELETED-NOTE-TEXT", nil, kind: "observation", area: "Scartho", at: "2026-11-26", participant: nil,
                 consent: "given", tags: [])
        try store.commit([.assign(F.deleted, field: "deleted", value: .bool(true))])
        try note(F.erased, "ERASED-NOTE-TEXT", "ERASED-NOTE-TEXT in the body", kind: "interview", area: "East Marsh", at: "2026-11-03",
                 participant: "P-020", consent: "given", tags: ["ERASED-TAG"])
        try store.commit([.erase(F.erased, reason: "consent withdrawn after the visit")])

        try record(F.busInsight, Insight.type, [("statement", .text("Losing a bus route stops people going to social activities")),
                                                ("area", .text("East Marsh")), ("status", .text("agreed")), ("confidence", .text("high"))],
                   sets: [(Insight.themeSet, [F.transport, F.isolation]), (Insight.evidenceSet, [F.busCut, F.declined, F.erased])])
        try record(F.bereavedInsight, Insight.type, [("statement", .text("Bereaved men rarely ask for help")),
                                                     ("status", .text("draft")), ("confidence", .text("low"))],
                   sets: [(Insight.themeSet, [F.bereavement]), (Insight.evidenceSet, [F.evenings])])
        try record(F.digitalInsight, Insight.type, [("statement", .text("Online-only booking shuts people out of the GP")),
                                                    ("area", .text("Scartho")), ("status", .text("agreed")), ("confidence", .text("medium"))],
                   sets: [(Insight.evidenceSet, [F.gpOnline])])
        try record(F.minibus, Decision.type, [("title", .text("Fund a community minibus pilot")), ("status", .text("made")),
                                              ("decided_at", .text("2026-12-01T00:00:00Z")), ("suggested", .text("Restore a bus link for East Marsh")),
                                              ("made", .text("Funded a six-month minibus pilot")), ("follows_evidence", .text("yes"))],
                   sets: [(Decision.insightSet, [F.busInsight])])
        try record(F.lunchClub, Decision.type, [("title", .text("Close the Heneage lunch club")), ("description", .text("Savings target for 2027")),
                                                ("status", .text("made")), ("decided_at", .text("2026-12-05T00:00:00Z")),
                                                ("suggested", .text("Keep the club open")), ("made", .text("Closed it")), ("follows_evidence", .text("no"))],
                   sets: [(Decision.insightSet, [F.busInsight, F.bereavedInsight])])

        // bob-laptop, offline, retitled the bus note and wrote a body on the declined note: both conflict.
        let clock = Timestamp(physical: Fixture.storeMillis - 60_000, logical: 0)
        func op(_ seq: UInt64, _ record: RecordID, _ action: Action) -> CRDT.Operation {
            CRDT.Operation(id: OperationID(origin: Fixture.bob, seq: seq), timestamp: Timestamp(packed: clock.packed + seq), record: record, action: action)
        }
        let device = RecordID(bytes: Fixture.bob.bytes)!
        try store.apply([
            op(1, device, .create(type: Store.deviceType)),
            op(2, device, .assign(field: "name", value: .text("bob-laptop"), replaces: [])),
            op(3, F.busCut, .assign(field: "title", value: .text("No. 9 bus withdrawn"), replaces: [])),
            op(4, F.declined, .assign(field: "body", value: .text("SECRET-CONFLICT-BODY"), replaces: [])),
        ])
    }

    var exporter: Exporter { Exporter(store: store, clock: { Fixture.exportMillis }) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Replaces the store's random replica id (hex and GUID forms) with fixed words.
    func normalised(_ text: String) -> String {
        let hex = store.replica.hex
        let guid = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)].joined(separator: "-")
        return text.replacingOccurrences(of: hex, with: "<replica>").replacingOccurrences(of: guid, with: "<replica-guid>")
    }

    /// The one file of a file export, as text.
    func render(_ format: ExportFormat, filter: ExportFilter = ExportFilter(), identifiers: IdentifierPolicy = .refuse,
                options: ExportOptions = ExportOptions()) throws -> String {
        let files = try exporter.render(format: format, filter: filter, identifiers: identifiers, options: options)
        return String(decoding: try #require(files.first).bytes, as: UTF8.self)
    }
}

/// Reads a whole file as bytes.
func readBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

func readText(_ path: String) throws -> String { String(decoding: try readBytes(path), as: UTF8.self) }

func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// Every file under `directory`, recursively, as (relative path, bytes).
func files(under directory: String) throws -> [(String, [UInt8])] {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
    var out: [(String, [UInt8])] = []
    while let name = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
            out.append((name, try readBytes(directory + "/" + name)))
        }
    }
    return out.sorted { $0.0 < $1.0 }
}

/// The bytes of an export as its reader sees them: a CSV directory's files;
/// a QDPX archive's own bytes and then every entry unpacked by Python's
/// zipfile (project.qde is deflated, so the archive's bytes do not show its
/// text); any other file as it is.
func exportedContent(_ path: String, _ format: ExportFormat) throws -> [UInt8] {
    if format.isDirectory { return try files(under: path).flatMap(\.1) }
    let raw = try readBytes(path)
    guard format == .qdpx else { return raw }
    let directory = path + "-unpacked"
    let unpack = "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); bad = z.testzip(); sys.exit('bad entry: %s' % bad) if bad else z.extractall(sys.argv[2])"
    guard let result = try runTool("python3", ["-c", unpack, path, directory]), result.status == 0 else {
        throw UnpackFailed(path: path)
    }
    return raw + (try files(under: directory).flatMap(\.1))
}

struct UnpackFailed: Error, CustomStringConvertible {
    let path: String
    var description: String { "python3 could not unpack \(path) (apt-get install -y python3)" }
}

/// True when `needle`'s UTF-8 bytes occur in `haystack`.
func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
    let needle = Array(needle.utf8)
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
    }
    return false
}
