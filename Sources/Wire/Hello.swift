import CRDT

/// The device's first message: who it is, which versions it speaks and its
/// wall clock. Its layout is the same in every protocol version, so any hub
/// can read it; that is why it still carries version 1's nonce, which
/// no version since 2 uses (TLS makes every session fresh).
///
/// ```
/// 0        2        4                 20                52          60     61
/// +--------+--------+-----------------+-----------------+-----------+------+-------------+
/// | minVer | maxVer | replica (16)    | nonce (32)      | clock u64 | nlen | name (nlen) |
/// +--------+--------+-----------------+-----------------+-----------+------+-------------+
/// ```
public struct Hello: Hashable, Sendable {
    /// The protocol versions the device speaks, lowest first (both at least 1).
    public var versions: ClosedRange<UInt16>
    /// The name the device was enrolled under: 1 to 64 bytes of UTF-8.
    public var deviceName: String
    /// The device's replica id.
    public var replica: ReplicaID
    /// 32 bytes, random or zero: version 1 proved the handshake over them;
    /// versions 2 and later send them only to keep the layout, and a receiver ignores them.
    public var nonce: [UInt8]
    /// The device's wall clock, milliseconds since the Unix epoch.
    public var wallClockMillis: UInt64

    public init(versions: ClosedRange<UInt16> = WireProtocol.supportedVersions, deviceName: String,
                replica: ReplicaID, nonce: [UInt8], wallClockMillis: UInt64) {
        self.versions = versions
        self.deviceName = deviceName
        self.replica = replica
        self.nonce = nonce
        self.wallClockMillis = wallClockMillis
    }

    /// Length of the Hello's nonce.
    public static let nonceLength = 32

    func encode(into out: inout [UInt8]) throws(WireError) {
        guard versions.lowerBound >= 1 else { throw WireError(.invalidField, "Hello: version 0 does not exist") }
        guard nonce.count == Hello.nonceLength else {
            throw WireError(.invalidField, "Hello: nonce is \(nonce.count) bytes, must be \(Hello.nonceLength)")
        }
        let name = Array(deviceName.utf8)
        guard !name.isEmpty else { throw WireError(.invalidField, "Hello: device name is empty") }
        guard name.count <= WireLimits.maxDeviceNameLength else {
            throw WireError(.limitExceeded, "Hello: device name is \(name.count) bytes, limit \(WireLimits.maxDeviceNameLength)")
        }
        out.appendUInt16(versions.lowerBound)
        out.appendUInt16(versions.upperBound)
        out.append(contentsOf: replica.bytes)
        out.append(contentsOf: nonce)
        out.appendUInt64(wallClockMillis)
        out.append(UInt8(name.count))
        out.append(contentsOf: name)
    }

    static func decode(_ reader: inout ByteReader) throws(WireError) -> Hello {
        let low = try reader.readUInt16("minimum version")
        let high = try reader.readUInt16("maximum version")
        guard low >= 1, low <= high else {
            throw reader.error(.invalidField, "version range \(low)...\(high) is empty or includes 0")
        }
        let replica = try reader.readReplicaID("replica id")
        let nonce = try reader.readBytes(nonceLength, "nonce")
        let clock = try reader.readUInt64("wall clock")
        let length = Int(try reader.readByte("device name length"))
        guard length >= 1 else { throw reader.error(.invalidField, "device name is empty") }
        guard length <= WireLimits.maxDeviceNameLength else {
            throw reader.error(.limitExceeded, "device name is \(length) bytes, limit \(WireLimits.maxDeviceNameLength)")
        }
        let name = try reader.readUTF8(length, "device name")
        return Hello(versions: low ... high, deviceName: name, replica: replica, nonce: nonce, wallClockMillis: clock)
    }
}
