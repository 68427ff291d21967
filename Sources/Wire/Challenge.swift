/// The hub's answer to a Hello: the version it chose, its fresh nonce, its
/// wall clock and its proof that it knows the device's secret.
///
/// ```
/// 0         2                 34          42                74
/// +---------+-----------------+-----------+-----------------+
/// | version | nonce (32)      | clock u64 | hub proof (32)  |
/// +---------+-----------------+-----------+-----------------+
/// ```
public struct Challenge: Hashable, Sendable {
    /// The version the hub selected from the Hello's range.
    public var version: UInt16
    /// 32 fresh random bytes for this connection.
    public var nonce: [UInt8]
    /// The hub's wall clock, milliseconds since the Unix epoch.
    public var wallClockMillis: UInt64
    /// `Handshake.hubProof(...)`: HMAC-SHA256 under the device's secret.
    public var proof: [UInt8]

    public init(version: UInt16 = WireProtocol.currentVersion, nonce: [UInt8], wallClockMillis: UInt64, proof: [UInt8]) {
        self.version = version
        self.nonce = nonce
        self.wallClockMillis = wallClockMillis
        self.proof = proof
    }

    /// Length of the hub's and the device's proofs.
    public static let proofLength = 32

    /// The fields the hub proof covers: everything before the proof.
    func encodeUnproven(into out: inout [UInt8]) throws(WireError) {
        guard version >= 1 else { throw WireError(.invalidField, "Challenge: version 0 does not exist") }
        guard nonce.count == Hello.nonceLength else {
            throw WireError(.invalidField, "Challenge: nonce is \(nonce.count) bytes, must be \(Hello.nonceLength)")
        }
        out.appendUInt16(version)
        out.append(contentsOf: nonce)
        out.appendUInt64(wallClockMillis)
    }

    func encode(into out: inout [UInt8]) throws(WireError) {
        try encodeUnproven(into: &out)
        guard proof.count == Challenge.proofLength else {
            throw WireError(.invalidField, "Challenge: proof is \(proof.count) bytes, must be \(Challenge.proofLength)")
        }
        out.append(contentsOf: proof)
    }

    static func decode(_ reader: inout ByteReader) throws(WireError) -> Challenge {
        let version = try reader.readUInt16("version")
        guard version >= 1 else { throw reader.error(.invalidField, "version 0 does not exist") }
        let nonce = try reader.readBytes(Hello.nonceLength, "nonce")
        let clock = try reader.readUInt64("wall clock")
        let proof = try reader.readBytes(proofLength, "hub proof")
        return Challenge(version: version, nonce: nonce, wallClockMillis: clock, proof: proof)
    }
}
