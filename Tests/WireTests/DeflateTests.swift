import Deflate
import Testing

/// The zlib wrapper: what it compresses inflates back, and inflating bytes
/// from a peer is bounded by the length the peer stated.
@Suite struct DeflateTests {
    @Test func compressedBytesInflateBackToTheInput() throws {
        let inputs: [[UInt8]] = [
            [0],
            Array("Walks 40 min to the clinic; bus too dear. ".utf8) + Array(repeating: 0x41, count: 5_000),
            (0 ..< 70_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }, // little repetition, past one stored block
        ]
        for input in inputs {
            let deflated = Deflate.compress(input)
            #expect(try Deflate.inflate(deflated, length: input.count) == input)
        }
        let repetitive = Array(repeating: UInt8(7), count: 100_000)
        #expect(Deflate.compress(repetitive).count < 200)
    }

    /// `DeflateStream` (as the REFI-QDA export feeds it, in pieces) makes the
    /// stream `compress` makes in one call, which inflates back; it keeps the input's size and CRC-32.
    @Test func aStreamFedInPiecesIsTheStreamMadeInOneCall() throws {
        let input = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: ($0 / 7) &* 31 % 251) } + Array("<TextSource guid=\"x\"/>\n".utf8)
        let whole = Deflate.compress(input, level: 1)
        for cut in [7_777, 65_536, input.count] {
            let stream = DeflateStream(level: 1)
            var start = 0
            while start < input.count {
                stream.append(Array(input[start ..< min(input.count, start + cut)]))
                start += cut
            }
            #expect(stream.inputCount == input.count)
            #expect(stream.crc == Deflate.crc32(0, input))
            let made = stream.finish()
            #expect(made == whole, "pieces of \(cut)")
            #expect(try Deflate.inflate(made, length: input.count) == input)
        }
        #expect(try Deflate.inflate(DeflateStream(level: 1).finish(), length: 0) == [])
    }

    /// Segments (`segment()`: each stream ended by a sync flush, then a fresh one), laid end to
    /// end and ended by `finish`, are one stream that inflates to the whole input; their
    /// CRC-32s, combined, are the input's.
    @Test func segmentsLaidEndToEndAreOneStream() throws {
        let input = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: ($0 / 7) &* 31 % 251) }
        let stream = DeflateStream(level: 1)
        var deflated: [UInt8] = []
        var crc: UInt32 = 0
        for start in stride(from: 0, to: 250_000, by: 50_000) {
            stream.append(Array(input[start ..< start + 50_000]))
            let segment = stream.segment()
            #expect(segment.size == 50_000 && segment.crc == Deflate.crc32(0, input[start ..< start + 50_000]))
            deflated += segment.deflated
            crc = Deflate.crc32Combine(crc, segment.crc, secondLength: segment.size)
        }
        #expect(stream.segment().deflated.isEmpty, "nothing taken in since the last segment")
        stream.append(Array(input[250_000...]))
        crc = Deflate.crc32Combine(crc, stream.crc, secondLength: stream.inputCount)
        deflated += stream.finish()
        #expect(crc == Deflate.crc32(0, input))
        #expect(try Deflate.inflate(deflated, length: input.count) == input)
    }

    @Test func crc32IsZIPsAndContinues() {
        let check = Array("123456789".utf8)
        #expect(Deflate.crc32(0, check) == 0xCBF4_3926)
        #expect(Deflate.crc32(Deflate.crc32(0, check[0 ..< 4]), check[4...]) == 0xCBF4_3926)
        #expect(Deflate.crc32(0, [UInt8]()) == 0)
    }

    @Test func aStreamThatInflatesPastItsStatedLengthIsRefused() throws {
        // 1 MiB of zeros deflates to about a kilobyte: stated as 1,000 bytes, it is refused
        // after at most 1,001 bytes of output.
        let bomb = Deflate.compress(Array(repeating: 0, count: 1 << 20))
        #expect(bomb.count < 1_100)
        #expect(throws: DeflateError.self) { try Deflate.inflate(bomb, length: 1_000) }
        do {
            _ = try Deflate.inflate(bomb, length: 1_000)
        } catch {
            #expect(error.code == .tooLong)
        }
        #expect(try Deflate.inflate(bomb, length: 1 << 20).count == 1 << 20)
    }

    @Test func shortCutCorruptAndTrailingStreamsAreRefusedWithTheirReason() throws {
        let input = Array("a note body, a note body, a note body".utf8)
        let deflated = Deflate.compress(input)
        func code(_ bytes: [UInt8], _ length: Int) -> DeflateError.Code? {
            do {
                _ = try Deflate.inflate(bytes, length: length)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(deflated, input.count) == nil)
        #expect(code(deflated, input.count + 1) == .tooShort)
        #expect(code(deflated, input.count - 1) == .tooLong)
        #expect(code(Array(deflated.dropLast()), input.count) == .truncated)
        #expect(code(deflated + [0], input.count) == .trailingBytes)
        #expect(code([0x07, 0, 0], input.count) == .corrupt)
        #expect(code([], input.count) == .truncated)
    }
}
