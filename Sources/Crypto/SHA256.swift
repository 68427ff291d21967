import CCrypto

/// Streaming SHA-256 (FIPS 180-4) over OpenSSL's EVP digest API
/// (`EVP_DigestInit_ex`, `EVP_DigestUpdate`, `EVP_DigestFinal_ex`).
///
/// Every OpenSSL return value is checked, as a precondition rather than a
/// thrown error, because none can fail here by construction: the context is
/// our own and set up once for OpenSSL's built-in SHA-256, which every
/// provider (default and FIPS) offers, so initialising fails only when
/// `malloc` does (Swift itself traps then) or the OpenSSL installation is
/// broken; updating and finishing fail only on a context that is not
/// initialised or already finished, which `finalize` rules out.
///
/// Owns its `EVP_MD_CTX`; not `Sendable`, one owner at a time.
public final class SHA256 {
    private let context: OpaquePointer
    private var finished = false

    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        guard EVP_DigestInit_ex(context, FetchedSHA256.shared.digest ?? EVP_sha256(), nil) == 1 else {
            fatalError("EVP_DigestInit_ex(SHA-256) failed: out of memory, or OpenSSL offers no SHA-256 (a broken installation)")
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: [UInt8]) {
        precondition(!finished, "SHA256.update after finalize")
        let ok = bytes.withUnsafeBytes { raw in EVP_DigestUpdate(context, raw.baseAddress, raw.count) }
        precondition(ok == 1, "EVP_DigestUpdate failed on an initialised SHA-256 context")
    }

    public func update(_ string: String) {
        precondition(!finished, "SHA256.update after finalize")
        var string = string
        let ok = string.withUTF8 { buffer in EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) }
        precondition(ok == 1, "EVP_DigestUpdate failed on an initialised SHA-256 context")
    }

    /// Finishes the digest: 32 bytes. Call it once; the object must not be
    /// updated or finished again afterwards.
    public func finalize() -> [UInt8] {
        precondition(!finished, "SHA256.finalize called twice")
        finished = true
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { buffer in EVP_DigestFinal_ex(context, buffer.baseAddress, &length) }
        precondition(ok == 1 && length == 32, "EVP_DigestFinal_ex failed on an initialised SHA-256 context")
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

/// OpenSSL 3's SHA-256 implementation, fetched from the default library
/// context once per process. `EVP_sha256()` names the algorithm only, so
/// every `EVP_DigestInit_ex` with it fetches the implementation again (a
/// locked lookup in the provider store): costly when many small digests are
/// made, as a REFI-QDA export's name-based GUIDs are. A fetched `EVP_MD` is
/// immutable and reference-counted by OpenSSL, safe to use from any thread;
/// it is kept for the life of the process. Nil only if OpenSSL offers no
/// SHA-256, when `EVP_sha256()` is used and its init reports the failure.
private final class FetchedSHA256: @unchecked Sendable {
    static let shared = FetchedSHA256()
    let digest: OpaquePointer?

    private init() { digest = EVP_MD_fetch(nil, "SHA256", nil) }
}
