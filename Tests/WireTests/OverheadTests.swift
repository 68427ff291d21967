import CRDT
import Synthetic
import Testing
import Wire

/// How many bytes the protocol spends beyond the content it carries.
@Suite struct OverheadTests {
    /// A day of field notes on one device: 30 interview notes typed with a
    /// few revisions, then an evening pass that retitles, retags and marks
    /// notes reviewed. Operations made by `ReplicaState`, so `replaces`,
    /// `observed` and the text operations' origins and ranges are what a real
    /// device would send. Bodies are text fields: typed as one run, revised
    /// by appending a sentence or changing a word.
    static func fieldDay() -> [Operation] {
        var random = SplitMix64(seed: 42)
        var state = ReplicaState(replica: Fixtures.device)
        var wall = Fixtures.deviceClock
        let words = ["clinic", "bus", "fare", "market", "water", "school", "fees", "harvest", "rain", "credit", "mobile", "money",
                     "queue", "nurse", "pump", "road", "price", "maize", "loan", "group", "women", "youth", "elder", "chief"]
        let tags = ["transport", "cost", "health", "education", "finance", "follow-up", "quote", "observation"]
        func text(_ count: ClosedRange<Int>) -> String {
            (0 ..< Int.random(in: count, using: &random)).map { _ in words[Int.random(in: 0 ..< words.count, using: &random)] }
                .joined(separator: " ")
        }
        func typing() { wall += UInt64.random(in: 2_000 ... 90_000, using: &random) }
        var notes: [RecordID] = []
        for index in 0 ..< 30 {
            let note = Fixtures.randomRecord(seed: 200 + UInt64(index))
            notes.append(note)
            wall += UInt64.random(in: 300_000 ... 1_800_000, using: &random)
            _ = state.makeLocal(note, .create(type: "note"), wallMillis: wall)
            typing(); state.assign(note, "title", .text(text(3 ... 6)), wallMillis: wall)
            typing(); state.assign(note, "participant", .text("P\(10 + index)"), wallMillis: wall)
            typing(); state.assign(note, "site", .text(["Kibera", "Mathare", "Kawangware"][index % 3]), wallMillis: wall)
            typing(); state.editText(note, "body", to: text(20 ... 120), wallMillis: wall)
            for _ in 0 ..< Int.random(in: 1 ... 3, using: &random) {
                typing(); _ = state.makeLocal(note, .add(set: "tags", element: .text(tags[Int.random(in: 0 ..< tags.count, using: &random)])), wallMillis: wall)
            }
            for _ in 0 ..< Int.random(in: 0 ... 2, using: &random) {
                typing()
                var body = state.textField(note, "body").text.split(separator: " ").map(String.init)
                if Bool.random(using: &random) {
                    body += text(3 ... 12).split(separator: " ").map(String.init)
                } else {
                    body[Int.random(in: 0 ..< body.count, using: &random)] = words[Int.random(in: 0 ..< words.count, using: &random)] + "s"
                }
                state.editText(note, "body", to: body.joined(separator: " "), wallMillis: wall)
            }
        }
        wall += 4 * 3_600_000
        for _ in 0 ..< 40 {
            let note = notes[Int.random(in: 0 ..< notes.count, using: &random)]
            typing()
            switch Int.random(in: 0 ..< 4, using: &random) {
            case 0: state.assign(note, "title", .text(text(3 ... 6)), wallMillis: wall)
            case 1: state.remove(note, "tags", .text(tags[Int.random(in: 0 ..< tags.count, using: &random)]), wallMillis: wall)
            case 2: _ = state.makeLocal(note, .add(set: "tags", element: .text("follow-up")), wallMillis: wall)
            default: state.assign(note, "reviewed", .bool(true), wallMillis: wall)
            }
        }
        let count = state.vector[Fixtures.device]
        return (1 ... count).compactMap { state.operations[OperationID(origin: Fixtures.device, seq: $0)] }
    }

    /// Content bytes: UTF-8 of text values, inserted text and erase reasons, 8 per number, nothing for null,
    /// booleans and deletions.
    static func valueBytes(_ operation: Operation) -> Int {
        func bytes(_ value: Value) -> Int {
            switch value {
            case .null, .bool: return 0
            case .number: return 8
            case .text(let text): return text.utf8.count
            }
        }
        switch operation.action {
        case .create: return 0
        case .assign(_, let value, _): return bytes(value)
        case .add(_, let element), .remove(_, let element, _): return bytes(element)
        case .erase(let reason): return reason.utf8.count
        case .insertText(_, let run): return run.text?.utf8.count ?? 0
        case .deleteText: return 0
        }
    }

    @Test func wireBytesPerOperationBeyondValueBytes() throws {
        let operations = Self.fieldDay()
        let batches = try OperationBatch.split(operations)
        let encoder = FrameEncoder()
        var wireBytes = 0
        var batchBytes = 0
        for (index, batch) in batches.enumerated() {
            wireBytes += try encoder.encode(.operations(batchID: UInt64(index + 1), batch: batch)).count
            batchBytes += try batch.encode().count
        }
        let values = operations.map(Self.valueBytes).reduce(0, +)
        let perOperation = Double(wireBytes - values) / Double(operations.count)
        let perOperationInBatch = Double(batchBytes - values) / Double(operations.count)
        print("""
            wire overhead: \(String(format1: perOperation)) bytes/op beyond value bytes \
            (\(operations.count) note-edit ops in \(batches.count) Ops frame(s): \(wireBytes) wire bytes, \(values) value bytes; \
            \(String(format1: perOperationInBatch)) bytes/op inside the batch encoding alone)
            """)
        #expect(operations.count > 250)
        #expect(perOperation < 24)
    }

    /// A one-letter typo fixed in a 20,000-character body costs a
    /// one-character operation on the wire, not the body.
    @Test func aOneCharacterFixInALongBodyIsAFewBytesOnTheWire() throws {
        var state = ReplicaState(replica: Fixtures.device)
        let note = Fixtures.randomRecord(seed: 7)
        let long = String(repeating: "She has not left the flat since her husband died. ", count: 400)
        _ = state.makeLocal(note, .create(type: "note"), wallMillis: Fixtures.deviceClock)
        state.editText(note, "body", to: long + "Her daugher visits.", wallMillis: Fixtures.deviceClock + 1)
        let fix = state.editText(note, "body", to: long + "Her daughter visits.", wallMillis: Fixtures.deviceClock + 60_000)
        #expect(fix.count == 1)
        let bytes = try OperationBatch(fix).encode().count
        print("a one-character fix in a \(long.count + 20)-character body: \(bytes) bytes in its batch")
        // Batch header 18 (origin, first seq, count), then the operation: kind 1, clock 7, record
        // literal 17, field name literal 6, first 3, count 1, two character references 4 each, text 2.
        // In a batch of many edits the record and the name are one-byte references.
        #expect(bytes <= 64)
    }

    /// A sync where neither side lacks anything: the whole connection inside
    /// TLS, both directions, magic to Done (TLS's own bytes not counted).
    /// The device sends its Vector with its Hello, so after the TLS handshake
    /// the sync is one round trip.
    @Test func noOpSyncIsOneRoundTripInsideTLSAndAFewHundredBytes() throws {
        let vector = Fixtures.vector([Fixtures.device: 1_200, Fixtures.tablet: 830, ReplicaID(high: 9, low: 9): 57])
        let encoder = FrameEncoder()
        // Flight 1 (device): magic, Hello, Vector. Flight 2 (hub): magic, Welcome, Vector, Done. Flight 3 (device): Done.
        let deviceBytes = WireProtocol.magic.count
            + (try encoder.encode(.hello(VectorCatalog.typicalHello))).count
            + (try encoder.encode(.vector(vector))).count
            + (try encoder.encode(.done(batches: 0, operations: 0))).count
        let hubBytes = WireProtocol.magic.count
            + (try encoder.encode(.welcome(VectorCatalog.typicalWelcome))).count
            + (try encoder.encode(.vector(vector))).count
            + (try encoder.encode(.done(batches: 0, operations: 0))).count
        print("no-op sync: \(deviceBytes + hubBytes) bytes inside TLS (device \(deviceBytes), hub \(hubBytes)), 3-origin vectors, "
              + "1 round trip after the TLS handshake")
        #expect(deviceBytes + hubBytes < 400)
    }
}

extension String {
    /// One decimal place, without Foundation.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
