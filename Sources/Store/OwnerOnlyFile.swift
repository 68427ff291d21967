import Glibc

/// Files readable by their owner only, written whole or not at all: made
/// under a temporary name beside their final path, flushed to disk
/// (`fsync(2)`), then moved into place (`rename(2)`, or `link(2)` when an
/// existing file must not be replaced) and the directory flushed, so a
/// crash leaves either the old file or the complete new one.
public enum OwnerOnlyFile {
    /// A fresh temporary path beside `path`, in the same directory (so that
    /// the final rename stays within one file system).
    public static func temporaryPath(beside path: String) -> String {
        let (directory, name) = split(path)
        return directory + "/." + name + ".partial-\(getpid())"
    }

    /// Writes `bytes` to `path` (mode 0600); refuses an existing `path`
    /// unless `replacing`.
    public static func write(_ bytes: [UInt8], to path: String, replacing: Bool) throws {
        let temporary = temporaryPath(beside: path)
        unlink(temporary)
        try Store.createOwnerOnlyFile(at: temporary)
        do {
            var descriptor: Int32
            repeat { descriptor = open(temporary, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) } while descriptor < 0 && errno == EINTR
            guard descriptor >= 0 else { throw StoreError.unwritable(temporary, String(cString: strerror(errno))) }
            defer { _ = close(descriptor) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw StoreError.unwritable(temporary, String(cString: strerror(errno))) }
                offset += written
            }
            try commit(temporary, to: path, replacing: replacing)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Flushes the complete file `temporary` and gives it the name `path`;
    /// with `replacing` false, an existing `path` is refused (`StoreError`
    /// "exists") and left as it was. The temporary file is gone afterwards
    /// either way only on success; the caller removes it on failure.
    public static func commit(_ temporary: String, to path: String, replacing: Bool) throws {
        try flush(temporary, directory: false)
        if replacing {
            guard rename(temporary, path) == 0 else { throw StoreError.unwritable(path, String(cString: strerror(errno))) }
        } else {
            // link(2) fails with EEXIST rather than replace: no window between a check and the move.
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { throw StoreError.exists(path, hint: "it was left untouched; choose another file, or add --force to replace it") }
                throw StoreError.unwritable(path, String(cString: strerror(errno)))
            }
            unlink(temporary)
        }
        try flush(split(path).directory, directory: true)
    }

    /// `fsync(2)` on a file or a directory.
    static func flush(_ path: String, directory: Bool) throws {
        var descriptor: Int32
        repeat { descriptor = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw StoreError.unwritable(path, String(cString: strerror(errno))) }
        defer { _ = close(descriptor) }
        var result: Int32
        repeat { result = fsync(descriptor) } while result != 0 && errno == EINTR
        guard result == 0 else { throw StoreError.unwritable(path, "fsync: " + String(cString: strerror(errno))) }
    }

    /// The directory holding `path` and the file's own name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
