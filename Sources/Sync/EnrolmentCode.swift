import CRDT
import Store
import Wire

/// The one-line code a hub prints when it enrols a device, and the device
/// redeems with `fieldnotes join` (`Protocol/SPEC.md` §6.1):
///
///     fieldnotes://DEVICE@HOST:PORT/HUB-FINGERPRINT#TOKEN
///
/// HUB-FINGERPRINT is the SHA-256 of the hub's certificate as 64 hex
/// digits: the device pins it, so no other server can pass for the hub.
/// TOKEN is the one-time enrolment token (`EnrolmentToken`), short enough
/// to read over the phone; a code without `#TOKEN` is complete once the
/// token is given separately (`join CODE --token TOKEN`). Whoever uses the
/// token first enrols as the device, so pass it on as you would a password.
public struct EnrolmentCode: Sendable, Equatable {
    public static let scheme = "fieldnotes://"

    public let device: String
    public let address: Endpoint
    public let hubFingerprint: [UInt8]
    public let token: EnrolmentToken?

    public init(device: String, address: Endpoint, hubFingerprint: [UInt8], token: EnrolmentToken?) {
        self.device = device
        self.address = address
        self.hubFingerprint = hubFingerprint
        self.token = token
    }

    public var text: String {
        "\(EnrolmentCode.scheme)\(device)@\(address)/\(Hex.encode(hubFingerprint))" + (token.map { "#\($0.text)" } ?? "")
    }

    /// Parses a code; nil if it is not one (`parse` says why).
    public init?(_ text: String) {
        guard case .success(let code) = EnrolmentCode.parse(text) else { return nil }
        self = code
    }

    /// A code, or what is wrong with it in words for the person who pasted it.
    public static func parse(_ text: String) -> Result<EnrolmentCode, CodeError> {
        let trimmed = text.trimmingSpaces
        guard trimmed.hasPrefix(scheme) else {
            return .failure(CodeError("it does not start with \(scheme)"))
        }
        var rest = Substring(trimmed.dropFirst(scheme.count))
        var token: EnrolmentToken?
        if let hash = rest.lastIndex(of: "#") {
            switch EnrolmentToken.parse(String(rest[rest.index(after: hash)...])) {
            case .success(let parsed): token = parsed
            case .failure(let error): return .failure(CodeError("its token is wrong: \(error)"))
            }
            rest = rest[..<hash]
        }
        guard let at = rest.firstIndex(of: "@") else { return .failure(CodeError("it names no device before '@'")) }
        let device = String(rest[..<at])
        guard Store.isDeviceName(device) else { return .failure(CodeError("'\(device)' is not a device name")) }
        let location = rest[rest.index(after: at)...]
        guard let slash = location.lastIndex(of: "/") else { return .failure(CodeError("it has no hub fingerprint after the address")) }
        guard let address = Endpoint(String(location[..<slash])) else {
            return .failure(CodeError("'\(location[..<slash])' is not HOST:PORT"))
        }
        guard let fingerprint = Hex.decode(String(location[location.index(after: slash)...]).lowercased()), fingerprint.count == 32 else {
            return .failure(CodeError("its hub fingerprint is not 64 hex digits"))
        }
        return .success(EnrolmentCode(device: device, address: address, hubFingerprint: fingerprint, token: token))
    }

    public struct CodeError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
