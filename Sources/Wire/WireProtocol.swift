import CRDT

/// Constants that identify the fieldnotes sync protocol (see `Protocol/SPEC.md`).
public enum WireProtocol {
    /// The four bytes each side sends before its first frame: `F9 46 4E 53`
    /// (0xF9, then "FNS"). The first byte is not ASCII, so a text protocol
    /// that connects by mistake fails at once. The magic never changes:
    /// versions are negotiated in the Hello.
    public static let magic: [UInt8] = [0xF9, 0x46, 0x4E, 0x53]

    /// The newest protocol version this implementation speaks: 4, which
    /// added CompressedOps (an Ops batch compressed with DEFLATE) to version 3.
    public static let currentVersion: UInt16 = 4

    /// Every version this implementation can speak, offered in the Hello.
    /// 3 and 4: version 4 only adds a message, so a version 3 peer is served
    /// in version 3 (uncompressed Ops). A version 2 peer could not read text
    /// operations, so it gets `unsupportedVersion`.
    public static let supportedVersions: ClosedRange<UInt16> = 3...4

    /// The first version in which a side may send CompressedOps.
    public static let compressedOperationsVersion: UInt16 = 4

    /// The highest version both ranges contain, or nil when they do not
    /// overlap (the hub then answers `unsupportedVersion`).
    public static func negotiate(device: ClosedRange<UInt16>, hub: ClosedRange<UInt16> = supportedVersions) -> UInt16? {
        let low = max(device.lowerBound, hub.lowerBound)
        let high = min(device.upperBound, hub.upperBound)
        return low <= high ? high : nil
    }
}

/// The limits of protocol versions 3 and 4. A decoder checks every length and count
/// from the peer against these *before* allocating for it; an encoder refuses
/// to produce what a decoder would reject.
public enum WireLimits {
    /// Largest value of a frame's length field (type + payload) once the
    /// session has begun (`FrameDecoder.beginSession()`): 1 MiB.
    public static let maxFrameLength = 1 << 20
    /// Largest value of a frame's length field before the session begins
    /// (the Hello, Enrol and Welcome, or an Error), so a peer that has not
    /// been admitted cannot make the receiver buffer more.
    public static let maxHandshakeFrameLength = 1024
    /// The largest seq any operation, id or vector entry may carry: 2^63 − 1,
    /// so that every seq fits a signed 64-bit integer (SQLite's INTEGER).
    public static let maxSeq = UInt64(Int64.max)
    /// Largest stated (inflated) length of a CompressedOps batch: the frame
    /// limit, which the same batch sent uncompressed would have to fit.
    public static let maxInflatedBatchLength = maxFrameLength
    /// Most operations in one Ops batch.
    public static let maxBatchOperations = 1024
    /// Most Ops batches a sender may have sent and not yet seen acknowledged.
    public static let window = 4
    /// Most entries in a Vector.
    public static let maxVectorEntries = 16_384
    /// Longest text value or set element, in UTF-8 bytes.
    public static let maxTextLength = Limits.text.bytes
    /// Longest field, set or record type name, in UTF-8 bytes.
    public static let maxNameLength = Limits.name.bytes
    /// Longest erase reason, in UTF-8 bytes.
    public static let maxEraseReasonLength = Limits.eraseReason.bytes
    /// Most ids in one assign's `replaces` or one remove's `observed`.
    public static let maxIDListLength = Limits.idList
    /// Most characters (Unicode scalars) in one insertText run: as many as
    /// the longest text has bytes, since every scalar takes at least one.
    public static let maxTextRunLength = Limits.text.bytes
    /// Most ranges in one deleteText.
    public static let maxDeleteRanges = 1024
    /// Longest device name, in UTF-8 bytes (at least 1).
    public static let maxDeviceNameLength = Limits.deviceName.bytes
    /// Longest Error message, in UTF-8 bytes.
    public static let maxErrorMessageLength = 512

    /// The hub closes a connection whose handshake has not finished by then.
    public static let handshakeTimeout: Duration = .seconds(10)
    /// A side that has received no frame for this long sends `timeout` and closes.
    public static let idleTimeout: Duration = .seconds(60)
    /// A side sends some frame (a Ping if nothing else) at least this often.
    public static let keepaliveInterval: Duration = .seconds(20)
    /// A device warns its user when the hub's clock differs from its own by more.
    public static let clockSkewWarningMillis: UInt64 = 5 * 60 * 1000
}
