import CCrypto

/// Streaming SHA-256 over OpenSSL's EVP digest API (`EVP_DigestInit_ex`,
/// `EVP_DigestUpdate`, `EVP_DigestFinal_ex`).
///
/// Owns its `EVP_MD_CTX`; not `Sendable`, one owner at a time.
public final class SHA256 {
    private let context: OpaquePointer

    public init() {
        // EVP_MD_CTX_new only fails when malloc fails; there is no sensible recovery.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count)
        }
    }

    public func update(_ string: String) {
        var string = string
        string.withUTF8 { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
    }

    /// Finishes the digest; the object must not be updated afterwards.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        out.withUnsafeMutableBufferPointer { buffer in
            _ = EVP_DigestFinal_ex(context, buffer.baseAddress, &length)
        }
        return out
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        let digest = SHA256()
        digest.update(bytes)
        return digest.finalize()
    }
}

@available(*, unavailable)
extension SHA256: Sendable {}
