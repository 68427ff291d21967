/// Lower-case hexadecimal encoding and decoding.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// 16 lower-case hex digits of a 64-bit number, most significant first.
    public static func encode(_ value: UInt64) -> String {
        var out = [UInt8](repeating: 0, count: 16)
        for index in 0..<16 { out[index] = digits[Int(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xf] }
        return String(decoding: out, as: UTF8.self)
    }

    /// 32 lower-case hex digits of a 128-bit number given as its two halves, most significant first.
    public static func encode(_ high: UInt64, _ low: UInt64) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        for index in 0..<16 {
            out[index] = digits[Int(truncatingIfNeeded: high >> UInt64(60 - 4 * index)) & 0xf]
            out[16 + index] = digits[Int(truncatingIfNeeded: low >> UInt64(60 - 4 * index)) & 0xf]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes an even-length hex string (either case); nil on any other input.
    public static func decode(_ string: String) -> [UInt8]? {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    @inlinable
    public static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
