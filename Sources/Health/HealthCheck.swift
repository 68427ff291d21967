/// One line of `doctor` or `hub status`: a check, its verdict, and what to do.
public struct HealthCheck: Sendable, Equatable {
    public enum Status: String, Sendable { case ok = "OK", warn = "WARN", fail = "FAIL" }
    public let name: String
    public let status: Status
    /// What was found and, unless OK, what to do about it.
    public let message: String

    public init(name: String, status: Status, message: String) {
        self.name = name
        self.status = status
        self.message = message
    }

    static func ok(_ name: String, _ message: String) -> HealthCheck { HealthCheck(name: name, status: .ok, message: message) }
    static func warn(_ name: String, _ message: String) -> HealthCheck { HealthCheck(name: name, status: .warn, message: message) }
    static func fail(_ name: String, _ message: String) -> HealthCheck { HealthCheck(name: name, status: .fail, message: message) }

    /// How many of `checks` need action (WARN or FAIL).
    public static func needingAction(_ checks: [HealthCheck]) -> Int { checks.filter { $0.status != .ok }.count }

    static func bytes(_ count: UInt64) -> String {
        if count >= 1 << 30 { return "\(count >> 30) GiB" }
        if count >= 1 << 20 { return "\(count >> 20) MiB" }
        return "\(count >> 10) KiB"
    }

    static func days(since millis: UInt64, now: UInt64) -> Int { Int((now > millis ? now - millis : 0) / 86_400_000) }

    static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
}
