import CRDT
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
        // Only the 4 length bytes are fed: the decoder must not wait for (or allocate) 2^32 - 1 bytes.
        var handshake = FrameDecoder(expectingMagic: false)
        handshake.append([0x00, 0x00, 0x04, 0x01])
        #expect(throws: WireError.self) { try handshake.decodeFrame() }
        var authenticated = FrameDecoder(expectingMagic: false)
        authenticated.beginAuthentication(key: Array(repeating: 1, count: 32))
        authenticated.append([0xFF, 0xFF, 0xFF])
        #expect(try authenticated.decodeFrame() == nil)
        authenticated.append([0xFF])
        do {
            _ = try authenticated.decodeFrame()
            Issue.record("2^32 - 1 accepted")
        } catch {
            #expect(error.code == .frameTooLarge)
            #expect(error.wireCode == .frameTooLarge)
        }
    }

    @Test func framesAtExactlyTheLimitAreAccepted() throws {
        // Before authentication: length 1024 (type + 1023 payload bytes) is the largest allowed.
        var handshake = FrameDecoder(expectingMagic: false)
        handshake.append(try Frame(type: .proof, payload: Array(repeating: 0, count: 1023)).encoded())
        #expect(try handshake.decodeFrame()?.payload.count == 1023)

        let key = Array(repeating: UInt8(3), count: 32)
        var encoder = FrameEncoder()
        encoder.beginAuthentication(key: key)
        let payloadLength = WireLimits.maxFrameLength - 1 - WireLimits.tagLength
        let largest = try encoder.encode(Frame(type: .operations, payload: Array(repeating: 0xAB, count: payloadLength)))
        #expect(largest.count == 4 + WireLimits.maxFrameLength)
        var decoder = FrameDecoder(expectingMagic: false)
        decoder.beginAuthentication(key: key)
        decoder.append(largest)
        #expect(try decoder.decodeFrame()?.payload.count == payloadLength)
        #expect(throws: WireError.self) {
            try encoder.encode(Frame(type: .operations, payload: Array(repeating: 0, count: payloadLength + 1)))
        }
    }

    @Test func encoderRefusesHandshakeFramesOverTheHandshakeLimit() throws {
        var encoder = FrameEncoder()
        #expect(throws: WireError.self) { try encoder.encode(Frame(type: .hello, payload: Array(repeating: 0, count: 1024))) }
        _ = try encoder.encode(Frame(type: .hello, payload: Array(repeating: 0, count: 1023)))
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
    }

    @Test func badMagicIsReportedOnTheFirstWrongByte() throws {
        var decoder = FrameDecoder()
        decoder.append([0xF9])
        #expect(try decoder.decodeFrame() == nil)
        decoder.append([0x47])
        #expect(throws: WireError.self) { try decoder.decodeFrame() }
    }

    @Test func tagFailsOnEveryFlippedBitWrongCounterAndWrongKey() throws {
        let key = Array(repeating: UInt8(0x42), count: 32)
        var encoder = FrameEncoder()
        encoder.beginAuthentication(key: key)
        _ = try encoder.encode(.ping(1))
        let tagged = try encoder.encode(.ack(batchID: 7, applied: 3)) // counter 1
        let body = Array(tagged.dropLast(WireLimits.tagLength))
        let tag = Array(tagged.suffix(WireLimits.tagLength))
        #expect(FrameTag.verify(tag, key: key, counter: 1, frame: body))
        #expect(FrameTag.compute(key: key, counter: 1, frame: body) == tag)
        #expect(!FrameTag.verify(tag, key: key, counter: 0, frame: body))
        #expect(!FrameTag.verify(tag, key: key, counter: 2, frame: body))
        #expect(!FrameTag.verify(tag, key: Array(repeating: 0x43, count: 32), counter: 1, frame: body))
        for bit in 0 ..< tagged.count * 8 {
            var flipped = tagged
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(!FrameTag.verify(Array(flipped.suffix(16)), key: key, counter: 1, frame: Array(flipped.dropLast(16))), "bit \(bit)")
            // And through the decoder, positioned at counter 1.
            var decoder = FrameDecoder(expectingMagic: false)
            decoder.beginAuthentication(key: key)
            decoder.append(try FrameEncoderAt.first(key: key))
            _ = try decoder.decodeFrame()
            decoder.append(flipped)
            var failed = false
            do { _ = try decoder.decodeFrame() } catch { failed = true }
            // A flip in the length field may only leave the decoder waiting for more bytes.
            #expect(failed || bit < 32, "bit \(bit) accepted")
        }
    }
}

/// The first tagged frame of `FrameDecoderTests.tagFailsOnEveryFlippedBit…`.
enum FrameEncoderAt {
    static func first(key: [UInt8]) throws -> [UInt8] {
        var encoder = FrameEncoder()
        encoder.beginAuthentication(key: key)
        return try encoder.encode(.ping(1))
    }
}
