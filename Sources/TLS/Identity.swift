import CTLS
import Crypto

/// A device's or hub's own key pair: an Ed25519 private key and a self-signed
/// X.509 v3 certificate for it (see `TLSProfile` for the certificate's contents).
///
/// Owns one `EVP_PKEY` and one `X509`, freed in `deinit`.
///
/// Sendable because it is immutable after `init`: no method changes the key or
/// the certificate, the DER encoding is computed once and kept in Swift, and the
/// only other use of the handles is `TLSContext`, which takes its own
/// references (`SSL_CTX_use_certificate` and `SSL_CTX_use_PrivateKey` call the
/// atomic `X509_up_ref` and `EVP_PKEY_up_ref`) and reads them. OpenSSL 3
/// documents `EVP_PKEY` and `X509` as safe for concurrent read-only use
/// (openssl-threads(7)).
public final class Identity: @unchecked Sendable {
    let key: OpaquePointer
    let certificate: OpaquePointer
    /// The certificate's DER encoding (`i2d_X509`).
    public let certificateDER: [UInt8]

    /// Takes ownership of `key` and `certificate`.
    private init(key: OpaquePointer, certificate: OpaquePointer, certificateDER: [UInt8]) {
        self.key = key
        self.certificate = certificate
        self.certificateDER = certificateDER
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    /// SHA-256 of `certificateDER`: what a peer pins.
    public var fingerprint: [UInt8] { Identity.fingerprint(ofDER: certificateDER) }

    /// SHA-256 of a certificate's DER encoding, as `TLSSession.peerFingerprint` reports it.
    public static func fingerprint(ofDER der: [UInt8]) -> [UInt8] {
        SHA256.hash(der)
    }

    /// The longest common name accepted (X.520's upper bound, `ub-common-name`).
    public static let maximumCommonNameLength = 64

    /// Generates a new Ed25519 key pair (`EVP_PKEY_keygen`) and a self-signed
    /// certificate for it whose subject and issuer are `CN=commonName`.
    ///
    /// `commonName` must be 1 to 64 characters of printable ASCII
    /// (space to `~`), such as `"fieldnotes device alice-laptop"`.
    public static func generate(commonName: String) throws -> Identity {
        let name = Array(commonName.utf8)
        guard (1...maximumCommonNameLength).contains(name.count), name.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw TLSError(.identity, "the certificate name '\(commonName)' must be 1 to \(maximumCommonNameLength) printable ASCII characters")
        }
        ERR_clear_error()
        let key = try generateKey()
        guard let certificate = X509_new() else {
            EVP_PKEY_free(key)
            throw OpenSSLErrorQueue.error(.identity, "cannot create a certificate (X509_new)")
        }
        do {
            try fillSelfSigned(certificate, key: key, commonName: name)
            return Identity(key: key, certificate: certificate, certificateDER: try derEncoding(of: certificate))
        } catch {
            X509_free(certificate)
            EVP_PKEY_free(key)
            throw error
        }
    }

    private static func generateKey() throws -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_id(NID_ED25519, nil) else {
            throw OpenSSLErrorQueue.error(.identity, "cannot set up Ed25519 key generation (EVP_PKEY_CTX_new_id)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw OpenSSLErrorQueue.error(.identity, "cannot set up Ed25519 key generation (EVP_PKEY_keygen_init)")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw OpenSSLErrorQueue.error(.identity, "cannot generate an Ed25519 key (EVP_PKEY_keygen)")
        }
        return key
    }

    private static func fillSelfSigned(_ certificate: OpaquePointer, key: OpaquePointer, commonName: [UInt8]) throws {
        func check(_ ok: Bool, _ step: String) throws {
            guard ok else { throw OpenSSLErrorQueue.error(.identity, "cannot build the certificate (\(step))") }
        }
        try check(X509_set_version(certificate, Int(X509_VERSION_3)) == 1, "X509_set_version")

        // RFC 5280 4.1.2.2: positive, at most 20 octets. The top bit is cleared
        // and the next one set so the DER INTEGER is exactly 16 bytes.
        var serial: [UInt8]
        do {
            serial = try SecureRandom.bytes(16)
        } catch {
            throw TLSError(.identity, "cannot make a certificate serial number: \(error)")
        }
        serial[0] = (serial[0] & 0x7F) | 0x40
        let number = serial.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        try check(number != nil, "BN_bin2bn")
        defer { BN_free(number) }
        try check(BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil, "BN_to_ASN1_INTEGER")

        try check(X509_gmtime_adj(X509_getm_notBefore(certificate), -86_400) != nil, "X509_gmtime_adj notBefore")
        try check(X509_time_adj_ex(X509_getm_notAfter(certificate), Int32(TLSProfile.certificateValidityDays), 0, nil) != nil,
                  "X509_time_adj_ex notAfter")

        let name = X509_NAME_new()
        try check(name != nil, "X509_NAME_new")
        defer { X509_NAME_free(name) }
        let added = commonName.withUnsafeBufferPointer { bytes in
            X509_NAME_add_entry_by_txt(name, "CN", fieldnotes_MBSTRING_ASC, bytes.baseAddress, Int32(bytes.count), -1, 0)
        }
        try check(added == 1, "X509_NAME_add_entry_by_txt")
        try check(X509_set_subject_name(certificate, name) == 1, "X509_set_subject_name")
        try check(X509_set_issuer_name(certificate, name) == 1, "X509_set_issuer_name")
        try check(X509_set_pubkey(certificate, key) == 1, "X509_set_pubkey")

        var extensionContext = X509V3_CTX()
        X509V3_set_ctx(&extensionContext, certificate, certificate, nil, nil, 0)
        let extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth,clientAuth"),
            (NID_subject_key_identifier, "hash"),
        ]
        for (nid, value) in extensions {
            let made = X509V3_EXT_conf_nid(nil, &extensionContext, nid, value)
            try check(made != nil, "X509V3_EXT_conf_nid \(value)")
            defer { X509_EXTENSION_free(made) }
            try check(X509_add_ext(certificate, made, -1) == 1, "X509_add_ext \(value)")
        }

        // Ed25519 signs the message itself: no separate digest (RFC 8410).
        try check(X509_sign(certificate, key, nil) > 0, "X509_sign")
    }

    /// The DER encoding of `certificate` (`i2d_X509`, measured then written).
    static func derEncoding(of certificate: OpaquePointer) throws -> [UInt8] {
        let length = i2d_X509(certificate, nil)
        guard length > 0 else { throw OpenSSLErrorQueue.error(.identity, "cannot encode a certificate (i2d_X509)") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(certificate, &cursor)
        }
        guard written == length else { throw OpenSSLErrorQueue.error(.identity, "cannot encode a certificate (i2d_X509)") }
        return der
    }
}

extension Identity {
    /// The PEM text of the identity file: the private key (PKCS #8), then the certificate.
    func pemEncoding() throws -> [UInt8] {
        ERR_clear_error()
        // A secure-heap memory BIO: OpenSSL clears its buffer when it is freed.
        guard let bio = BIO_new(BIO_s_secmem()) else {
            throw OpenSSLErrorQueue.error(.identity, "cannot encode the identity (BIO_new)")
        }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) == 1 else {
            throw OpenSSLErrorQueue.error(.identity, "cannot encode the private key (PEM_write_bio_PrivateKey)")
        }
        guard PEM_write_bio_X509(bio, certificate) == 1 else {
            throw OpenSSLErrorQueue.error(.identity, "cannot encode the certificate (PEM_write_bio_X509)")
        }
        let length = BIO_ctrl_pending(bio)
        var pem = [UInt8](repeating: 0, count: length)
        var count = 0
        let ok = pem.withUnsafeMutableBytes { BIO_read_ex(bio, $0.baseAddress, length, &count) }
        guard ok == 1, count == length else {
            throw OpenSSLErrorQueue.error(.identity, "cannot encode the identity (BIO_read_ex)")
        }
        return pem
    }

    /// A read-only memory BIO over `bytes` (`BIO_new_mem_buf`), which fails only when out of memory.
    private static func memoryBIO(_ bytes: UnsafeRawBufferPointer) throws -> OpaquePointer {
        guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else {
            throw OpenSSLErrorQueue.error(.setup, "cannot read the identity (BIO_new_mem_buf: out of memory)")
        }
        return bio
    }

    /// Parses an identity file's text: the first private key and the first
    /// certificate in it, in either order, which must belong together.
    static func parse(pem: [UInt8], path: String) throws -> Identity {
        ERR_clear_error()
        guard pem.count <= Int(Int32.max) else { throw TLSError(.identity, "\(path) is too large to be an identity file") }
        // The pass-phrase callback returns no pass phrase, so OpenSSL never
        // prompts on the terminal: an encrypted key simply fails to load.
        let key: OpaquePointer? = try pem.withUnsafeBytes { raw in
            let bio = try memoryBIO(raw)
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else {
            throw OpenSSLErrorQueue.error(.identity, "\(path) holds no readable private key; it is not a fieldnotes identity file")
        }
        let certificate: OpaquePointer?
        do {
            certificate = try pem.withUnsafeBytes { raw in
                let bio = try memoryBIO(raw)
                defer { BIO_free(bio) }
                return PEM_read_bio_X509(bio, nil, { _, _, _, _ in 0 }, nil)
            }
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        guard let certificate else {
            EVP_PKEY_free(key)
            throw OpenSSLErrorQueue.error(.identity, "\(path) holds no readable certificate; it is not a fieldnotes identity file")
        }
        do {
            guard EVP_PKEY_get_id(key) == NID_ED25519 else {
                throw TLSError(.identity, "the key in \(path) is not an Ed25519 key; fieldnotes identities are Ed25519")
            }
            guard X509_check_private_key(certificate, key) == 1 else {
                throw OpenSSLErrorQueue.error(.identity, "the certificate in \(path) is not for the private key in it")
            }
            return Identity(key: key, certificate: certificate, certificateDER: try derEncoding(of: certificate))
        } catch {
            X509_free(certificate)
            EVP_PKEY_free(key)
            throw error
        }
    }
}
