import CCrypto

/// Cryptographically secure random bytes from OpenSSL's `RAND_bytes`.
public enum SecureRandom {
    public struct Failure: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "the system random number generator failed (RAND_bytes)" }
    }

    public static func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { buffer in
            RAND_bytes(buffer.baseAddress, Int32(count))
        }
        guard ok == 1 else { throw Failure() }
        return out
    }
}
