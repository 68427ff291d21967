import CRDT
import Formats
import Wire

/// Inputs every decoder must refuse, with the error it must give. Built by
/// hand, byte by byte, so each one breaks exactly one rule.
///
/// Decoders: `stream` feeds the bytes to a frame decoder that expects the
/// magic and decodes every frame as a message, before the session begins
/// (frames up to 1 KiB); `frame` is one frame without the magic; `session`
/// is frames without the magic once the session has begun (up to 1 MiB);
/// `batch` is an operation batch.
enum RejectCatalog {
    struct Reject {
        let name: String
        let decoder: String
        let bytes: [UInt8]
        let error: WireError.Code
    }

    static func file() throws -> VectorFile {
        let vectors: [JSON] = try all().map { reject in
            .object([
                ("name", .string(reject.name)),
                ("decoder", .string(reject.decoder)),
                ("hex", .string(Hex.encode(reject.bytes))),
                ("error", .string(reject.error.rawValue)),
                ("wireCode", .string(WireError(reject.error, "").wireCode.description)),
            ])
        }
        return VectorFile(fileName: "reject", description: "Inputs that MUST be rejected. `error` is the decoding failure; "
            + "`wireCode` the Error code to send before closing. Decoders: stream (magic, then frames decoded as messages, "
            + "before the session begins: at most 1,024 bytes each), frame (one frame), session (frames once the session has begun: "
            + "at most 1,048,576 bytes each), batch (an operation batch).",
            vectors: vectors)
    }

    // MARK: Byte builders

    static func leb(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
        return out
    }

    static func zz(_ value: Int64) -> [UInt8] { leb(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    static func be64(_ value: UInt64) -> [UInt8] { (0 ..< 8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) } }

    static func frame(_ type: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(1 + payload.count)
        return [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF), type] + payload
    }

    static func hello(min: UInt16 = 1, max: UInt16 = 1, name: [UInt8] = Array("field-laptop".utf8), nameLength: Int? = nil) -> [UInt8] {
        be16(min) + be16(max) + Fixtures.device.bytes + Fixtures.deviceNonce + be64(Fixtures.deviceClock)
            + [UInt8(nameLength ?? name.count)] + name
    }

    static let t = Fixtures.deviceClock

    /// A batch of the device: origin, first seq, count, then the operations' bytes.
    static func batch(_ first: UInt64 = 1, _ count: UInt64 = 1, _ ops: [UInt8]) -> [UInt8] {
        Fixtures.device.bytes + leb(first) + leb(count) + ops
    }

    /// `create` of `note1` (a literal record) with a literal type name, as a first operation.
    static let createNote: [UInt8] = [1] + zz(Int64(t)) + [0] + [0] + Fixtures.note1.bytes + [0] + leb(4) + Array("note".utf8)

    /// An assign as the first operation: literal record and field name, then `rest` (value and replaces).
    static func assign(_ rest: [UInt8], logical: [UInt8] = [0], clock: [UInt8]? = nil) -> [UInt8] {
        [2] + (clock ?? zz(Int64(t))) + logical + [0] + Fixtures.note1.bytes + [0] + leb(5) + Array("title".utf8) + rest
    }

    static let text: [UInt8] = [4] + leb(2) + Array("hi".utf8)

    /// An insertText as the first operation: literal record and field name
    /// "body", then `rest` (first, count, left, right, text).
    static func insertText(_ rest: [UInt8]) -> [UInt8] {
        [6] + zz(Int64(t)) + [0] + [0] + Fixtures.note1.bytes + [0] + leb(4) + Array("body".utf8) + rest
    }

    /// A deleteText as the first operation: literal record and field name "body", then `rest` (range count, ranges).
    static func deleteText(_ rest: [UInt8]) -> [UInt8] {
        [7] + zz(Int64(t)) + [0] + [0] + Fixtures.note1.bytes + [0] + leb(4) + Array("body".utf8) + rest
    }

    /// An insertText's run with no origins: first, count, two "none" origins and the text.
    static func run(first: UInt64 = 1, count: UInt64 = 2, _ text: [UInt8] = leb(2) + Array("hi".utf8)) -> [UInt8] {
        leb(first) + leb(count) + [0, 0] + text
    }

    // MARK: The catalog

    static func all() throws -> [Reject] {
        let helloFrame = frame(0x01, hello())
        let welcome = Fixtures.hub.bytes + be64(Fixtures.hubClock)
        let fingerprint: [UInt8] = [0x9C, 0x41, 0x07, 0xD2, 0x5E, 0x13, 0xA8, 0x6F]
        var rejects: [Reject] = [
            Reject(name: "an HTTP request instead of the magic", decoder: "stream", bytes: Array("GET / HTTP/1.1\r\n\r\n".utf8), error: .badMagic),
            Reject(name: "magic with its first byte wrong", decoder: "stream", bytes: [0xF8, 0x46, 0x4E, 0x53] + helloFrame, error: .badMagic),
            Reject(name: "magic with its last byte wrong", decoder: "stream", bytes: [0xF9, 0x46, 0x4E, 0x54] + helloFrame, error: .badMagic),
            Reject(name: "frame longer than 1024 bytes before the session (refused on its length alone)", decoder: "stream",
                   bytes: WireProtocol.magic + [0x00, 0x00, 0x04, 0x01], error: .frameTooLarge),
            Reject(name: "frame length 2^32 - 1", decoder: "stream", bytes: WireProtocol.magic + [0xFF, 0xFF, 0xFF, 0xFF], error: .frameTooLarge),
            Reject(name: "zero-length frame", decoder: "stream", bytes: WireProtocol.magic + [0, 0, 0, 0], error: .frameTooShort),
            Reject(name: "valid Hello, then an unknown message type", decoder: "stream",
                   bytes: WireProtocol.magic + helloFrame + frame(0x42, []), error: .unknownMessageType),

            Reject(name: "type 0x00", decoder: "frame", bytes: frame(0x00, []), error: .unknownMessageType),
            Reject(name: "type 0x02 (version 1's Challenge)", decoder: "frame",
                   bytes: frame(0x02, be16(2) + Fixtures.randomBytes(32, seed: 3) + be64(Fixtures.hubClock) + Array(repeating: 7, count: 32)),
                   error: .unknownMessageType),
            Reject(name: "type 0x03 (version 1's Proof)", decoder: "frame", bytes: frame(0x03, Array(repeating: 9, count: 32)), error: .unknownMessageType),
            Reject(name: "type 0x07", decoder: "frame", bytes: frame(0x07, [1, 2, 3]), error: .unknownMessageType),
            Reject(name: "type 0xff", decoder: "frame", bytes: frame(0xFF, []), error: .unknownMessageType),
            Reject(name: "Hello: name one byte short", decoder: "frame", bytes: frame(0x01, Array(hello().dropLast())), error: .truncated),
            Reject(name: "Hello: a byte after the name", decoder: "frame", bytes: frame(0x01, hello() + [0]), error: .trailingBytes),
            Reject(name: "Hello: minimum version 0", decoder: "frame", bytes: frame(0x01, hello(min: 0)), error: .invalidField),
            Reject(name: "Hello: minimum version above maximum", decoder: "frame", bytes: frame(0x01, hello(min: 3, max: 2)), error: .invalidField),
            Reject(name: "Hello: empty device name", decoder: "frame", bytes: frame(0x01, hello(name: [])), error: .invalidField),
            Reject(name: "Hello: device name of 65 bytes", decoder: "frame",
                   bytes: frame(0x01, hello(name: Array(repeating: 0x61, count: 65))), error: .limitExceeded),
            Reject(name: "Hello: device name not UTF-8", decoder: "frame", bytes: frame(0x01, hello(name: [0x66, 0xC3, 0x28])), error: .invalidUTF8),
            Reject(name: "Hello: overlong UTF-8 for '/'", decoder: "frame", bytes: frame(0x01, hello(name: [0xC0, 0xAF])), error: .invalidUTF8),
            Reject(name: "Hello: stops inside the nonce", decoder: "frame", bytes: frame(0x01, Array(hello().prefix(40))), error: .truncated),
            Reject(name: "Welcome: version 0", decoder: "frame", bytes: frame(0x04, be16(0) + welcome), error: .invalidField),
            Reject(name: "Welcome: version 1's layout (the hub replica id alone)", decoder: "frame",
                   bytes: frame(0x04, Fixtures.hub.bytes), error: .truncated),
            Reject(name: "Welcome: clock cut short", decoder: "frame", bytes: frame(0x04, be16(2) + welcome.dropLast()), error: .truncated),
            Reject(name: "Welcome: a byte after the clock", decoder: "frame", bytes: frame(0x04, be16(2) + welcome + [0]), error: .trailingBytes),
            Reject(name: "Enrol: empty payload", decoder: "frame", bytes: frame(0x06, []), error: .truncated),
            Reject(name: "Enrol: token of 9 bytes", decoder: "frame", bytes: frame(0x06, Array(Fixtures.tokenBytes.dropLast())), error: .truncated),
            Reject(name: "Enrol: token of 11 bytes", decoder: "frame", bytes: frame(0x06, Fixtures.tokenBytes + [0]), error: .trailingBytes),
            Reject(name: "Enrol: the token's text instead of its bytes", decoder: "frame",
                   bytes: frame(0x06, Array(Fixtures.token.text.utf8)), error: .trailingBytes),
            Reject(name: "Error: no code", decoder: "frame", bytes: frame(0x05, [0]), error: .truncated),
            Reject(name: "Error: message of 513 bytes", decoder: "frame",
                   bytes: frame(0x05, be16(13) + leb(513) + Array(repeating: 0x78, count: 513)), error: .limitExceeded),
            Reject(name: "Error: message not UTF-8", decoder: "frame", bytes: frame(0x05, be16(13) + leb(2) + [0xFF, 0xFE]), error: .invalidUTF8),
            Reject(name: "Vector: entry count over the limit (refused before allocating)", decoder: "frame",
                   bytes: frame(0x10, leb(1 << 30)), error: .limitExceeded),
            Reject(name: "Vector: three entries announced, one present", decoder: "frame",
                   bytes: frame(0x10, leb(3) + Fixtures.device.bytes + leb(14)), error: .truncated),
            Reject(name: "Vector: origins out of byte order", decoder: "frame",
                   bytes: frame(0x10, leb(2) + Fixtures.tablet.bytes + leb(1) + fingerprint + Fixtures.device.bytes + leb(1) + fingerprint), error: .nonCanonical),
            Reject(name: "Vector: origin repeated", decoder: "frame",
                   bytes: frame(0x10, leb(2) + Fixtures.device.bytes + leb(1) + fingerprint + Fixtures.device.bytes + leb(2) + fingerprint), error: .nonCanonical),
            Reject(name: "Vector: fingerprint cut short", decoder: "frame",
                   bytes: frame(0x10, leb(1) + Fixtures.device.bytes + leb(1) + Array(fingerprint.prefix(7))), error: .truncated),
            Reject(name: "Vector: seq 0", decoder: "frame", bytes: frame(0x10, leb(1) + Fixtures.device.bytes + leb(0) + fingerprint), error: .nonCanonical),
            Reject(name: "Vector: seq as a non-minimal varint", decoder: "frame",
                   bytes: frame(0x10, leb(1) + Fixtures.device.bytes + [0x81, 0x00] + fingerprint), error: .nonMinimalVarint),
            Reject(name: "Vector: seq varint of 11 bytes", decoder: "frame",
                   bytes: frame(0x10, leb(1) + Fixtures.device.bytes + Array(repeating: 0x80, count: 10) + [0x01]), error: .varintOverflow),
            Reject(name: "Vector: seq varint of 2^64", decoder: "frame",
                   bytes: frame(0x10, leb(1) + Fixtures.device.bytes + Array(repeating: 0x80, count: 9) + [0x02]), error: .varintOverflow),
            Reject(name: "Vector: seq 2^63, past the largest seq", decoder: "frame",
                   bytes: frame(0x10, leb(1) + Fixtures.device.bytes + leb(UInt64(Int64.max) + 1)), error: .limitExceeded),
            Reject(name: "Ops: empty payload", decoder: "frame", bytes: frame(0x11, []), error: .truncated),
            Reject(name: "Ack: batch id varint cut off", decoder: "frame", bytes: frame(0x12, [0x80]), error: .truncated),
            Reject(name: "Ack: a byte after the last field", decoder: "frame", bytes: frame(0x12, [1, 3, 0]), error: .trailingBytes),
            Reject(name: "Done: empty payload", decoder: "frame", bytes: frame(0x13, []), error: .truncated),
            Reject(name: "Ping: 7 bytes", decoder: "frame", bytes: frame(0x14, [1, 2, 3, 4, 5, 6, 7]), error: .truncated),
            Reject(name: "Pong: 9 bytes", decoder: "frame", bytes: frame(0x15, [1, 2, 3, 4, 5, 6, 7, 8, 9]), error: .trailingBytes),
        ]

        let tablet = Fixtures.tablet.bytes
        rejects += [
            Reject(name: "empty input", decoder: "batch", bytes: [], error: .truncated),
            Reject(name: "origin cut off", decoder: "batch", bytes: Array(Fixtures.device.bytes.prefix(10)), error: .truncated),
            Reject(name: "no operations", decoder: "batch", bytes: batch(1, 0, []), error: .invalidField),
            Reject(name: "1025 operations (refused before allocating)", decoder: "batch", bytes: batch(1, 1025, []), error: .limitExceeded),
            Reject(name: "1000 operations announced, one present", decoder: "batch", bytes: batch(1, 1000, createNote), error: .truncated),
            Reject(name: "first seq 0", decoder: "batch", bytes: batch(0, 1, createNote), error: .invalidField),
            Reject(name: "first seq as a non-minimal varint", decoder: "batch", bytes: Fixtures.device.bytes + [0x81, 0x00, 0x01] + createNote,
                   error: .nonMinimalVarint),
            Reject(name: "seqs pass 2^63 - 1", decoder: "batch",
                   bytes: batch(UInt64(Int64.max), 2, createNote + [1, 0, 0, 0] + Fixtures.note2.bytes + [1]), error: .limitExceeded),
            Reject(name: "first seq 2^64 - 1", decoder: "batch", bytes: batch(UInt64.max, 1, createNote), error: .limitExceeded),
            Reject(name: "operation kind 0", decoder: "batch", bytes: batch(1, 1, [0] + createNote.dropFirst()), error: .unknownOperationKind),
            Reject(name: "operation kind 8", decoder: "batch", bytes: batch(1, 1, [8] + createNote.dropFirst()), error: .unknownOperationKind),
            Reject(name: "record reference into an empty table", decoder: "batch",
                   bytes: batch(1, 1, [1] + zz(Int64(t)) + [0, 1, 0] + leb(4) + Array("note".utf8)), error: .badReference),
            Reject(name: "record literal repeated", decoder: "batch",
                   bytes: batch(1, 2, createNote + [1, 0, 0, 0] + Fixtures.note1.bytes + [1]), error: .nonCanonical),
            Reject(name: "record id cut off", decoder: "batch", bytes: batch(1, 1, [1] + zz(Int64(t)) + [0, 0] + Array(Fixtures.note1.bytes.prefix(10))),
                   error: .truncated),
            Reject(name: "name reference into an empty table", decoder: "batch",
                   bytes: batch(1, 1, [1] + zz(Int64(t)) + [0, 0] + Fixtures.note1.bytes + [1]), error: .badReference),
            Reject(name: "name literal repeated", decoder: "batch",
                   bytes: batch(1, 2, createNote + [1, 0, 0, 0] + Fixtures.note2.bytes + [0] + leb(4) + Array("note".utf8)), error: .nonCanonical),
            Reject(name: "name of 256 bytes", decoder: "batch",
                   bytes: batch(1, 1, [1] + zz(Int64(t)) + [0, 0] + Fixtures.note1.bytes + [0] + leb(256) + Array(repeating: 0x6E, count: 256)),
                   error: .limitExceeded),
            Reject(name: "name not UTF-8", decoder: "batch",
                   bytes: batch(1, 1, [1] + zz(Int64(t)) + [0, 0] + Fixtures.note1.bytes + [0] + leb(1) + [0xFF]), error: .invalidUTF8),
            Reject(name: "logical counter 65536", decoder: "batch", bytes: batch(1, 1, assign(text + [0], logical: leb(65_536))), error: .invalidField),
            Reject(name: "clock before the epoch", decoder: "batch", bytes: batch(1, 1, assign(text + [0], clock: zz(-1))), error: .invalidField),
            Reject(name: "clock past 48 bits of milliseconds", decoder: "batch", bytes: batch(1, 1, assign(text + [0], clock: zz(1 << 48))), error: .invalidField),
            Reject(name: "value tag 6", decoder: "batch", bytes: batch(1, 1, assign([6, 0])), error: .invalidValue),
            Reject(name: "number NaN", decoder: "batch", bytes: batch(1, 1, assign([3] + be64(0x7FF8_0000_0000_0000) + [0])), error: .invalidValue),
            Reject(name: "number -0", decoder: "batch", bytes: batch(1, 1, assign([3] + be64(0x8000_0000_0000_0000) + [0])), error: .nonCanonical),
            Reject(name: "whole number 6 as binary64 (it is sent as an integer)", decoder: "batch",
                   bytes: batch(1, 1, assign([3] + be64((6.0 as Double).bitPattern) + [0])), error: .nonCanonical),
            Reject(name: "integer 2^53 + 1, past exact doubles", decoder: "batch",
                   bytes: batch(1, 1, assign([5] + leb((UInt64(1) << 54) + 2) + [0])), error: .invalidValue),
            Reject(name: "text longer than 512 KiB (refused on its length alone)", decoder: "batch",
                   bytes: batch(1, 1, assign([4] + leb(524_289) + Array("hi".utf8))), error: .limitExceeded),
            Reject(name: "text cut off", decoder: "batch", bytes: batch(1, 1, assign([4] + leb(10) + Array("hi".utf8))), error: .truncated),
            Reject(name: "text not UTF-8", decoder: "batch", bytes: batch(1, 1, assign([4] + leb(1) + [0x80] + [0])), error: .invalidUTF8),
            Reject(name: "replaces its own origin at seq distance 0", decoder: "batch", bytes: batch(5, 1, assign(text + [1, 1, 0])), error: .invalidField),
            Reject(name: "replaces its own origin at seq 0", decoder: "batch", bytes: batch(5, 1, assign(text + [1, 1, 5])), error: .invalidField),
            Reject(name: "first operation of an origin replaces its own origin", decoder: "batch",
                   bytes: batch(1, 1, assign(text + [1, 1, 1])), error: .invalidField),
            Reject(name: "replica literal equal to the batch origin", decoder: "batch",
                   bytes: batch(5, 1, assign(text + [1, 0] + Fixtures.device.bytes + [1])), error: .nonCanonical),
            Reject(name: "replica literal repeated", decoder: "batch",
                   bytes: batch(5, 1, assign(text + [2, 0] + tablet + [3, 0] + tablet + [4])), error: .nonCanonical),
            Reject(name: "replica reference past the table", decoder: "batch", bytes: batch(5, 1, assign(text + [1, 2, 3])), error: .badReference),
            Reject(name: "another replica's seq 0", decoder: "batch", bytes: batch(5, 1, assign(text + [1, 0] + tablet + [0])), error: .invalidField),
            Reject(name: "replaces 1025 ids (refused before allocating)", decoder: "batch",
                   bytes: batch(5, 1, assign(text + leb(1025) + Array(repeating: 1, count: 2050))), error: .limitExceeded),
            Reject(name: "erase reason of 1025 bytes", decoder: "batch",
                   bytes: batch(1, 1, [5] + zz(Int64(t)) + [0, 0] + Fixtures.note1.bytes + leb(1025) + Array(repeating: 0x72, count: 1025)),
                   error: .limitExceeded),
            Reject(name: "a byte after the last operation", decoder: "batch", bytes: batch(1, 1, createNote + [0]), error: .trailingBytes),
        ]

        let maxCounter = UInt64(Int64.max)
        rejects += [
            Reject(name: "insertText: text of 3 characters, count 2", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(count: 2, leb(3) + Array("abc".utf8)))), error: .invalidField),
            Reject(name: "insertText: text of 1 character in 2 bytes, count 2 (count is characters, not bytes)", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(count: 2, leb(2) + Array("é".utf8)))), error: .invalidField),
            Reject(name: "insertText: count 0", decoder: "batch", bytes: batch(1, 1, insertText(run(count: 0, [0]))), error: .invalidField),
            Reject(name: "insertText: count 524289 (refused before the text)", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(count: 524_289, [0]))), error: .limitExceeded),
            Reject(name: "insertText: first counter 0", decoder: "batch", bytes: batch(1, 1, insertText(run(first: 0))), error: .invalidField),
            Reject(name: "insertText: first counter 2^63", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(first: maxCounter + 1))), error: .limitExceeded),
            Reject(name: "insertText: run past counter 2^63 - 1", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(first: maxCounter, count: 2))), error: .limitExceeded),
            Reject(name: "insertText: left origin counter 0", decoder: "batch",
                   bytes: batch(1, 1, insertText(leb(5) + leb(2) + [2] + leb(0) + [0] + leb(2) + Array("hi".utf8))), error: .invalidField),
            Reject(name: "insertText: right origin counter 2^63", decoder: "batch",
                   bytes: batch(1, 1, insertText(leb(5) + leb(2) + [0, 2] + leb(maxCounter + 1) + leb(2) + Array("hi".utf8))),
                   error: .limitExceeded),
            Reject(name: "insertText: origin replica literal equal to the batch origin", decoder: "batch",
                   bytes: batch(1, 1, insertText(leb(5) + leb(2) + [1] + Fixtures.device.bytes + leb(4) + [0] + leb(2) + Array("hi".utf8))),
                   error: .nonCanonical),
            Reject(name: "insertText: origin replica literal repeated", decoder: "batch",
                   bytes: batch(1, 1, insertText(leb(1) + leb(2) + [1] + Fixtures.tablet.bytes + leb(3) + [1] + Fixtures.tablet.bytes + leb(4)
                                                 + leb(2) + Array("hi".utf8))),
                   error: .nonCanonical),
            Reject(name: "insertText: origin reference past the replicas table", decoder: "batch",
                   bytes: batch(1, 1, insertText(leb(1) + leb(2) + [3] + leb(1) + [0] + leb(2) + Array("hi".utf8))), error: .badReference),
            Reject(name: "insertText: text longer than 512 KiB (refused on its length alone)", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(count: 2, leb(524_289) + Array("hi".utf8)))), error: .limitExceeded),
            Reject(name: "insertText: text cut off", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(count: 5, leb(5) + Array("hi".utf8)))), error: .truncated),
            Reject(name: "insertText: origins cut off", decoder: "batch",
                   bytes: batch(1, 1, insertText(leb(1) + leb(2) + [1] + Array(Fixtures.tablet.bytes.prefix(10)))), error: .truncated),
            Reject(name: "insertText: text not UTF-8", decoder: "batch",
                   bytes: batch(1, 1, insertText(run(count: 1, leb(1) + [0x80]))), error: .invalidUTF8),
            Reject(name: "deleteText: no ranges", decoder: "batch", bytes: batch(1, 1, deleteText(leb(0))), error: .invalidField),
            Reject(name: "deleteText: 1025 ranges (refused before allocating)", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(1025) + Array(repeating: 1, count: 3 * 1025))), error: .limitExceeded),
            Reject(name: "deleteText: three ranges announced, one present", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(3) + [1, 1, 1])), error: .truncated),
            Reject(name: "deleteText: range first counter 0", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(1) + [1] + leb(0) + leb(1))), error: .invalidField),
            Reject(name: "deleteText: range count 0", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(1) + [1] + leb(1) + leb(0))), error: .invalidField),
            Reject(name: "deleteText: range first counter 2^63", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(1) + [1] + leb(maxCounter + 1) + leb(1))), error: .limitExceeded),
            Reject(name: "deleteText: range past counter 2^63 - 1", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(1) + [1] + leb(maxCounter - 2) + leb(4))), error: .limitExceeded),
            Reject(name: "deleteText: replica literal equal to the batch origin", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(1) + [0] + Fixtures.device.bytes + leb(1) + leb(1))), error: .nonCanonical),
            Reject(name: "deleteText: replica literal repeated", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(2) + [0] + Fixtures.tablet.bytes + leb(1) + leb(1) + [0] + Fixtures.tablet.bytes + leb(5) + leb(1))),
                   error: .nonCanonical),
            Reject(name: "deleteText: replica reference past the table", decoder: "batch",
                   bytes: batch(1, 1, deleteText(leb(1) + [2] + leb(1) + leb(1))), error: .badReference),
        ]

        // CompressedOps (version 4): the length stated, the DEFLATE stream, the batch inside.
        let plain = try OperationBatch(VectorCatalog.newNote).encode()
        func compressed(_ length: Int, _ deflated: [UInt8]) -> [UInt8] { frame(0x16, leb(1) + leb(UInt64(length)) + deflated) }
        let stored = VectorCatalog.storedBlock(plain)
        let emptyBatch = Fixtures.device.bytes + leb(1) + leb(0)
        // zlib's raw DEFLATE of 1,000 zero bytes: 11 bytes that inflate a hundredfold.
        let thousandZeros: [UInt8] = [0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0x00, 0x00]
        rejects += [
            Reject(name: "CompressedOps: inflated length 0", decoder: "session", bytes: compressed(0, stored), error: .invalidField),
            Reject(name: "CompressedOps: inflated length over 1 MiB (refused before inflating)", decoder: "session",
                   bytes: compressed((1 << 20) + 1, stored), error: .limitExceeded),
            Reject(name: "CompressedOps: not DEFLATE (block type 3, reserved)", decoder: "session",
                   bytes: compressed(plain.count, [0x07, 0x00, 0x00]), error: .badCompression),
            Reject(name: "CompressedOps: inflates past its stated length (1,000 zero bytes stated as 100)", decoder: "session",
                   bytes: compressed(100, thousandZeros), error: .badCompression),
            Reject(name: "CompressedOps: inflates to fewer bytes than stated", decoder: "session",
                   bytes: compressed(plain.count + 1, stored), error: .badCompression),
            Reject(name: "CompressedOps: stream cut short", decoder: "session",
                   bytes: compressed(plain.count, Array(stored.dropLast())), error: .badCompression),
            Reject(name: "CompressedOps: no stream at all", decoder: "session", bytes: compressed(plain.count, []), error: .badCompression),
            Reject(name: "CompressedOps: a byte after the end of the stream", decoder: "session",
                   bytes: compressed(plain.count, stored + [0]), error: .trailingBytes),
            Reject(name: "CompressedOps: the inflated batch has a byte after its last operation", decoder: "session",
                   bytes: compressed(plain.count + 1, VectorCatalog.storedBlock(plain + [0])), error: .trailingBytes),
            Reject(name: "CompressedOps: the inflated batch holds no operations", decoder: "session",
                   bytes: compressed(emptyBatch.count, VectorCatalog.storedBlock(emptyBatch)), error: .invalidField),
        ]

        // Version 1's Ping with its 16-byte tag: inside TLS, the tag is just 16 bytes too many.
        let taggedPing = frame(0x14, be64(1) + Array(repeating: 0xA5, count: 16))
        rejects += [
            Reject(name: "frame longer than 1 MiB (refused on its length alone)", decoder: "session", bytes: [0x00, 0x10, 0x00, 0x01],
                   error: .frameTooLarge),
            Reject(name: "frame length 2^32 - 1", decoder: "session", bytes: [0xFF, 0xFF, 0xFF, 0xFF], error: .frameTooLarge),
            Reject(name: "zero-length frame", decoder: "session", bytes: [0, 0, 0, 0], error: .frameTooShort),
            Reject(name: "a version 1 tagged Ping", decoder: "session", bytes: taggedPing, error: .trailingBytes),
            Reject(name: "a Done, then a Proof (type 0x03)", decoder: "session",
                   bytes: frame(0x13, [0, 0]) + frame(0x03, Array(repeating: 9, count: 32)), error: .unknownMessageType),
        ]
        return rejects
    }
}
