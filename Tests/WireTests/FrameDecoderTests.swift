import CRDT
import Synthetic
import Testing
import Wire

@Suite struct FrameDecoderTests {
    /// Every message vector, as one stream after the magic.
    static func allMessageFrames() throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for file in VectorCatalog.messageFiles {
            for vector in try VectorFiles.vectors(file) { frames.append(try VectorFiles.bytes(vector)) }
        }
        return frames
    }

    /// Feeds `stream` in chunks from `chunkSizes` (cycled) and returns each
    /// frame with the stream offset at which it was returned.
    static func decode(_ stream: [UInt8], chunkSizes: [Int]) throws -> [(frame: Frame, at: Int)] {
        var decoder = FrameDecoder()
        var out: [(frame: Frame, at: Int)] = []
        var offset = 0
        var chunk = 0
        while offset < stream.count {
            let end = min(stream.count, offset + chunkSizes[chunk % chunkSizes.count])
            decoder.append(stream[offset ..< end])
            offset = end
            chunk += 1
            while let frame = try decoder.decodeFrame() { out.append((frame, offset)) }
        }
        #expect(decoder.bufferedByteCount == 0)
        return out
    }

    @Test func concatenatedVectorsDecodeWholeByteByByteAndInRandomChunks() throws {
        let frames = try Self.allMessageFrames()
        let stream = WireProtocol.magic + frames.joined()
        var ends: [Int] = []
        var position = WireProtocol.magic.count
        for frame in frames {
            position += frame.count
            ends.append(position)
        }
        var random = SplitMix64(seed: 7)
        let randomChunks = (0 ..< 64).map { _ in Int.random(in: 1 ... 97, using: &random) }
        for chunks in [[stream.count], [1], [2], [3], [5], randomChunks] {
            let decoded = try Self.decode(stream, chunkSizes: chunks)
            #expect(decoded.count == frames.count)
            for (index, item) in decoded.enumerated() where index < frames.count {
                #expect(try item.frame.encoded() == frames[index])
                #expect(try Message.decode(item.frame).encode() == frames[index])
            }
            if chunks == [1] {
                // Byte by byte, each frame appears exactly when its last byte arrives.
                #expect(decoded.map(\.at) == ends)
            }
        }
    }

    @Test func incompleteFrameIsNotConsumed() throws {
        let frame = try Message.ping(42).encode()
        var decoder = FrameDecoder(expectingMagic: false)
        for (index, byte) in frame.dropLast().enumerated() {
            decoder.append([byte])
            #expect(try decoder.decodeFrame() == nil)
            #expect(decoder.bufferedByteCount == index + 1)
        }
        decoder.append([frame[frame.count - 1]])
        #expect(try decoder.decodeMessage() == .ping(42))
        #expect(try decoder.decodeFrame() == nil)
    }

    @Test func lengthOverTheLimitIsRefusedBeforeTheBodyArrives() throws {
        // Only the 4 length bytes are fed: the decoder must not wait for (or allocate) the body.
        var handshake = FrameDecoder(expectingMagic: false)
        handshake.append([0x00, 0x00, 0x04, 0x01])
        #expect(throws: WireError.self) { try handshake.decodeFrame() }
        var session = FrameDecoder(expectingMagic: false)
        session.beginSession()
        session.append([0xFF, 0xFF, 0xFF])
        #expect(try session.decodeFrame() == nil)
        session.append([0xFF])
        do {
            _ = try session.decodeFrame()
            Issue.record("2^32 - 1 accepted")
        } catch {
            #expect(error.code == .frameTooLarge)
            #expect(error.wireCode == .frameTooLarge)
        }
    }

    @Test func framesAtExactlyTheLimitAreAccepted() throws {
        // Before the session: length 1024 (type + 1023 payload bytes) is the largest allowed.
        var handshake = FrameDecoder(expectingMagic: false)
        handshake.append(try Frame(type: .hello, payload: Array(repeating: 0, count: 1023)).encoded())
        #expect(try handshake.decodeFrame()?.payload.count == 1023)
        handshake.append(try Frame(type: .hello, payload: Array(repeating: 0, count: 1024)).encoded())
        #expect(throws: WireError.self) { try handshake.decodeFrame() }

        // In the session: length 1 MiB.
        let encoder = FrameEncoder()
        let payloadLength = WireLimits.maxFrameLength - 1
        let largest = try encoder.encode(Frame(type: .operations, payload: Array(repeating: 0xAB, count: payloadLength)))
        #expect(largest.count == 4 + WireLimits.maxFrameLength)
        var decoder = FrameDecoder(expectingMagic: false)
        decoder.beginSession()
        decoder.append(largest)
        #expect(try decoder.decodeFrame()?.payload.count == payloadLength)
        #expect(throws: WireError.self) {
            try encoder.encode(Frame(type: .operations, payload: Array(repeating: 0, count: payloadLength + 1)))
        }
    }

    @Test func beginningTheSessionAppliesToFramesAlreadyBuffered() throws {
        // A device sends its Vector with its Hello; the hub has both in its
        // buffer when it reads the Hello. A Vector of 100 origins is over the
        // 1 KiB limit, so it is read only once the session has begun.
        let hello = try Message.hello(VectorCatalog.typicalHello).encode()
        let origins = (1 ... 100).map { ReplicaID(high: 1, low: UInt64($0)) }
        let vector = try Message.vector(Fixtures.vector(Dictionary(uniqueKeysWithValues: origins.map { ($0, UInt64(7)) }))).encode()
        #expect(vector.count - 4 > WireLimits.maxHandshakeFrameLength)

        var atHub = FrameDecoder()
        #expect(!atHub.isInSession)
        atHub.append(WireProtocol.magic + hello + vector)
        guard case .hello? = try atHub.decodeMessage() else {
            Issue.record("the Hello did not decode first")
            return
        }
        #expect(atHub.bufferedByteCount == vector.count)
        atHub.beginSession()
        #expect(atHub.isInSession)
        guard case .vector(let received)? = try atHub.decodeMessage() else {
            Issue.record("the buffered Vector did not decode in the session")
            return
        }
        #expect(received.sortedEntries.count == 100)

        // Without beginning the session, the same bytes are refused.
        var strict = FrameDecoder()
        strict.append(WireProtocol.magic + hello + vector)
        _ = try strict.decodeMessage()
        #expect(throws: WireError.self) { try strict.decodeMessage() }
    }

    @Test func framesAreUntaggedAndAZeroLengthIsRefused() throws {
        // The smallest frame is a type with no payload (length 1); version 2 has no tag to reserve room for.
        var decoder = FrameDecoder(expectingMagic: false)
        decoder.beginSession()
        decoder.append([0, 0, 0, 1, 0x42])
        #expect(try decoder.decodeFrame() == Frame(type: MessageType(rawValue: 0x42), payload: []))
        #expect(try Message.ping(7).encode() == [0, 0, 0, 9, 0x14, 0, 0, 0, 0, 0, 0, 0, 7])
        decoder.append([0, 0, 0, 0])
        do {
            _ = try decoder.decodeFrame()
            Issue.record("a zero-length frame was accepted")
        } catch {
            #expect(error.code == .frameTooShort && error.wireCode == .malformed)
        }
    }

    @Test func decoderStaysFailedAfterAnError() throws {
        var decoder = FrameDecoder()
        decoder.append(Array("GET / HTTP/1.1".utf8))
        #expect(throws: WireError.self) { try decoder.decodeFrame() }
        decoder.append(WireProtocol.magic + (try Message.ping(1).encode()))
        do {
            _ = try decoder.decodeFrame()
            Issue.record("decoder recovered after badMagic")
        } catch {
            #expect(error.code == .badMagic)
        }

        // A message error (version 1's Proof) sticks too, across beginSession.
        var session = FrameDecoder(expectingMagic: false)
        session.append(try Frame(type: MessageType(rawValue: 0x03), payload: Array(repeating: 9, count: 32)).encoded())
        session.append(try Message.ping(1).encode())
        for _ in 0 ..< 2 {
            do {
                _ = try session.decodeMessage()
                Issue.record("decoder recovered after unknownMessageType")
            } catch {
                #expect(error.code == .unknownMessageType)
            }
            session.beginSession()
        }
        #expect(throws: WireError.self) { try session.decodeFrame() }
    }

    @Test func badMagicIsReportedOnTheFirstWrongByte() throws {
        var decoder = FrameDecoder()
        decoder.append([0xF9])
        #expect(try decoder.decodeFrame() == nil)
        decoder.append([0x47])
        #expect(throws: WireError.self) { try decoder.decodeFrame() }
    }
}
