import CRDT
import Synthetic
import Testing
import Wire

/// Thousands of random and mutated inputs to every decoder. None may trap;
/// any input a decoder accepts must re-encode to exactly the same bytes
/// (the encoding is canonical).
@Suite struct FuzzTests {
    /// Every message type, version 1's Challenge and Proof (0x02, 0x03) and an unknown type.
    static let messageTypes: [MessageType] = [.hello, .welcome, .error, .enrol, .vector, .operations, .ack, .done, .ping, .pong,
                                              MessageType(rawValue: 0x02), MessageType(rawValue: 0x03), MessageType(rawValue: 0x42)]

    /// Checks one payload against one message type.
    static func checkMessage(_ type: MessageType, _ payload: [UInt8]) {
        do {
            let message = try Message.decode(Frame(type: type, payload: payload))
            #expect(try message.payload() == payload, "\(type) accepted a non-canonical payload \(Hex.encode(payload))")
        } catch {
            #expect(!error.detail.isEmpty)
        }
    }

    static func checkBatch(_ bytes: [UInt8]) {
        do {
            let batch = try OperationBatch.decode(bytes)
            #expect(try batch.encode() == bytes, "a batch accepted a non-canonical encoding \(Hex.encode(bytes))")
        } catch {
            #expect(!error.detail.isEmpty)
        }
    }

    /// A stream with the magic before the session, or without it in the session.
    static func checkStream(_ bytes: [UInt8], inSession: Bool) {
        var decoder = FrameDecoder(expectingMagic: !inSession)
        if inSession { decoder.beginSession() }
        decoder.append(bytes)
        do {
            while let frame = try decoder.decodeFrame() { checkMessage(frame.type, frame.payload) }
        } catch {}
    }

    static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0 ..< Int.random(in: 1 ... 4, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0 ..< bytes.count, using: &random)
            switch Int.random(in: 0 ..< 8, using: &random) {
            case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8.random(in: 0 ... 7, using: &random)
            case 1 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0 ... 255, using: &random)
            case 2 where !bytes.isEmpty: bytes[position] = [0x00, 0x01, 0x7F, 0x80, 0xFF].randomElement(using: &random) ?? 0
            case 3: bytes.insert(UInt8.random(in: 0 ... 255, using: &random), at: position)
            case 4 where !bytes.isEmpty: bytes.remove(at: position)
            case 5: bytes = Array(bytes.prefix(position))
            case 6 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1 ... 20, using: &random))
                bytes.insert(contentsOf: bytes[position ..< end], at: position)
            default: bytes.insert(contentsOf: Array(repeating: 0xFF, count: Int.random(in: 1 ... 10, using: &random)), at: position)
            }
        }
        return bytes
    }

    @Test func randomBytesNeverTrapAnyDecoder() {
        var random = SplitMix64(seed: 99)
        for _ in 0 ..< 4000 {
            let length = Int.random(in: 0 ... 200, using: &random)
            let bytes = (0 ..< length).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
            for type in Self.messageTypes { Self.checkMessage(type, bytes) }
            Self.checkBatch(bytes)
            Self.checkStream(bytes, inSession: false)
            Self.checkStream(WireProtocol.magic + bytes, inSession: false)
            Self.checkStream(bytes, inSession: true)
        }
    }

    @Test func mutatedVectorsNeverTrapAndAcceptOnlyCanonicalBytes() throws {
        var random = SplitMix64(seed: 2024)
        var frames: [[UInt8]] = []
        for file in VectorCatalog.messageFiles {
            for vector in try VectorFiles.vectors(file) { frames.append(try VectorFiles.bytes(vector)) }
        }
        var batches: [[UInt8]] = []
        for file in VectorCatalog.operationFiles {
            for vector in try VectorFiles.vectors(file) { batches.append(try VectorFiles.bytes(vector)) }
        }
        var decoded = 0
        for frame in frames {
            let type = MessageType(rawValue: frame[4])
            let payload = Array(frame.dropFirst(5))
            for _ in 0 ..< 150 {
                let mutated = Self.mutate(payload, &random)
                Self.checkMessage(type, mutated)
                Self.checkStream(WireProtocol.magic + Self.mutate(frame, &random), inSession: false)
                Self.checkStream(Self.mutate(frame, &random), inSession: true)
                decoded += 3
            }
        }
        for batch in batches {
            for _ in 0 ..< 300 {
                Self.checkBatch(Self.mutate(batch, &random))
                Self.checkMessage(.operations, [1] + Self.mutate(batch, &random))
                decoded += 2
            }
        }
        #expect(decoded > 10_000)
    }
}
