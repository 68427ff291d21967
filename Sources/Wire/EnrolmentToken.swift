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
        let symbols = Self.regroup(bytes.map(Int.init), from: 8, to: 5).map { Self.alphabet[$0] }
        var groups: [String] = stride(from: 0, to: symbols.count, by: 4).map { String(symbols[$0 ..< min($0 + 4, symbols.count)]) }
        groups.append(String(Self.checkAlphabet[Self.check(bytes)]))
        return groups.joined(separator: "-")
    }

    /// Big-endian digits of `from` bits regrouped as digits of `to` bits
    /// (bytes to base32 symbols and back); the count works out exactly for 80 bits.
    static func regroup(_ digits: [Int], from: Int, to: Int) -> [Int] {
        var out: [Int] = []
        var accumulator = 0
        var bits = 0
        for digit in digits {
            accumulator = (accumulator << from | digit) & 0xFFFF
            bits += from
            while bits >= to {
                bits -= to
                out.append(accumulator >> bits & (1 << to - 1))
            }
        }
        return out
    }

    /// Crockford's reading of look-alikes: O is 0, I and L are 1.
    static func normalized(_ character: Character) -> Character {
        switch character {
        case "O": return "0"
        case "I", "L": return "1"
        default: return character
        }
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
            guard let value = alphabet.firstIndex(of: normalized(character)) else { return .failure(.symbol(character)) }
            values.append(value)
        }
        guard let checkValue = checkAlphabet.firstIndex(of: normalized(symbols[16])) else { return .failure(.symbol(symbols[16])) }
        let bytes = regroup(values, from: 5, to: 8).map { UInt8($0) }
        guard let token = EnrolmentToken(bytes: bytes) else { return .failure(.length(symbols.count)) }
        guard check(bytes) == checkValue else { return .failure(.check) }
        return .success(token)
    }
}
