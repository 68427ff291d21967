import Glibc
import SystemCalls

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
        let descriptor: Int32
        do throws(Errno) {
            descriptor = try Syscall.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, permissions: 0o600)
        } catch {
            throw SyncError("cannot open \(path) (\(error)); check the store's directory is writable")
        }
        do throws(Errno) {
            try Syscall.flock(descriptor, LOCK_EX | LOCK_NB)
        } catch {
            try? Syscall.close(descriptor)
            if error == .wouldBlock { return nil }
            throw SyncError("cannot lock \(path) (\(error))")
        }
        return HubStatusFile(descriptor: descriptor)
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { try? Syscall.close(descriptor) }

    /// Records that this process serves the store with `sessions` open now
    /// (a write only when something changed).
    public func record(sessions: Int, startedMillis: UInt64) {
        let text = "pid=\(getpid())\nstarted_ms=\(startedMillis)\nsessions=\(sessions)\n"
        guard text != written else { return }
        written = text
        // Best effort: a status file that cannot be rewritten must not stop the hub serving.
        try? Syscall.truncate(descriptor, length: 0)
        try? Syscall.writeAll(descriptor, Array(text.utf8), fileOffset: 0)
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
        guard let descriptor = try? Syscall.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) else { return nil }
        defer { try? Syscall.close(descriptor) }
        // A shared lock we can take means no hub holds the exclusive one.
        if (try? Syscall.flock(descriptor, LOCK_SH | LOCK_NB)) != nil { return nil }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = (try? Syscall.read(descriptor, into: &buffer, fileOffset: 0)) ?? 0
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
