import Crypto

/// The cryptography of the handshake (see `Protocol/SPEC.md`, "Handshake").
///
/// Both proofs are HMAC-SHA256 keyed by the device's 256-bit enrolment
/// secret over a label and the handshake transcript: the Hello payload and
/// the Challenge payload, byte for byte as sent. Each side's proof covers the
/// other side's fresh nonce, so a recorded handshake cannot be replayed, and
/// the labels differ, so one side's proof is never valid as the other's.
///
/// ```
/// hubProof    = HMAC(secret, "fieldnotes hub proof"    || Hello payload || Challenge payload[0..<42])
/// deviceProof = HMAC(secret, "fieldnotes device proof" || Hello payload || Challenge payload[0..<74])
/// ```
/// (`Challenge payload[0..<42]` is the Challenge without its proof field.)
public enum Handshake {
    /// Length of the enrolment secret.
    public static let secretLength = 32

    public static let hubProofLabel = Array("fieldnotes hub proof".utf8)
    public static let deviceProofLabel = Array("fieldnotes device proof".utf8)
    /// HKDF `info` for the key of frames the device sends.
    public static let deviceToHubInfo = Array("fieldnotes v1 device to hub".utf8)
    /// HKDF `info` for the key of frames the hub sends.
    public static let hubToDeviceInfo = Array("fieldnotes v1 hub to device".utf8)

    /// The hub's proof; `challenge.proof` is ignored (it is what this computes).
    public static func hubProof(secret: [UInt8], hello: Hello, challenge: Challenge) throws(WireError) -> [UInt8] {
        var message = hubProofLabel
        try hello.encode(into: &message)
        try challenge.encodeUnproven(into: &message)
        return HMACSHA256.authenticate(message, key: secret)
    }

    /// The device's proof, over the whole Challenge including the hub's proof.
    public static func deviceProof(secret: [UInt8], hello: Hello, challenge: Challenge) throws(WireError) -> [UInt8] {
        var message = deviceProofLabel
        try hello.encode(into: &message)
        try challenge.encode(into: &message)
        return HMACSHA256.authenticate(message, key: secret)
    }

    /// Compares a received proof with the expected one in constant time.
    public static func proofsMatch(_ received: [UInt8], _ expected: [UInt8]) -> Bool {
        constantTimeEqual(received, expected)
    }

    /// The session's two frame keys: HKDF-SHA256 (RFC 5869) with the secret
    /// as input key material, `deviceNonce || hubNonce` as salt, and one
    /// `info` string per direction; 32 bytes each.
    public static func sessionKeys(secret: [UInt8], deviceNonce: [UInt8], hubNonce: [UInt8]) -> SessionKeys {
        let salt = deviceNonce + hubNonce
        return SessionKeys(
            deviceToHub: HKDFSHA256.deriveKey(secret: secret, salt: salt, info: deviceToHubInfo, length: 32),
            hubToDevice: HKDFSHA256.deriveKey(secret: secret, salt: salt, info: hubToDeviceInfo, length: 32))
    }
}

/// One key per direction, so a frame reflected back to its sender never verifies.
public struct SessionKeys: Hashable, Sendable {
    /// Tags frames the device sends (device encoder, hub decoder).
    public let deviceToHub: [UInt8]
    /// Tags frames the hub sends (hub encoder, device decoder).
    public let hubToDevice: [UInt8]

    public init(deviceToHub: [UInt8], hubToDevice: [UInt8]) {
        self.deviceToHub = deviceToHub
        self.hubToDevice = hubToDevice
    }
}
