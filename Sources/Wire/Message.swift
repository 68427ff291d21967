import CRDT
import Deflate

/// Every message of protocol versions 3 and 4 (4 adds CompressedOps). Layouts, and which side may send
/// what when, are in `Protocol/SPEC.md`. Messages travel inside TLS, which
/// authenticates both sides and protects every frame, so none carries a
/// proof or a tag.
///
/// Encoding is canonical and decoding is strict: a payload decodes only if
/// it is exactly the bytes `encode()` would produce for the decoded value, so
/// decode then encode reproduces the input byte for byte. The one exception
/// is CompressedOps: any DEFLATE stream of the canonical batch is accepted,
/// so there decode then encode reproduces the inflated batch, not the bytes.
public enum Message: Hashable, Sendable {
    /// Device → hub, first frame: versions, name, replica, nonce (unused
    /// since version 2), clock.
    case hello(Hello)
    /// Device → hub, right after the Hello, on a device's first connection
    /// only: the one-time token from its enrolment code, with which the hub
    /// binds the device's TLS certificate to its name. 10 bytes.
    case enrol(EnrolmentToken)
    /// Hub → device, its first frame: the device is admitted; the selected
    /// version, the hub's replica id and clock.
    case welcome(Welcome)
    /// Either side, last frame it sends: what went wrong. `message` is for
    /// people (at most 512 bytes of UTF-8); the code says what to do.
    case error(code: ErrorCode, message: String)
    /// Either side, once, first in the session: the sender's version vector.
    case vector(SyncVector)
    /// Either side: a batch of one origin's consecutive operations. Batch ids
    /// count 1, 2, 3, … per sender and session.
    case operations(batchID: UInt64, batch: OperationBatch)
    /// Version 4, either side: the same as `operations`, its batch
    /// compressed with raw DEFLATE (RFC 1951). Senders pick it with
    /// `ops(batchID:batch:version:)` when it is the shorter frame.
    case compressedOperations(batchID: UInt64, batch: OperationBatch)
    /// The receiver committed batch `batchID`; `applied` of its operations
    /// were new to it (the rest it already held).
    case ack(batchID: UInt64, applied: UInt64)
    /// The sender has sent everything the receiver lacked: `batches` batches
    /// holding `operations` operations in this session.
    case done(batches: UInt64, operations: UInt64)
    /// Keep-alive; the receiver answers with a Pong carrying the same value.
    case ping(UInt64)
    /// The answer to a Ping.
    case pong(UInt64)

    /// The frame type that carries this message.
    public var type: MessageType {
        switch self {
        case .hello: return .hello
        case .welcome: return .welcome
        case .error: return .error
        case .enrol: return .enrol
        case .vector: return .vector
        case .operations: return .operations
        case .compressedOperations: return .compressedOperations
        case .ack: return .ack
        case .done: return .done
        case .ping: return .ping
        case .pong: return .pong
        }
    }

    /// The message's payload bytes, refusing values a decoder would reject.
    public func payload() throws(WireError) -> [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .hello(let hello):
            try hello.encode(into: &out)
        case .enrol(let token):
            out = token.bytes
        case .welcome(let welcome):
            try welcome.encode(into: &out)
        case .error(let code, let message):
            out.appendUInt16(code.rawValue)
            try out.appendString(message, limit: WireLimits.maxErrorMessageLength, "Error: message")
        case .vector(let vector):
            let entries = vector.sortedEntries
            guard entries.count <= WireLimits.maxVectorEntries else {
                throw WireError(.limitExceeded, "Vector: \(entries.count) entries, limit \(WireLimits.maxVectorEntries)")
            }
            out.appendVarint(UInt64(entries.count))
            for entry in entries {
                guard entry.seq <= WireLimits.maxSeq else { throw WireError(.limitExceeded, "Vector: seq \(entry.seq) exceeds 2^63 - 1") }
                out.append(contentsOf: entry.origin.bytes)
                out.appendVarint(entry.seq)
                out.appendUInt64(entry.fingerprint)
            }
        case .operations(let batchID, let batch):
            out.appendVarint(batchID)
            try batch.encode(into: &out)
        case .compressedOperations(let batchID, let batch):
            out = try Message.compressedPayload(batchID: batchID, batch: try batch.encode())
        case .ack(let batchID, let applied):
            out.appendVarint(batchID)
            out.appendVarint(applied)
        case .done(let batches, let operations):
            out.appendVarint(batches)
            out.appendVarint(operations)
        case .ping(let value), .pong(let value):
            out.appendUInt64(value)
        }
        return out
    }

    /// The message as a frame (type and payload).
    public func frame() throws(WireError) -> Frame {
        Frame(type: type, payload: try payload())
    }

    /// The complete frame: length, type, payload (what `FrameEncoder` sends).
    public func encode() throws(WireError) -> [UInt8] {
        try frame().encoded()
    }

    /// Decodes a frame's payload as the message its type names.
    public static func decode(_ frame: Frame) throws(WireError) -> Message {
        let name = frame.type.name ?? frame.type.description
        var reader = ByteReader(frame.payload, context: name.prefix(1).uppercased() + name.dropFirst())
        let message: Message
        switch frame.type {
        case .hello:
            message = .hello(try Hello.decode(&reader))
        case .enrol:
            let bytes = try reader.readBytes(EnrolmentToken.byteCount, "token")
            guard let token = EnrolmentToken(bytes: bytes) else {
                throw reader.error(.truncated, "token is \(bytes.count) bytes, must be \(EnrolmentToken.byteCount)")
            }
            message = .enrol(token)
        case .welcome:
            message = .welcome(try Welcome.decode(&reader))
        case .error:
            let code = ErrorCode(rawValue: try reader.readUInt16("code"))
            message = .error(code: code, message: try reader.readString("message", limit: WireLimits.maxErrorMessageLength))
        case .vector:
            message = .vector(try decodeVector(&reader))
        case .operations:
            let batchID = try reader.readVarint("batch id")
            message = .operations(batchID: batchID, batch: try OperationBatch.decode(&reader))
        case .compressedOperations:
            let batchID = try reader.readVarint("batch id")
            message = .compressedOperations(batchID: batchID, batch: try decodeCompressedBatch(&reader))
        case .ack:
            message = .ack(batchID: try reader.readVarint("batch id"), applied: try reader.readVarint("applied"))
        case .done:
            message = .done(batches: try reader.readVarint("batches"), operations: try reader.readVarint("operations"))
        case .ping:
            message = .ping(try reader.readUInt64("value"))
        case .pong:
            message = .pong(try reader.readUInt64("value"))
        default:
            throw WireError(.unknownMessageType, "\(frame.type) is not a message of protocol version \(WireProtocol.currentVersion)")
        }
        try reader.finish()
        return message
    }

    /// Whether a side may send this message in a session of `version`:
    /// CompressedOps only from version 4 on (a receiver treats it as a
    /// `protocolViolation` in a version 3 session).
    public func isAllowed(inVersion version: UInt16) -> Bool {
        if case .compressedOperations = self { return version >= WireProtocol.compressedOperationsVersion }
        return true
    }

    /// The batch of an Ops or CompressedOps message, with its id.
    public var operationBatch: (batchID: UInt64, batch: OperationBatch)? {
        switch self {
        case .operations(let batchID, let batch), .compressedOperations(let batchID, let batch): return (batchID, batch)
        default: return nil
        }
    }

    /// The message a sender speaking `version` sends for a batch, with its
    /// frame: from version 4 on, CompressedOps when its frame is shorter
    /// than the Ops frame (it nearly always is beyond a few operations),
    /// else Ops. The batch is encoded and compressed once, here; the
    /// connection sends the frame as built.
    public static func ops(batchID: UInt64, batch: OperationBatch, version: UInt16) throws(WireError) -> EncodedMessage {
        var payload: [UInt8] = []
        payload.appendVarint(batchID)
        let batchStart = payload.count
        try batch.encode(into: &payload)
        let plain = EncodedMessage(message: .operations(batchID: batchID, batch: batch), frame: Frame(type: .operations, payload: payload))
        guard version >= WireProtocol.compressedOperationsVersion else { return plain }
        let compressed = try compressedPayload(batchID: batchID, batch: Array(payload[batchStart...]))
        guard compressed.count < payload.count else { return plain }
        return EncodedMessage(message: .compressedOperations(batchID: batchID, batch: batch),
                              frame: Frame(type: .compressedOperations, payload: compressed))
    }

    /// A CompressedOps payload: the batch id, the length of `batch` (an
    /// encoded batch, at most `WireLimits.maxInflatedBatchLength`), then
    /// `batch` as raw DEFLATE.
    private static func compressedPayload(batchID: UInt64, batch: [UInt8]) throws(WireError) -> [UInt8] {
        guard batch.count <= WireLimits.maxInflatedBatchLength else {
            throw WireError(.limitExceeded, "CompressedOps: batch of \(batch.count) bytes, limit \(WireLimits.maxInflatedBatchLength)")
        }
        var out: [UInt8] = []
        out.appendVarint(batchID)
        out.appendVarint(UInt64(batch.count))
        out.append(contentsOf: Deflate.compress(batch))
        return out
    }

    /// A CompressedOps batch: the inflated length (1 to the frame limit,
    /// checked before anything is allocated), then one raw DEFLATE stream
    /// to the end of the payload that inflates to exactly that many bytes,
    /// which must be one canonical operation batch.
    private static func decodeCompressedBatch(_ reader: inout ByteReader) throws(WireError) -> OperationBatch {
        let length = try reader.readVarint("inflated length")
        guard length >= 1 else { throw reader.error(.invalidField, "inflated length 0: a batch holds at least one operation") }
        guard length <= UInt64(WireLimits.maxInflatedBatchLength) else {
            throw reader.error(.limitExceeded, "inflated length \(length), limit \(WireLimits.maxInflatedBatchLength)")
        }
        let inflated: [UInt8]
        do {
            inflated = try Deflate.inflate(reader.readRest(), length: Int(length))
        } catch {
            throw reader.error(error.code == .trailingBytes ? .trailingBytes : .badCompression, error.detail)
        }
        var batchReader = ByteReader(inflated, context: "CompressedOps batch")
        let batch = try OperationBatch.decode(&batchReader)
        try batchReader.finish()
        return batch
    }

    /// Entries in strictly increasing origin order, every seq at least 1:
    /// the only encoding of a given vector.
    private static func decodeVector(_ reader: inout ByteReader) throws(WireError) -> SyncVector {
        let count = try reader.readCount("entry count", limit: WireLimits.maxVectorEntries, minimumSize: 25)
        var entries: [ReplicaID: UInt64] = [:]
        var fingerprints: [ReplicaID: UInt64] = [:]
        entries.reserveCapacity(count)
        fingerprints.reserveCapacity(count)
        var previous: ReplicaID?
        for index in 0 ..< count {
            let origin = try reader.readReplicaID("entry \(index) origin")
            if let previous, !(previous < origin) {
                throw reader.error(.nonCanonical, "entry \(index) origin \(origin) does not follow \(previous) in byte order")
            }
            let seq = try reader.readVarint("entry \(index) seq")
            guard seq <= WireLimits.maxSeq else { throw reader.error(.limitExceeded, "entry \(index) seq \(seq) exceeds 2^63 - 1") }
            guard seq >= 1 else { throw reader.error(.nonCanonical, "entry \(index) has seq 0; omit such entries") }
            entries[origin] = seq
            fingerprints[origin] = try reader.readUInt64("entry \(index) fingerprint")
            previous = origin
        }
        return SyncVector(VersionVector(entries), fingerprints: fingerprints)
    }
}
