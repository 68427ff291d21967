import Glibc
import SystemCalls

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
            let descriptor: Int32
            do throws(Errno) {
                descriptor = try Syscall.open(temporary, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
            } catch { throw StoreError.unwritable(temporary, error.description) }
            defer { try? Syscall.close(descriptor) }
            do throws(Errno) {
                try Syscall.writeAll(descriptor, bytes)
            } catch { throw StoreError.unwritable(temporary, error.description) }
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
            do throws(Errno) {
                try Syscall.rename(temporary, path)
            } catch { throw StoreError.unwritable(path, error.description) }
        } else {
            // link(2) fails with EEXIST rather than replace: no window between a check and the move.
            do throws(Errno) {
                try Syscall.link(temporary, path)
            } catch where error == .fileExists {
                throw StoreError.exists(path, hint: "it was left untouched; choose another file, or add --force to replace it")
            } catch {
                throw StoreError.unwritable(path, error.description)
            }
            unlink(temporary)
        }
        try flush(split(path).directory, directory: true)
    }

    /// `fsync(2)` on a file or a directory.
    static func flush(_ path: String, directory: Bool) throws {
        let descriptor: Int32
        do throws(Errno) {
            descriptor = try Syscall.open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC)
        } catch { throw StoreError.unwritable(path, error.description) }
        defer { try? Syscall.close(descriptor) }
        do throws(Errno) {
            try Syscall.fsync(descriptor)
        } catch { throw StoreError.unwritable(path, "fsync: " + error.description) }
    }

    /// The directory holding `path` and the file's own name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
