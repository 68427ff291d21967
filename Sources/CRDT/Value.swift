/// A field value or set element. Numbers are IEEE doubles; the codecs reject
/// NaN, and −0 is stored as 0, so equal-looking values are equal.
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case text(String)

    /// A canonical number: NaN is refused, −0 becomes 0.
    public static func number(checking value: Double) -> Value? {
        guard !value.isNaN else { return nil }
        return .number(value == 0 ? 0 : value)
    }

    public var text: String? {
        if case .text(let string) = self { return string }
        return nil
    }

    public var number: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// The value's canonical bytes: a tag, then the content with explicit
    /// lengths. Used for the state digest and to order set elements.
    public func appendCanonical(to out: inout [UInt8]) {
        switch self {
        case .null:
            out.append(0)
        case .bool(let bool):
            out.append(1)
            out.append(bool ? 1 : 0)
        case .number(let number):
            out.append(2)
            out.appendBigEndian((number == 0 ? 0 : number).bitPattern)
        case .text(let string):
            out.append(3)
            out.appendLengthPrefixed(string)
        }
    }

    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        appendCanonical(to: &out)
        return out
    }
}

extension Array where Element == UInt8 {
    @inlinable
    public mutating func appendBigEndian(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    @inlinable
    public mutating func appendLengthPrefixed(_ bytes: [UInt8]) {
        appendBigEndian(UInt64(bytes.count))
        append(contentsOf: bytes)
    }

    /// A string's UTF-8 bytes after their length, without an intermediate array.
    @inlinable
    public mutating func appendLengthPrefixed(_ string: String) {
        appendBigEndian(UInt64(string.utf8.count))
        append(contentsOf: string.utf8)
    }
}
