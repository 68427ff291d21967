import CRDT

/// Reads fields from a payload, checking every length against the bytes
/// that remain (and the caller's limit) before reading or allocating.
/// Every failure is a `WireError`; nothing here can trap.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0
    /// Names the message or structure being read, for error details.
    let context: String

    init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    func error(_ code: WireError.Code, _ detail: String) -> WireError {
        WireError(code, "\(context): \(detail)")
    }

    /// Every byte not read yet; the reader is then at its end.
    mutating func readRest() -> [UInt8] {
        let out = Array(bytes[offset...])
        offset = bytes.count
        return out
    }

    mutating func readByte(_ what: @autoclosure () -> String) throws(WireError) -> UInt8 {
        guard offset < bytes.count else { throw error(.truncated, "\(what()) missing at byte \(offset)") }
        let byte = bytes[offset]
        offset += 1
        return byte
    }

    /// `count` raw bytes; the count is checked against what remains first.
    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(WireError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw error(.truncated, "\(what()) needs \(count) bytes, \(remaining) remain")
        }
        let out = Array(bytes[offset ..< offset + count])
        offset += count
        return out
    }

    mutating func readUInt16(_ what: @autoclosure () -> String) throws(WireError) -> UInt16 {
        let raw = try readBytes(2, what())
        return UInt16(raw[0]) << 8 | UInt16(raw[1])
    }

    mutating func readUInt64(_ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        let raw = try readBytes(8, what())
        var value: UInt64 = 0
        for byte in raw { value = value << 8 | UInt64(byte) }
        return value
    }

    /// An unsigned LEB128 varint: at most 10 bytes, minimal, within 64 bits.
    mutating func readVarint(_ what: @autoclosure () -> String) throws(WireError) -> UInt64 {
        var value: UInt64 = 0
        for index in 0 ..< 10 {
            let byte = try readByte(what())
            if index == 9, byte > 1 { throw error(.varintOverflow, "\(what()) exceeds 64 bits") }
            value |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 {
                if byte == 0, index > 0 { throw error(.nonMinimalVarint, "\(what()) has a redundant zero group") }
                return value
            }
        }
        throw error(.varintOverflow, "\(what()) is longer than 10 bytes")
    }

    /// A varint that must lie in `range`; `code` names the failure otherwise.
    mutating func readVarint(_ what: @autoclosure () -> String, in range: ClosedRange<UInt64>,
                             else code: WireError.Code = .invalidField) throws(WireError) -> UInt64 {
        let value = try readVarint(what())
        guard range.contains(value) else {
            throw error(code, "\(what()) is \(value), allowed \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A count of elements to follow, each at least `minimumSize` bytes:
    /// checked against `limit` and against the bytes that remain, so a
    /// caller may reserve capacity for it.
    mutating func readCount(_ what: @autoclosure () -> String, limit: Int, minimumSize: Int) throws(WireError) -> Int {
        let value = try readVarint(what())
        guard value <= UInt64(limit) else { throw error(.limitExceeded, "\(what()) is \(value), limit \(limit)") }
        let count = Int(value)
        guard count <= remaining / max(minimumSize, 1) else {
            throw error(.truncated, "\(what()) is \(count) but only \(remaining) bytes remain")
        }
        return count
    }

    /// A varint length, at most `limit`, then that many bytes of UTF-8.
    mutating func readString(_ what: @autoclosure () -> String, limit: Int) throws(WireError) -> String {
        let length = try readVarint("\(what()) length")
        guard length <= UInt64(limit) else {
            throw error(.limitExceeded, "\(what()) is \(length) bytes, limit \(limit)")
        }
        return try readUTF8(Int(length), what())
    }

    mutating func readUTF8(_ length: Int, _ what: @autoclosure () -> String) throws(WireError) -> String {
        try readUTF8Bytes(length, what()).string
    }

    /// `readUTF8`, also giving the bytes read.
    mutating func readUTF8Bytes(_ length: Int, _ what: @autoclosure () -> String) throws(WireError) -> (string: String, bytes: [UInt8]) {
        let raw = try readBytes(length, what())
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw error(.invalidUTF8, "\(what()) is not valid UTF-8")
        }
        return (string, raw)
    }

    mutating func readReplicaID(_ what: @autoclosure () -> String) throws(WireError) -> ReplicaID {
        let raw = try readBytes(16, what())
        guard let id = ReplicaID(bytes: raw) else { throw error(.truncated, "\(what()) is not 16 bytes") }
        return id
    }

    /// Fails unless every byte has been read.
    func finish() throws(WireError) {
        guard isAtEnd else { throw error(.trailingBytes, "\(remaining) bytes after the last field") }
    }
}

extension Array where Element == UInt8 {
    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A varint byte length and the string's UTF-8, refusing strings over `limit`.
    mutating func appendString(_ string: String, limit: Int, _ what: @autoclosure () -> String) throws(WireError) {
        let utf8 = Array(string.utf8)
        guard utf8.count <= limit else {
            throw WireError(.limitExceeded, "\(what()) is \(utf8.count) bytes, limit \(limit)")
        }
        appendVarint(UInt64(utf8.count))
        append(contentsOf: utf8)
    }
}

/// Encoded size of a varint, for sizing batches before encoding them.
func varintLength(_ value: UInt64) -> Int {
    var length = 1
    var rest = value >> 7
    while rest != 0 {
        length += 1
        rest >>= 7
    }
    return length
}

/// ZigZag maps signed to unsigned so small magnitudes of either sign stay short.
func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
