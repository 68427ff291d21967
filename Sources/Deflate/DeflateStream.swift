import CZlib

/// One raw DEFLATE stream (RFC 1951, window bits −15) fed in pieces, for
/// output too large to hold uncompressed first (a REFI-QDA project of
/// 100,000 notes is a quarter of a gigabyte of XML). Output is the same
/// whichever way the input is cut into pieces (no flush until `finish`).
///
/// A stream may also be made as segments on several threads (`segment()`):
/// each segment ends with a sync flush (no final block, byte-aligned, RFC 1951
/// 3.2.3 and zlib's `Z_SYNC_FLUSH`) and the next starts afresh, so segments
/// laid end to end, the last ended by `finish`, are one valid stream (as
/// pigz makes them). Each segment forgets the one before (no shared window),
/// which costs a few hundred bytes a segment.
///
/// Not `Sendable`: it owns a zlib stream, which one thread at a time may use;
/// its owner serialises the calls. The stream lives at an address of its own
/// (zlib's state points back at it), allocated here and freed in `deinit`.
public final class DeflateStream {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)
    private var finished = false
    /// The uncompressed bytes taken in so far.
    public private(set) var inputCount = 0
    /// The CRC-32 (as ZIP and gzip use it) of the bytes taken in so far.
    public private(set) var crc: UInt32 = 0

    /// `level` is zlib's, 1 (fastest) to 9 (smallest).
    public init(level: Int32) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // deflateInit2 fails only for bad parameters (ours are checked constants) or when malloc does.
        guard fieldnotes_deflate_init(stream, level) == Z_OK else { fatalError("deflateInit2 failed: out of memory") }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `bytes` (and keeps their CRC-32); what it makes so far is kept until `finish`.
    public func append(_ bytes: [UInt8]) {
        precondition(!finished, "DeflateStream.append after finish")
        precondition(bytes.count <= Int(UInt32.max), "DeflateStream.append: \(bytes.count) bytes is more than zlib takes in one call")
        guard !bytes.isEmpty else { return }
        crc = Deflate.crc32(crc, bytes)
        inputCount += bytes.count
        run(bytes, Z_NO_FLUSH)
    }

    /// The bytes so far as a segment (see the type's summary), with the size
    /// and CRC-32 of its input; the stream then starts afresh (`deflateReset`:
    /// no window, counts at 0), its next bytes to be laid after these.
    /// Nothing taken in since the last segment makes an empty segment.
    public func segment() -> (deflated: [UInt8], size: Int, crc: UInt32) {
        precondition(!finished, "DeflateStream.segment after finish")
        guard inputCount > 0 else { return ([], 0, 0) }
        run([], Z_SYNC_FLUSH)
        let made = (deflated: output, size: inputCount, crc: crc)
        output = []
        inputCount = 0
        crc = 0
        // deflateReset fails only for a stream that is not initialised, which `init` rules out.
        guard deflateReset(stream) == Z_OK else { fatalError("deflateReset on an initialised stream failed") }
        return made
    }

    /// Ends the stream and returns every compressed byte.
    public func finish() -> [UInt8] {
        precondition(!finished, "DeflateStream.finish called twice")
        finished = true
        run([], Z_FINISH)
        let made = output
        output = []
        return made
    }

    private func run(_ bytes: [UInt8], _ flush: Int32) {
        bytes.withUnsafeBufferPointer { source in
            // zlib declares next_in mutable but never writes through it (no z_const here).
            stream.pointee.next_in = source.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
            stream.pointee.avail_in = uInt(source.count)
            scratch.withUnsafeMutableBufferPointer { target in
                while true {
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = uInt(target.count)
                    let status = CZlib.deflate(stream, flush)
                    let made = target.count - Int(stream.pointee.avail_out)
                    output.append(contentsOf: target[0 ..< made])
                    // Z_BUF_ERROR only says no progress was possible: all input taken, nothing more to flush.
                    precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR, "deflate returned \(status)")
                    // Done when finished, or (no flush, or a sync flush) when all input is taken and the output had room to spare.
                    if flush == Z_FINISH ? status == Z_STREAM_END : (stream.pointee.avail_in == 0 && made < target.count) { break }
                }
            }
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
    }
}

@available(*, unavailable)
extension DeflateStream: Sendable {}

extension Deflate {
    /// The CRC-32 of two pieces laid end to end, from each one's CRC-32 and
    /// the second's length, by zlib's `crc32_combine`.
    public static func crc32Combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: CZlib.crc32_combine(uLong(first), uLong(second), Int(secondLength)))
    }

    /// The CRC-32 of ZIP, gzip and PNG (reflected polynomial 0xEDB88320),
    /// continued from `value` (0 to start) over `bytes`, by zlib's `crc32`.
    public static func crc32<Bytes: Collection<UInt8>>(_ value: UInt32, _ bytes: Bytes) -> UInt32 {
        let done = bytes.withContiguousStorageIfAvailable { buffer -> UInt32 in
            var crc = uLong(value)
            var offset = 0
            // zlib takes at most UInt32.max bytes a call.
            while offset < buffer.count {
                let count = min(buffer.count - offset, Int(UInt32.max))
                crc = CZlib.crc32(crc, buffer.baseAddress.map { $0 + offset }, uInt(count))
                offset += count
            }
            return UInt32(truncatingIfNeeded: crc)
        }
        return done ?? crc32(value, Array(bytes))
    }
}
