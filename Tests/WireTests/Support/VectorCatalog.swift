import Crypto
import CRDT
import Formats
import Wire

/// One file of `Protocol/vectors/`.
struct VectorFile {
    let fileName: String
    let description: String
    let vectors: [JSON]

    var json: JSON { .object([("description", .string(description)), ("vectors", .array(vectors))]) }
    var text: String { json.pretty(inlineWidth: 100) + "\n" }
}

/// Builds every test vector from Swift values. The committed files are the
/// output of this catalog, read and checked by a person; tests compare the
/// two and re-record only when FIELDNOTES_RECORD_VECTORS=1.
enum VectorCatalog {
    static let messageFiles = ["hello", "welcome", "error", "enrol", "vector", "ops", "ack", "done", "ping", "pong"]
    static let operationFiles = ["operation-create", "operation-assign", "operation-add", "operation-remove", "operation-erase",
                                 "operation-insert-text", "operation-delete-text"]

    static func all() throws -> [VectorFile] {
        var files: [VectorFile] = []
        files.append(try messages("hello", "Hello (type 0x01): device → hub, first frame after the magic.", [
            ("typical", .hello(typicalHello)),
            ("device offering versions 1 to 3", .hello(Hello(versions: 1 ... 3, deviceName: "tablet-2", replica: Fixtures.tablet,
                                                           nonce: Fixtures.randomBytes(32, seed: 10), wallClockMillis: 1_717_243_500_000))),
            ("non-ASCII device name", .hello(Hello(deviceName: "Jürgen’s Feldbuch", replica: Fixtures.device,
                                                   nonce: Fixtures.randomBytes(32, seed: 11), wallClockMillis: 0))),
            ("longest device name (64 bytes)", .hello(Hello(deviceName: String(repeating: "n", count: 64), replica: Fixtures.device,
                                                            nonce: Fixtures.randomBytes(32, seed: 12), wallClockMillis: UInt64.max))),
        ]))
        files.append(try messages("welcome", "Welcome (type 0x04): hub → device, its first frame: the selected version, the hub's replica id "
                                  + "and its wall clock.", [
            ("typical", .welcome(typicalWelcome)),
            ("another hub selecting version 4, clock at its largest",
             .welcome(Welcome(version: 4, hubReplica: ReplicaID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210), wallClockMillis: UInt64.max))),
        ]))
        files.append(try messages("error", "Error (type 0x05): either side, its last frame. One vector per code defined "
                                  + "(11, badTag, is sent only in version 1), then edge cases.",
                                  ErrorCode.allKnown.map { code in ("\(code)", Message.error(code: code, message: errorText(code))) } + [
                                      ("empty message", .error(code: .internal, message: "")),
                                      ("code unknown to version 3", .error(code: ErrorCode(rawValue: 999), message: "from the future")),
                                  ]))
        files.append(try messages("enrol", "Enrol (type 0x06): device → hub, right after the Hello on its first connection: "
                                  + "the enrolment token's 10 bytes (`text` is how the enrolment code writes them).", [
            ("typical", .enrol(Fixtures.token)),
            ("all zero", .enrol(try token(Array(repeating: 0, count: EnrolmentToken.byteCount)))),
        ]))
        files.append(try messages("vector", "Vector (type 0x10): either side, its first frame in the session. Origins in byte order.", [
            ("empty (a new device)", .vector(Fixtures.vector([:]))),
            ("one origin", .vector(Fixtures.vector([Fixtures.device: 14]))),
            ("three origins, seqs needing 1, 2 and 10 varint bytes",
             .vector(Fixtures.vector([Fixtures.device: 14, Fixtures.tablet: 300, Fixtures.hub: WireLimits.maxSeq]))),
        ]))
        files.append(try messages("ops", "Ops (type 0x11): a batch id, then one origin's consecutive operations (see OPERATIONS.md).", [
            ("device's first batch: a new note", .operations(batchID: 1, batch: try OperationBatch(newNote))),
            ("two-byte batch id, one purged assign",
             .operations(batchID: 300, batch: try OperationBatch([
                Fixtures.op(9, at: Fixtures.deviceClock + 90_000, Fixtures.note1, .assign(field: "body", value: .null, replaces: [])),
             ]))),
            ("hub relaying a tablet's operations",
             .operations(batchID: 2, batch: try OperationBatch([
                Fixtures.op(29, at: Fixtures.deviceClock - 3_600_000, Fixtures.note2, .add(set: "tags", element: .text("site-visit")),
                            origin: Fixtures.tablet),
                Fixtures.op(30, at: Fixtures.deviceClock - 3_599_000, Fixtures.note2,
                            .assign(field: "title", value: .text("Market stall, morning"),
                                    replaces: [OperationID(origin: Fixtures.tablet, seq: 12)]), origin: Fixtures.tablet),
             ]))),
        ]))
        files.append(try messages("ack", "Ack (type 0x12): the receiver committed a batch.", [
            ("first batch, three new operations", .ack(batchID: 1, applied: 3)),
            ("batch 300, all already held", .ack(batchID: 300, applied: 0)),
            ("largest values", .ack(batchID: UInt64.max, applied: UInt64.max)),
        ]))
        files.append(try messages("done", "Done (type 0x13): the sender has sent everything the receiver lacked.", [
            ("nothing to send", .done(batches: 0, operations: 0)),
            ("three batches", .done(batches: 3, operations: 1500)),
        ]))
        files.append(try messages("ping", "Ping (type 0x14): keep-alive; an 8-byte value echoed by the Pong.", [
            ("zero", .ping(0)),
            ("typical", .ping(0x0123_4567_89AB_CDEF)),
        ]))
        files.append(try messages("pong", "Pong (type 0x15): answers a Ping with its value.", [
            ("zero", .pong(0)),
            ("typical", .pong(0x0123_4567_89AB_CDEF)),
        ]))
        files.append(try compressedOps())
        files += try operationFilesList()
        files.append(fingerprints())
        files.append(tokens())
        files.append(try session())
        files.append(try RejectCatalog.file())
        return files
    }

    // MARK: Entries

    static func messageEntry(_ name: String, _ message: Message) throws -> JSON {
        .object([("name", .string(name)), ("hex", .string(Hex.encode(try message.encode()))),
                 ("decoded", VectorJSON.message(message)), ("roundtrip", .bool(true))])
    }

    static func messages(_ file: String, _ description: String, _ entries: [(String, Message)]) throws -> VectorFile {
        var vectors: [JSON] = []
        for (name, message) in entries { vectors.append(try messageEntry(name, message)) }
        return VectorFile(fileName: file, description: description + " `hex` is the whole frame: length, type, payload.",
                          vectors: vectors)
    }

    static func batches(_ file: String, _ description: String, _ entries: [(String, [Operation])]) throws -> VectorFile {
        var vectors: [JSON] = []
        for (name, operations) in entries {
            let batch = try OperationBatch(operations)
            vectors.append(.object([("name", .string(name)), ("hex", .string(Hex.encode(try batch.encode()))),
                                    ("decoded", VectorJSON.batch(batch)), ("roundtrip", .bool(true))]))
        }
        return VectorFile(fileName: file, description: description + " `hex` is an operation batch as it follows the batch id in an Ops payload.",
                          vectors: vectors)
    }

    /// An operation's fingerprint (SPEC §5.5): the first 8 bytes of the
    /// SHA-256 of its canonical bytes, which leave out its value.
    static func fingerprints() -> VectorFile {
        let t = Fixtures.deviceClock
        let entries: [(String, Operation)] = [
            ("create", Fixtures.op(1, at: t, Fixtures.note1, .create(type: "note"))),
            ("assign replacing two writes", Fixtures.op(9, at: t + 9_000, logical: 3, Fixtures.note1,
                                                        .assign(field: "title", value: .text("Interview P07 (clinic)"),
                                                                replaces: [OperationID(origin: Fixtures.device, seq: 2),
                                                                           OperationID(origin: Fixtures.tablet, seq: 40)]))),
            ("the same assign, purged by an erase: same fingerprint",
             Fixtures.op(9, at: t + 9_000, logical: 3, Fixtures.note1,
                         .assign(field: "title", value: .null, replaces: [OperationID(origin: Fixtures.device, seq: 2),
                                                                          OperationID(origin: Fixtures.tablet, seq: 40)]))),
            ("add", Fixtures.op(4, at: t + 33_100, Fixtures.note1, .add(set: "tags", element: .text("transport")))),
            ("remove", Fixtures.op(5, at: t + 40_000, Fixtures.note1,
                                   .remove(set: "tags", element: .text("transport"), observed: [OperationID(origin: Fixtures.device, seq: 4)]))),
            ("erase (the reason is left out)", Fixtures.op(6, at: t + 50_000, Fixtures.note1, .erase(reason: "entered by mistake"))),
            ("non-ASCII field name, another origin", Fixtures.op(300, at: t, Fixtures.note2,
                                                                 .assign(field: "Beobachtung", value: .number(2), replaces: []), origin: Fixtures.tablet)),
            ("insertText (the text is left out)", Fixtures.op(7, at: t + 61_000, Fixtures.note1, .insertText(field: "body", run: insertedRun))),
            ("the same insertText, purged by an erase: same fingerprint",
             Fixtures.op(7, at: t + 61_000, Fixtures.note1, .insertText(field: "body", run: insertedRun.purged))),
            ("insertText with no origins", Fixtures.op(3, at: t + 31_750, Fixtures.note1,
                                                       .insertText(field: "body", run: TextRun(first: 1, text: "Walks", left: nil, right: nil)))),
            ("deleteText, ranges of two replicas", Fixtures.op(8, at: t + 70_000, logical: 2, Fixtures.note1,
                                                               .deleteText(field: "body", ranges: [
                                                                   CharacterRange(replica: Fixtures.device, first: 3, count: 4),
                                                                   CharacterRange(replica: Fixtures.tablet, first: 10, count: 2),
                                                               ]))),
        ]
        let vectors: [JSON] = entries.map { name, operation in
            let canonical = OperationFingerprint.canonicalBytes(operation)
            let fingerprint = OperationFingerprint.fingerprint(fromDigest: SHA256.hash(canonical))
            return .object([("name", .string(name)), ("origin", .string(operation.id.origin.hex)), ("operation", VectorJSON.operation(operation)),
                            ("canonical", .string(Hex.encode(canonical))), ("fingerprint", .string(Hex.encode(fingerprint)))])
        }
        return VectorFile(fileName: "fingerprint", description: "Operation fingerprints (SPEC §5.5), as Vector entries carry them. "
                          + "`canonical` is the bytes hashed; `fingerprint` the first 8 bytes of their SHA-256.", vectors: vectors)
    }

    /// A run typed between a character of the device and one of the tablet.
    static let insertedRun = TextRun(first: 28, text: " Bus too dear.", left: CharacterID(replica: Fixtures.device, counter: 27),
                                     right: CharacterID(replica: Fixtures.tablet, counter: 4))

    /// Enrolment tokens (SPEC §6.1): bytes, text with its check symbol, and
    /// the SHA-256 a hub keeps.
    static func tokens() -> VectorFile {
        let entries: [(String, [UInt8])] = [
            ("all zero", [UInt8](repeating: 0, count: 10)),
            ("all ones (a check symbol from the extra five)", [UInt8](repeating: 0xFF, count: 10)),
            ("typical", Fixtures.tokenBytes),
            ("random bytes", Fixtures.randomBytes(10, seed: 4)),
        ]
        let vectors: [JSON] = entries.compactMap { name, bytes in
            guard let token = EnrolmentToken(bytes: bytes) else { return nil }
            return .object([("name", .string(name)), ("bytes", .string(Hex.encode(bytes))), ("text", .string(token.text)),
                            ("hash", .string(Hex.encode(token.hash)))])
        }
        return VectorFile(fileName: "token", description: "Enrolment tokens (SPEC §6.1): 10 random bytes as Crockford base32 in groups of four, "
                          + "then the check symbol (the 80-bit number mod 37). `hash` is what the hub stores: SHA-256 of the bytes.", vectors: vectors)
    }

    // MARK: Handshake values

    static let typicalHello = Hello(deviceName: "field-laptop", replica: Fixtures.device, nonce: Fixtures.deviceNonce,
                                    wallClockMillis: Fixtures.deviceClock)

    static let typicalWelcome = Welcome(hubReplica: Fixtures.hub, wallClockMillis: Fixtures.hubClock)

    static func token(_ bytes: [UInt8]) throws -> EnrolmentToken {
        guard let token = EnrolmentToken(bytes: bytes) else { throw VectorFileError(reason: "a token is 10 bytes, not \(bytes.count)") }
        return token
    }

    static func errorText(_ code: ErrorCode) -> String {
        switch code {
        case .badMagic: return "not a fieldnotes sync stream"
        case .unsupportedVersion: return "hub supports protocol versions 3 to 3"
        case .malformed: return "Vector: entry 2 origin does not follow entry 1 in byte order"
        case .frameTooLarge: return "frame length 2000000 exceeds 1048576"
        case .authFailed: return "the client certificate is not the one enrolled for field-laptop"
        case .unknownDevice: return "no device named field-laptop is enrolled"
        case .revoked: return "device field-laptop was revoked"
        case .busy: return "another session for this device is in progress; retry later"
        case .forgedOrigin: return "batch 1 has origin 7c2d9e4b1a3f5c6d8e9f0a1b2c3d4e5f, not the device's replica"
        case .seqGap: return "batch 1 starts at seq 20; hub holds up to 14"
        case .badTag: return "frame 3 does not verify (version 1)"
        case .timeout: return "no frame for 60 s"
        case .internal: return "disk full"
        case .replicaMismatch: return "field-laptop is registered with another replica id; re-enrol"
        case .protocolViolation: return "Ack for batch 3 while batch 2 is unacknowledged"
        default: return ""
        }
    }

    // MARK: Operations

    /// The first body of the note the device makes.
    static let newBody = "Walks 40 min to the clinic; bus too dear."

    /// A note made on the device: create, title, body (a text field, so
    /// typed as one run with no origins), a tag.
    static let newNote: [Operation] = [
        Fixtures.op(1, at: Fixtures.deviceClock, Fixtures.note1, .create(type: "note")),
        Fixtures.op(2, at: Fixtures.deviceClock + 4_200, Fixtures.note1, .assign(field: "title", value: .text("Interview P07"), replaces: [])),
        Fixtures.op(3, at: Fixtures.deviceClock + 31_750, Fixtures.note1,
                    .insertText(field: "body", run: TextRun(first: 1, text: newBody, left: nil, right: nil))),
        Fixtures.op(4, at: Fixtures.deviceClock + 33_100, Fixtures.note1, .add(set: "tags", element: .text("transport"))),
    ]

    /// A device's morning: three notes, each created, titled and tagged.
    static let morning: [Operation] = {
        var operations: [Operation] = []
        var seq: UInt64 = 5
        for (index, note) in [Fixtures.note1, Fixtures.note2, Fixtures.note3].enumerated() {
            let t = Fixtures.deviceClock + 600_000 * UInt64(index + 1)
            let actions: [(UInt64, Action)] = [
                (0, .create(type: "note")),
                (5_000, .assign(field: "title", value: .text("Interview P1\(index), at the clinic"), replaces: [])),
                (9_000, .add(set: "tags", element: .text("transport"))),
                (9_500, .add(set: "tags", element: .text("cost of living"))),
            ]
            for (offset, action) in actions {
                operations.append(Fixtures.op(seq, at: t + offset, note, action))
                seq += 1
            }
        }
        return operations
    }()

    /// `morning`'s batch as zlib 1.2.13 deflates it (raw, level 6, window
    /// bits −15, memory level 8, default strategy), frozen here so the
    /// vectors do not depend on the zlib a machine has: any zlib may make
    /// other bytes for the same batch, and every one is accepted.
    static let morningDeflated = "8b93e7d19addeb57bff8d8c64b4fbeb177b2f230362c5fbefb57320383fd2c19be6a5dffac1e39ebd8fa593a7e0c2c79f925a94c13fc181819584b324b725259643cf34a528bca3253cb15020c0d7414124b144a325215927332f3329319980fd80195b29424a617b370961425e61517e4179530bf6067606466e14bce2f2e51c84f53c8c92ccbcc4b673cd1e5c1c0b0fdd1956f2b0e3cfcbc74fbc98b8fbf2edfc908b28d8909d51e436cf63031a359c184c30a1ebfac6e5d79bb98aad9bcfa7e395dd2602b98d1ac30c2660533ba15cc18560000"

    /// `bytes` as one stored DEFLATE block (RFC 1951 §3.2.4: BFINAL 1, BTYPE 00,
    /// LEN and NLEN little-endian, then the bytes): a stream anyone can make.
    static func storedBlock(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count < 1 << 16, "one stored block holds at most 65,535 bytes")
        let length = UInt16(bytes.count)
        return [0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)] + bytes
    }

    static func compressedOps() throws -> VectorFile {
        let batch = try OperationBatch(morning)
        let plain = try batch.encode()
        guard let zlib = Hex.decode(morningDeflated) else { preconditionFailure("morningDeflated is not hex") }
        var vectors: [JSON] = []
        for (name, batchID, deflated) in [
            ("twelve operations, deflated by zlib 1.2.13 (level 6)", UInt64(1), zlib),
            ("the same batch in one stored block (BTYPE 00): any DEFLATE stream of the batch is accepted", UInt64(2), storedBlock(plain)),
        ] {
            let payload = RejectCatalog.leb(batchID) + RejectCatalog.leb(UInt64(plain.count)) + deflated
            vectors.append(.object([
                ("name", .string(name)),
                ("hex", .string(Hex.encode(try Frame(type: .compressedOperations, payload: payload).encoded()))),
                ("decoded", VectorJSON.message(.compressedOperations(batchID: batchID, batch: batch))),
                ("inflated", .string(Hex.encode(plain))),
                ("roundtrip", .bool(false)),
            ]))
        }
        return VectorFile(fileName: "compressed-ops", description: "CompressedOps (type 0x16, protocol version 4): a batch id, the "
            + "batch's length once inflated, then the batch (OPERATIONS.md §2) as one raw DEFLATE stream (RFC 1951). `hex` is the "
            + "whole frame; `inflated` the batch the stream inflates to. DEFLATE has many encodings of one input, so `roundtrip` is "
            + "false: re-encoding gives the same batch, not necessarily the same compressed bytes.",
            vectors: vectors)
    }

    static func operationFilesList() throws -> [VectorFile] {
        let t = Fixtures.deviceClock
        let device = Fixtures.device
        let tablet = Fixtures.tablet
        return [
            try batches("operation-create", "Create (kind 1): brings a record of a type into existence.", [
                ("one create", [Fixtures.op(1, at: t, Fixtures.note1, .create(type: "note"))]),
                ("two creates share the interned type name", [
                    Fixtures.op(5, at: t, Fixtures.note1, .create(type: "note")),
                    Fixtures.op(6, at: t, logical: 1, Fixtures.note2, .create(type: "note")),
                ]),
                ("non-ASCII type name", [Fixtures.op(1, at: t, Fixtures.note3, .create(type: "Beobachtung"))]),
                ("clock stepping back between operations (zigzag delta)", [
                    Fixtures.op(7, at: t + 1_000, Fixtures.note1, .create(type: "note")),
                    Fixtures.op(8, at: t + 400, Fixtures.note2, .create(type: "theme")),
                ]),
                ("large seq, largest logical counter, latest clock", [
                    Fixtures.op(1 << 40, at: (1 << 48) - 1, logical: UInt16.max, Fixtures.note1, .create(type: "note")),
                ]),
            ]),
            try batches("operation-assign", "Assign (kind 2): writes a value to a field, naming the heads it replaces.", [
                ("text, nothing replaced", [Fixtures.op(2, at: t, Fixtures.note1, .assign(field: "title", value: .text("Interview P07"), replaces: []))]),
                ("replaces the previous write of the same origin (seq distance)", [
                    Fixtures.op(2, at: t, Fixtures.note1, .assign(field: "title", value: .text("Interview P07"), replaces: [])),
                    Fixtures.op(3, at: t + 9_000, Fixtures.note1, .assign(field: "title", value: .text("Interview P07 (clinic)"),
                                                                          replaces: [OperationID(origin: device, seq: 2)])),
                ]),
                ("every value type", [
                    Fixtures.op(10, at: t, Fixtures.note1, .assign(field: "summary", value: .null, replaces: [])),
                    Fixtures.op(11, at: t + 1, Fixtures.note1, .assign(field: "deleted", value: .bool(false), replaces: [])),
                    Fixtures.op(12, at: t + 2, Fixtures.note1, .assign(field: "flagged", value: .bool(true), replaces: [])),
                    Fixtures.op(13, at: t + 3, Fixtures.note1, .assign(field: "rating", value: .number(3.5), replaces: [])),
                    Fixtures.op(14, at: t + 4, Fixtures.note1, .assign(field: "temperature", value: .number(-273.15), replaces: [])),
                    Fixtures.op(15, at: t + 5, Fixtures.note1, .assign(field: "count", value: .number(0), replaces: [])),
                    Fixtures.op(16, at: t + 6, Fixtures.note1, .assign(field: "upper", value: .number(.infinity), replaces: [])),
                    Fixtures.op(17, at: t + 7, Fixtures.note1, .assign(field: "tiny", value: .number(.leastNonzeroMagnitude), replaces: [])),
                    Fixtures.op(18, at: t + 8, Fixtures.note1, .assign(field: "body", value: .text(""), replaces: [])),
                    Fixtures.op(19, at: t + 9, Fixtures.note1, .assign(field: "quote", value: .text("“Café” 👩🏽‍⚕️ e\u{301}"), replaces: [])),
                ]),
                ("replaces heads of two other replicas (literal, then reference)", [
                    Fixtures.op(20, at: t, Fixtures.note2, .assign(field: "title", value: .text("Market stall"),
                                                                    replaces: [OperationID(origin: tablet, seq: 30), OperationID(origin: Fixtures.hub, seq: 2)])),
                    Fixtures.op(21, at: t + 60_000, Fixtures.note2, .assign(field: "body", value: .text("Closed on Sundays."),
                                                                             replaces: [OperationID(origin: tablet, seq: 31)])),
                ]),
                ("resolves a conflict between its own and a tablet's head", [
                    Fixtures.op(40, at: t, logical: 3, Fixtures.note3, .assign(field: "title", value: .text("Focus group B"),
                                                                       replaces: [OperationID(origin: device, seq: 38), OperationID(origin: tablet, seq: 77)])),
                ]),
            ]),
            try batches("operation-add", "Add (kind 3): adds an element to an observed-remove set; the operation's id is the add's tag.", [
                ("one text element", [Fixtures.op(4, at: t, Fixtures.note1, .add(set: "tags", element: .text("transport")))]),
                ("two sets, two records, interned names", [
                    Fixtures.op(4, at: t, Fixtures.note1, .add(set: "tags", element: .text("transport"))),
                    Fixtures.op(5, at: t + 800, Fixtures.note1, .add(set: "participants", element: .text("P07"))),
                    Fixtures.op(6, at: t + 1_900, Fixtures.note2, .add(set: "tags", element: .text("transport"))),
                    Fixtures.op(7, at: t + 2_500, Fixtures.note1, .add(set: "tags", element: .text("cost"))),
                ]),
                ("number and boolean elements", [
                    Fixtures.op(8, at: t, Fixtures.note3, .add(set: "pages", element: .number(12))),
                    Fixtures.op(9, at: t, logical: 1, Fixtures.note3, .add(set: "pages", element: .bool(true))),
                ]),
            ]),
            try batches("operation-remove", "Remove (kind 4): removes an element by naming the add tags its author observed.", [
                ("removes its own earlier adds", [
                    Fixtures.op(8, at: t, Fixtures.note1, .add(set: "tags", element: .text("transport"))),
                    Fixtures.op(9, at: t + 120_000, Fixtures.note1, .remove(set: "tags", element: .text("transport"),
                                                                              observed: [OperationID(origin: device, seq: 4), OperationID(origin: device, seq: 8)])),
                ]),
                ("observes adds of two replicas", [
                    Fixtures.op(15, at: t, Fixtures.note2, .remove(set: "tags", element: .text("site-visit"),
                                                                    observed: [OperationID(origin: tablet, seq: 29), OperationID(origin: device, seq: 3)])),
                ]),
                ("observed nothing (a no-op remove)", [
                    Fixtures.op(16, at: t, Fixtures.note2, .remove(set: "tags", element: .text("never-added"), observed: [])),
                ]),
            ]),
            try batches("operation-erase", "Erase (kind 5): irreversibly purges every value of a record; later operations arrive purged.", [
                ("erase with a reason", [Fixtures.op(50, at: t, Fixtures.note1, .erase(reason: "participant withdrew consent"))]),
                ("erase with no reason", [Fixtures.op(51, at: t, Fixtures.note2, .erase(reason: ""))]),
                ("erase, then purged operations of the record", [
                    Fixtures.op(52, at: t, Fixtures.note3, .erase(reason: "recorded by mistake")),
                    Fixtures.op(53, at: t + 5, Fixtures.note3, .assign(field: "body", value: .null, replaces: [OperationID(origin: device, seq: 41)])),
                    Fixtures.op(54, at: t + 6, Fixtures.note3, .add(set: "tags", element: .null)),
                ]),
            ]),
            try batches("operation-insert-text", "Insert text (kind 6): a run of characters typed into a text field between its "
                        + "left and right origins (OPERATIONS.md §4.7); its characters' ids are the batch origin and the counters "
                        + "first, first + 1, …. `count` counts Unicode scalars; a purged run's text is null (sent with length 0).", [
                ("a run with no origins: the first text of a body", [
                    Fixtures.op(3, at: t, Fixtures.note1, .insertText(field: "body", run: TextRun(first: 1, text: "Walks 40 min to the clinic.",
                                                                                                   left: nil, right: nil))),
                ]),
                ("origins of the batch origin and of another replica (literal, then reference)", [
                    Fixtures.op(6, at: t, Fixtures.note1, .insertText(field: "body", run: insertedRun)),
                    Fixtures.op(7, at: t + 2_500, Fixtures.note1, .insertText(field: "body", run: TextRun(
                        first: 42, text: "!", left: CharacterID(replica: tablet, counter: 9), right: nil))),
                ]),
                ("count is in Unicode scalars, not bytes or graphemes", [
                    Fixtures.op(8, at: t, Fixtures.note2, .insertText(field: "body", run: TextRun(
                        first: 43, text: "Café “Zur Linde” 👩🏽‍⚕️ e\u{301}", left: CharacterID(replica: device, counter: 42),
                        right: CharacterID(replica: device, counter: 5)))),
                ]),
                ("a run purged by an erase: counters, count and origins stay, the text does not", [
                    Fixtures.op(52, at: t, Fixtures.note3, .erase(reason: "recorded by mistake")),
                    Fixtures.op(53, at: t + 5, Fixtures.note3, .insertText(field: "body", run: TextRun(
                        first: 12, count: 9, text: nil, left: CharacterID(replica: device, counter: 11),
                        right: CharacterID(replica: Fixtures.hub, counter: 3)))),
                ]),
            ]),
            try batches("operation-delete-text", "Delete text (kind 7): deletes the characters of a text field its author saw, "
                        + "named as ranges of counters per replica (OPERATIONS.md §4.7).", [
                ("ranges of two replicas (literal, then reference)", [
                    Fixtures.op(9, at: t, Fixtures.note1, .deleteText(field: "body", ranges: [
                        CharacterRange(replica: device, first: 3, count: 4),
                        CharacterRange(replica: tablet, first: 10, count: 2),
                        CharacterRange(replica: tablet, first: 20, count: 1),
                    ])),
                ]),
                ("after an insertion: character references and ranges share the replicas table", [
                    Fixtures.op(10, at: t, Fixtures.note2, .insertText(field: "body", run: TextRun(
                        first: 1, text: "Closed on Sundays.", left: CharacterID(replica: tablet, counter: 18), right: nil))),
                    Fixtures.op(11, at: t + 4_000, Fixtures.note2, .deleteText(field: "body", ranges: [
                        CharacterRange(replica: tablet, first: 5, count: 3),
                        CharacterRange(replica: device, first: 8, count: 10),
                    ])),
                ]),
                ("one long range: multi-byte first and count", [
                    Fixtures.op(12, at: t, Fixtures.note3, .deleteText(field: "body", ranges: [
                        CharacterRange(replica: Fixtures.hub, first: 300, count: 70_000),
                    ])),
                ]),
            ]),
        ]
    }

    // MARK: The example session of SPEC.md

    /// One frame of the example session.
    struct Step {
        let fromDevice: Bool
        let message: Message?   // nil: the magic
    }

    /// The device `field-laptop`, already enrolled (so it sends no Enrol),
    /// holds its own 1–14 and a tablet's 1–28; the hub holds the device's
    /// 1–12 and the tablet's 1–30. The device sends its Vector with its
    /// Hello, without waiting for the Welcome, and its Done once its batch
    /// is acknowledged, as in version 1.
    /// SPEC §5.5's fingerprint, computed as an independent implementation would.
    static func fingerprint(_ operation: Operation) -> UInt64 {
        OperationFingerprint.fingerprint(fromDigest: SHA256.hash(OperationFingerprint.canonicalBytes(operation)))
    }

    static func sessionSteps() throws -> [Step] {
        // The device appends to the body it typed in its operation 3 (`newNote`).
        let typed = UInt64(newBody.unicodeScalars.count)
        let deviceOps = try OperationBatch([
            Fixtures.op(13, at: Fixtures.deviceClock + 300_000, Fixtures.note1,
                        .insertText(field: "body", run: TextRun(first: typed + 1, text: " The fare is 50 shillings.",
                                                                left: CharacterID(replica: Fixtures.device, counter: typed), right: nil))),
            Fixtures.op(14, at: Fixtures.deviceClock + 305_000, Fixtures.note1, .add(set: "tags", element: .text("cost"))),
        ])
        let tabletOps = try OperationBatch([
            Fixtures.op(29, at: Fixtures.deviceClock - 3_600_000, Fixtures.note2, .add(set: "tags", element: .text("site-visit")),
                        origin: Fixtures.tablet),
            Fixtures.op(30, at: Fixtures.deviceClock - 3_599_000, Fixtures.note2,
                        .assign(field: "title", value: .text("Market stall, morning"),
                                replaces: [OperationID(origin: Fixtures.tablet, seq: 12)]), origin: Fixtures.tablet),
        ])
        return [
            Step(fromDevice: true, message: nil),
            Step(fromDevice: true, message: .hello(typicalHello)),
            Step(fromDevice: true, message: .vector(Fixtures.vector([Fixtures.device: 12, Fixtures.tablet: 28]))),
            Step(fromDevice: false, message: nil),
            Step(fromDevice: false, message: .welcome(typicalWelcome)),
            // The tablet's entry ends at operation 30, sent in the next step: its
            // fingerprint is that operation's; the others' operations are not shown.
            Step(fromDevice: false, message: .vector(Fixtures.vector([Fixtures.device: 12, Fixtures.tablet: 30])
                .stating(Fixtures.tablet, seq: 30, fingerprint: fingerprint(tabletOps.operations[1])))),
            // What a version 4 sender sends: Ops, since compressing two operations does not pay.
            Step(fromDevice: false, message: try Message.ops(batchID: 1, batch: tabletOps, version: 4).message),
            Step(fromDevice: false, message: .done(batches: 1, operations: 2)),
            Step(fromDevice: true, message: .ack(batchID: 1, applied: 2)),
            Step(fromDevice: true, message: try Message.ops(batchID: 1, batch: deviceOps, version: 4).message),
            Step(fromDevice: false, message: .ack(batchID: 1, applied: 2)),
            Step(fromDevice: true, message: .done(batches: 1, operations: 2)),
        ]
    }

    static func session() throws -> VectorFile {
        let encoder = FrameEncoder()
        var steps: [JSON] = []
        for (index, step) in try sessionSteps().enumerated() {
            steps.append(.object([
                ("step", .number(index + 1)),
                ("from", .string(step.fromDevice ? "device" : "hub")),
                ("hex", .string(Hex.encode(try step.message.map(encoder.encode) ?? WireProtocol.magic))),
                ("decoded", step.message.map(VectorJSON.message) ?? .object([("type", .string("magic"))])),
            ]))
        }
        let entry: JSON = .object([
            ("name", .string("example session of SPEC.md: an enrolled device and the hub each send two operations")),
            ("steps", .array(steps)),
        ])
        return VectorFile(fileName: "session", description: "A whole session, every frame in order, as each side writes it into "
            + "its TLS connection (the TLS records around them are not shown). Each side's frames concatenated are exactly "
            + "the application data it sends.",
            vectors: [entry])
    }
}
