import Glibc

/// `STORE.hub`, beside a hub's store: says whether a hub is serving the
/// store now and how many device sessions it has open.
///
/// A serving hub holds an exclusive `flock(2)` on it for its whole life and
/// rewrites its few `key=value` lines in place when the session count
/// changes. The kernel drops the lock when the process ends, however it
/// ends, so a file left behind by a killed hub never reads as serving.
/// `hub restore` takes the same lock, so a hub cannot start while a restore
/// runs, and a restore refuses while a hub serves; two hubs cannot serve one store.
public final class HubStatusFile {
    public static func path(forStore storePath: String) -> String { storePath + ".hub" }

    private let descriptor: Int32
    private var written: String?

    /// Opens the file (creating it, mode 0600) and takes its lock; nil if
    /// another process holds it.
    public static func lock(forStore storePath: String) throws -> HubStatusFile? {
        let path = path(forStore: storePath)
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw SyncError("cannot open \(path) (\(String(cString: strerror(errno)))); check the store's directory is writable") }
        var result: Int32
        repeat { result = flock(descriptor, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let failure = errno
            _ = close(descriptor)
            if failure == EWOULDBLOCK { return nil }
            throw SyncError("cannot lock \(path) (\(String(cString: strerror(failure))))")
        }
        return HubStatusFile(descriptor: descriptor)
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { _ = close(descriptor) }

    /// Records that this process serves the store with `sessions` open now
    /// (a write only when something changed).
    public func record(sessions: Int, startedMillis: UInt64) {
        let text = "pid=\(getpid())\nstarted_ms=\(startedMillis)\nsessions=\(sessions)\n"
        guard text != written else { return }
        written = text
        _ = ftruncate(descriptor, 0)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// What a serving hub recorded: nil when no hub serves the store (no
    /// file, or nobody holds its lock).
    public struct Serving: Sendable, Equatable {
        public let pid: Int
        public let startedMillis: UInt64
        public let sessions: Int
    }

    public static func serving(forStore storePath: String) -> Serving? {
        let path = path(forStore: storePath)
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { return nil }
        defer { _ = close(descriptor) }
        // A shared lock we can take means no hub holds the exclusive one.
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 { return nil }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        var fields: [String: String] = [:]
        for line in String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return Serving(pid: fields["pid"].flatMap { Int($0) } ?? 0, startedMillis: fields["started_ms"].flatMap { UInt64($0) } ?? 0,
                       sessions: fields["sessions"].flatMap { Int($0) } ?? 0)
    }
}

@available(*, unavailable)
extension HubStatusFile: Sendable {}
