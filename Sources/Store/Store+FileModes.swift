import Glibc
import SystemCalls

/// A store file, or the directory holding it, that people other than its owner can read or write.
public struct LooseFileMode: Sendable, Equatable {
    public let path: String
    /// The permission bits, e.g. 0o644.
    public let mode: UInt32
    public let isDirectory: Bool

    /// The mode it should have: 0600 for a file, 0700 for a directory.
    public var ownerOnlyMode: UInt32 { isDirectory ? 0o700 : 0o600 }
}

extension Store {
    /// Creates the empty file a new store is opened on, readable and writable by
    /// its owner only (`open(2)` with `O_CREAT | O_EXCL`, then `fchmod(2)` so the
    /// umask cannot loosen or tighten it). SQLite gives the `-wal` and `-shm`
    /// files it creates later the main file's permission bits, so they are 0600 too.
    static func createOwnerOnlyFile(at path: String) throws {
        let descriptor: Int32
        do {
            descriptor = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, permissions: 0o600)
        } catch {
            if error == .fileExists { throw StoreError.exists(path) }
            throw StoreError.unwritable(path, error.description)
        }
        var failure: Errno?
        do { try Syscall.fchmod(descriptor, 0o600) } catch { failure = error }
        // Closed once whatever happened: the number may name another file afterwards.
        do { try Syscall.close(descriptor) } catch { failure = failure ?? error }
        if let failure {
            unlink(path)
            throw StoreError.unwritable(path, failure.description)
        }
    }

    /// The store file at `path`, its `-wal` and `-shm` files when present, and,
    /// with `includingDirectory`, the directory holding it, each that group or
    /// others may read or write (`stat(2)`). A file that cannot be examined is left out.
    public static func looseFileModes(at path: String, includingDirectory: Bool) -> [LooseFileMode] {
        var candidates = [(path, false), (path + "-wal", false), (path + "-shm", false)]
        if includingDirectory {
            let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            candidates.append((directory.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : directory, true))
        }
        return candidates.compactMap { candidate, isDirectory in
            guard let mode = permissionBits(candidate), mode & 0o066 != 0 else { return nil }
            return LooseFileMode(path: candidate, mode: mode, isDirectory: isDirectory)
        }
    }

    /// The permission bits of the file `path` names, following links (`stat(2)`), or nil if it cannot be examined.
    private static func permissionBits(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode) & 0o777
    }
}
