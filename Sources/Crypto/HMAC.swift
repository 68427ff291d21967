import CCrypto

/// HMAC-SHA256 (RFC 2104) through OpenSSL's one-shot `HMAC()`.
public enum HMACSHA256 {
    public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { keyRaw in
            message.withUnsafeBytes { messageRaw in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    _ = HMAC(EVP_sha256(), keyRaw.baseAddress, Int32(keyRaw.count),
                             messageRaw.baseAddress?.assumingMemoryBound(to: UInt8.self), messageRaw.count,
                             outBuffer.baseAddress, &length)
                }
            }
        }
        return out
    }
}

/// HKDF-SHA256 (RFC 5869), written over `HMACSHA256` so it needs no OpenSSL 3 KDF API.
public enum HKDFSHA256 {
    public static func extract(salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticate(inputKeyMaterial, key: salt.isEmpty ? [UInt8](repeating: 0, count: 32) : salt)
    }

    /// Expands `pseudoRandomKey` to `length` bytes (at most 255 × 32).
    public static func expand(pseudoRandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        precondition(length <= 255 * 32, "HKDF output too long")
        var output: [UInt8] = []
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            previous = HMACSHA256.authenticate(previous + info + [counter], key: pseudoRandomKey)
            output += previous
            counter &+= 1
        }
        return Array(output.prefix(length))
    }

    public static func deriveKey(secret: [UInt8], salt: [UInt8], info: [UInt8], length: Int = 32) -> [UInt8] {
        expand(pseudoRandomKey: extract(salt: salt, inputKeyMaterial: secret), info: info, length: length)
    }
}

/// Compares two byte strings in time that depends only on their lengths
/// (OpenSSL's `CRYPTO_memcmp`), for proofs and tags.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { aRaw in
        b.withUnsafeBytes { bRaw in
            CRYPTO_memcmp(aRaw.baseAddress, bRaw.baseAddress, aRaw.count) == 0
        }
    }
}
