import Crypto

/// The one-time secret in an enrolment code (`Protocol/SPEC.md` §6.1): 80
/// random bits, written as 16 symbols of Crockford's base32 in four groups
/// of four, then one check symbol (the number mod 37, Crockford's check
/// alphabet), so that it can be read over the phone and a mistyped symbol
/// or two swapped neighbours are caught before anything is sent:
///
///     7K3M-Q9TD-XW2R-H8PV-5
///
/// Reading ignores case, spaces and hyphens, and takes O for 0 and I or L
/// for 1, as Crockford's decoding does. A hub keeps only `hash`.
public struct EnrolmentToken: Hashable, Sendable {
    public static let byteCount = 10
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let checkAlphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U")

    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == EnrolmentToken.byteCount else { return nil }
        self.bytes = bytes
    }

    public static func random() throws -> EnrolmentToken {
        guard let token = EnrolmentToken(bytes: try SecureRandom.bytes(byteCount)) else { throw SecureRandom.Failure() }
        return token
    }

    /// SHA-256 of the 10 bytes: what a hub stores and compares.
    public var hash: [UInt8] { SHA256.hash(bytes) }

    public var text: String {
        var symbols: [Character] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = accumulator << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                symbols.append(Self.alphabet[Int(accumulator >> UInt32(bits) & 31)])
            }
        }
        var groups: [String] = stride(from: 0, to: symbols.count, by: 4).map { String(symbols[$0 ..< min($0 + 4, symbols.count)]) }
        groups.append(String(Self.checkAlphabet[Self.check(bytes)]))
        return groups.joined(separator: "-")
    }

    /// The 80-bit number modulo 37.
    static func check(_ bytes: [UInt8]) -> Int {
        bytes.reduce(0) { ($0 * 256 + Int($1)) % 37 }
    }

    /// Why a text is not a token, in words for the person who typed it.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case length(Int)
        case symbol(Character)
        case check

        public var description: String {
            switch self {
            case .length(let count): return "the token has \(count) symbols; it has 17 (four groups of four, then one check symbol)"
            case .symbol(let character): return "'\(character)' cannot appear in a token"
            case .check: return "the token's check symbol does not match: a symbol is mistyped"
            }
        }
    }

    public static func parse(_ text: String) -> Result<EnrolmentToken, ParseError> {
        var symbols: [Character] = []
        for character in text.uppercased() where character != "-" && character != " " {
            symbols.append(character)
        }
        guard symbols.count == 17 else { return .failure(.length(symbols.count)) }
        var values: [Int] = []
        for character in symbols.dropLast() {
            let normalized: Character = character == "O" ? "0" : (character == "I" || character == "L") ? "1" : character
            guard let value = alphabet.firstIndex(of: normalized) else { return .failure(.symbol(character)) }
            values.append(value)
        }
        let last = symbols[16] == "O" ? "0" : (symbols[16] == "I" || symbols[16] == "L") ? "1" : symbols[16]
        guard let checkValue = checkAlphabet.firstIndex(of: last) else { return .failure(.symbol(symbols[16])) }
        var bytes: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for value in values {
            accumulator = accumulator << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard let token = EnrolmentToken(bytes: bytes) else { return .failure(.length(symbols.count)) }
        guard check(bytes) == checkValue else { return .failure(.check) }
        return .success(token)
    }
}
