import CZlib

/// Raw DEFLATE (RFC 1951: no zlib or gzip header, no checksum) through the
/// system zlib (`deflateInit2`/`inflateInit2` with window bits −15).
///
/// Inflating is bounded for bytes from a peer: the caller states how many
/// bytes the stream must inflate to, output grows in steps towards that
/// (never past it plus one byte), and a stream that would produce more
/// (a "zip bomb"), less, or is followed by other bytes is refused. Every
/// zlib call and pointer stays in this file.
public enum Deflate {
    /// zlib's default level: on our operation batches it compresses as well
    /// as level 9, faster.
    public static let defaultLevel: Int32 = 6

    /// `bytes` as one raw DEFLATE stream, finished (`Z_FINISH`).
    public static func compress(_ bytes: [UInt8], level: Int32 = defaultLevel) -> [UInt8] {
        precondition(bytes.count <= Int(UInt32.max), "Deflate.compress: \(bytes.count) bytes is more than zlib takes in one call")
        var stream = z_stream()
        // deflateInit2 fails only for bad parameters (ours are constants) or when malloc does.
        guard fieldnotes_deflate_init(&stream, level) == Z_OK else { fatalError("deflateInit2 failed: out of memory") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))))
        // zlib declares next_in mutable but never writes through it (no z_const here).
        let status = bytes.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                stream.next_in = nil
                stream.next_out = nil
                return status
            }
        }
        // deflateBound is an upper bound for a single Z_FINISH call, so the stream ends in one call.
        precondition(status == Z_STREAM_END, "deflate(Z_FINISH) into deflateBound bytes returned \(status)")
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }

    /// Inflates `bytes`, which must be exactly one raw DEFLATE stream that
    /// inflates to exactly `length` bytes. Allocates at most `length + 1`
    /// bytes of output, and only as the stream produces them.
    public static func inflate(_ bytes: [UInt8], length: Int) throws(DeflateError) -> [UInt8] {
        precondition(length >= 0 && length < Int(UInt32.max), "Deflate.inflate: length \(length) out of range")
        guard !bytes.isEmpty else { throw DeflateError(.truncated, "no compressed bytes") }
        var stream = z_stream()
        guard fieldnotes_inflate_init(&stream) == Z_OK else { fatalError("inflateInit2 failed: out of memory") }
        defer { inflateEnd(&stream) }

        let cap = length + 1 // one byte more than stated tells a stream that inflates past its length
        var output = [UInt8](repeating: 0, count: min(cap, 64 * 1024))
        var consumed = 0
        var produced = 0
        while true {
            if produced == output.count {
                guard output.count < cap else {
                    throw DeflateError(.tooLong, "inflates past its stated \(length) bytes")
                }
                output.append(contentsOf: repeatElement(0, count: min(output.count, cap - output.count)))
            }
            let status = bytes.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    stream.next_in = source.baseAddress.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                    stream.avail_in = uInt(source.count - consumed)
                    stream.next_out = target.baseAddress.map { $0 + produced }
                    stream.avail_out = uInt(target.count - produced)
                    let before = (stream.avail_in, stream.avail_out)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    consumed += Int(before.0 - stream.avail_in)
                    produced += Int(before.1 - stream.avail_out)
                    stream.next_in = nil
                    stream.next_out = nil
                    return status
                }
            }
            switch status {
            case Z_STREAM_END:
                guard produced <= length else { throw DeflateError(.tooLong, "inflates past its stated \(length) bytes") }
                guard produced == length else { throw DeflateError(.tooShort, "inflates to \(produced) bytes, stated \(length)") }
                guard consumed == bytes.count else {
                    throw DeflateError(.trailingBytes, "\(bytes.count - consumed) bytes follow the end of the compressed stream")
                }
                output.removeLast(output.count - produced)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress: either the output is full (grown above) or the input ran out mid-stream.
                if produced == output.count { continue }
                throw DeflateError(.truncated, "the compressed stream ends before its last block")
            case Z_MEM_ERROR:
                throw DeflateError(.corrupt, "zlib ran out of memory")
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw DeflateError(.corrupt, "not a valid DEFLATE stream (\(message))")
            }
        }
    }
}

/// Why `Deflate.inflate` refused a stream.
public struct DeflateError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The bytes are not DEFLATE (a bad block type, code lengths, distance, …).
        public static let corrupt = Code(rawValue: "corrupt")
        /// The stream stops before its final block.
        public static let truncated = Code(rawValue: "truncated")
        /// It would inflate to more than the stated length.
        public static let tooLong = Code(rawValue: "tooLong")
        /// It inflates to fewer bytes than stated.
        public static let tooShort = Code(rawValue: "tooShort")
        /// Bytes follow the end of the stream.
        public static let trailingBytes = Code(rawValue: "trailingBytes")
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
