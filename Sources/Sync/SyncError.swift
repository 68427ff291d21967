import Wire

/// Why a sync session ended badly, said so a person knows what to do.
public struct SyncError: Error, CustomStringConvertible, Sendable {
    /// The protocol error code, when the failure was the peer's or was sent to it.
    public let code: ErrorCode?
    public let message: String

    public init(_ message: String, code: ErrorCode? = nil) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
