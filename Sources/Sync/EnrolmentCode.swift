import CRDT
import Store
import Wire

/// The one-line code a hub prints when it enrols a device, and the device
/// stores with `fieldnotes join`:
///
///     fieldnotes://DEVICE:SECRET@HOST:PORT
///
/// where SECRET is the 256-bit shared secret as 64 hex digits. Whoever holds
/// the code can sync as the device: pass it on as you would a password.
public struct EnrolmentCode: Sendable, Equatable {
    public static let scheme = "fieldnotes://"

    public let device: String
    public let secret: [UInt8]
    public let address: Endpoint

    public init(device: String, secret: [UInt8], address: Endpoint) {
        self.device = device
        self.secret = secret
        self.address = address
    }

    public var text: String { "\(EnrolmentCode.scheme)\(device):\(Hex.encode(secret))@\(address)" }

    /// Parses a code; nil if it is not one.
    public init?(_ text: String) {
        let trimmed = text.trimmingSpaces
        guard trimmed.hasPrefix(EnrolmentCode.scheme) else { return nil }
        let rest = trimmed.dropFirst(EnrolmentCode.scheme.count)
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":"),
              let address = Endpoint(String(rest[rest.index(after: at)...])),
              let secret = Hex.decode(String(rest[rest.index(after: colon)..<at])), secret.count == Handshake.secretLength else { return nil }
        let device = String(rest[..<colon])
        guard Store.isDeviceName(device) else { return nil }
        self.init(device: device, secret: secret, address: address)
    }
}
