import Glibc
import Store
import SystemCalls

/// Where an export goes. Everything is written first to a temporary file or
/// directory beside the target (same directory, so the same file system),
/// flushed to disk, and only then renamed into place: the target holds a
/// whole export or is left as it was, never half of one.
///
/// Temporary names start with a dot and hold "fieldnotes-tmp", and are made
/// by `mkstemp`/`mkdtemp`, so exports are created readable by their owner only.
final class OutputTarget {
    let path: String
    let isDirectory: Bool
    private let parent: String
    private let base: String
    /// What is at the target now: nil (nothing), or whether it is a directory.
    private let existing: Bool?
    private var temporary: String?

    /// Checks the target before any work is done: refuses any of `store`'s
    /// own files, existing or not (`Store.ownFile`), and an existing path
    /// unless `force`; even then replaces only a regular file that is no
    /// SQLite database or WAL (so never a store), or a directory an earlier
    /// CSV export wrote (see `unreplaceable`).
    init(_ path: String, directory: Bool, force: Bool, store: String? = nil) throws {
        var trimmed = path
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.isEmpty, trimmed != "/", trimmed != ".", trimmed != ".." else {
            throw ExportError.invalid("'\(path)' cannot be an export's path", "name a new file or directory with --out")
        }
        self.path = trimmed
        self.isDirectory = directory
        if let slash = trimmed.lastIndex(of: "/") {
            parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
            base = String(trimmed[trimmed.index(after: slash)...])
        } else {
            parent = "."
            base = trimmed
        }
        guard base != ".", base != ".." else {
            throw ExportError.invalid("'\(path)' cannot be an export's path", "name a new file or directory with --out")
        }
        // The store's own files are refused first, whether they exist yet or not, with --force or without.
        if let store, let what = Store.ownFile(trimmed, ofStore: store) {
            throw ExportError.ownFile(trimmed, what)
        }
        var info = stat()
        if lstat(trimmed, &info) == 0 {
            existing = (info.st_mode & S_IFMT) == S_IFDIR
            guard force else { throw ExportError.exists(trimmed) }
            if let why = OutputTarget.unreplaceable(trimmed, info, directory: directory) {
                throw ExportError.cannotReplace(trimmed, why)
            }
        } else {
            existing = nil
        }
        var parentInfo = stat()
        guard stat(parent, &parentInfo) == 0 else { throw ExportError.unwritable(trimmed, Errno.current.description) }
        guard (parentInfo.st_mode & S_IFMT) == S_IFDIR else { throw ExportError.unwritable(trimmed, "\(parent) is not a directory") }
    }

    deinit { discard() }

    /// Writes a one-file export to a temporary file beside the target.
    func write(_ bytes: [UInt8]) throws {
        precondition(!isDirectory && temporary == nil)
        let descriptor: Int32
        do throws(Errno) {
            (descriptor, temporary) = try Syscall.makeTemporaryFile(prefix: "\(parent)/.\(base).fieldnotes-tmp-")
        } catch {
            throw failure(error)
        }
        try OutputTarget.write(bytes, to: descriptor, path: path)
    }

    /// Writes a directory export (`name` → content) to a temporary directory beside the target.
    func write(files: [(name: String, bytes: [UInt8])]) throws {
        precondition(isDirectory && temporary == nil)
        let directory: String
        do throws(Errno) {
            directory = try Syscall.makeTemporaryDirectory(prefix: "\(parent)/.\(base).fieldnotes-tmp-")
        } catch {
            throw failure(error)
        }
        temporary = directory
        for file in files {
            let descriptor: Int32
            do throws(Errno) {
                descriptor = try Syscall.open(directory + "/" + file.name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions: 0o600)
            } catch { throw failure(error) }
            try OutputTarget.write(file.bytes, to: descriptor, path: path)
        }
        try OutputTarget.syncDirectory(directory, path: path)
    }

    /// Moves the temporary export into place. An existing target (allowed
    /// by `force`) is replaced: a file by one atomic rename; a directory by
    /// moving it aside, renaming the new one in, and then deleting the old.
    func commit() throws {
        guard let temporary else { preconditionFailure("commit before write") }
        if existing == nil {
            // Nothing was there when we looked: refuse to clobber anything another process put there since.
            do throws(Errno) {
                try OutputTarget.renameNoReplace(temporary, path, directory: isDirectory)
            } catch {
                throw error == .fileExists ? ExportError.exists(path) : failure(error)
            }
        } else if existing == false && !isDirectory {
            do throws(Errno) { try Syscall.rename(temporary, path) } catch { throw failure(error) }
        } else {
            let aside = "\(parent)/.\(base).fieldnotes-old-\(getpid())"
            do throws(Errno) { try Syscall.rename(path, aside) } catch { throw failure(error) }
            do throws(Errno) {
                try Syscall.rename(temporary, path)
            } catch {
                try? Syscall.rename(aside, path)
                throw failure(error)
            }
            OutputTarget.removeTree(aside)
        }
        self.temporary = nil
        try OutputTarget.syncDirectory(parent, path: path)
    }

    /// Removes the temporary export, if any.
    func discard() {
        if let temporary { OutputTarget.removeTree(temporary) }
        temporary = nil
    }

    /// The target's absolute path, for the audit trail (the target's directory exists by now).
    var absolutePath: String {
        guard let directory = Syscall.realPath(parent) else { return path }
        return (directory == "/" ? "" : directory) + "/" + base
    }

    // MARK: What --force may replace

    /// Why `--force` must not replace what `lstat` found at `path`, or nil if
    /// it may: a regular file that is no SQLite database, WAL or sidecar file
    /// (the open store's own files are refused before, `Store.ownFile`), or (for a CSV export) a directory an
    /// earlier CSV export wrote. Links, devices, FIFOs and sockets are refused:
    /// the rename would replace the node itself, not write into it.
    static func unreplaceable(_ path: String, _ info: stat, directory: Bool) -> String? {
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            guard directory else { return "is a directory" }
            return isEarlierCSVExport(path) ? nil : "is a directory that no CSV export wrote"
        case S_IFREG:
            let header: [UInt8]
            do throws(Errno) {
                header = try prefix(of: path, count: 72)
            } catch {
                return "cannot be read to check that it is not a store (\(error))"
            }
            if let kind = sqliteKind(header) { return "is \(kind)" }
            if header.starts(with: Array("-----BEGIN ".utf8)) { return "is a PEM file (a key or certificate, such as a store's key file)" }
            for suffix in ["-wal", "-shm", "-journal"] where path.hasSuffix(suffix) {
                let database = String(path.dropLast(suffix.count))
                if isRegularFile(database), let header = try? prefix(of: database, count: 72), sqliteKind(header) != nil {
                    return "belongs to the SQLite database \(database)"
                }
            }
            return nil
        case S_IFLNK: return "is a symbolic link"
        case S_IFCHR, S_IFBLK: return "is a device"
        case S_IFIFO: return "is a named pipe (FIFO)"
        case S_IFSOCK: return "is a socket"
        default: return "is not a regular file"
        }
    }

    /// "an SQLite database" or "a fieldnotes store" from the first bytes of a
    /// file (the 16-byte header string; the application id, big-endian at
    /// offset 68, is "FNTS"), "an SQLite write-ahead log" from a WAL's magic
    /// number, or nil.
    static func sqliteKind(_ header: [UInt8]) -> String? {
        if header.starts(with: Array("SQLite format 3\0".utf8)) {
            let application = header.count >= 72 ? header[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : 0
            return application == 0x464E_5453 ? "a fieldnotes store" : "an SQLite database"
        }
        if header.starts(with: [0x37, 0x7F, 0x06, 0x82]) || header.starts(with: [0x37, 0x7F, 0x06, 0x83]) {
            return "an SQLite write-ahead log"
        }
        return nil
    }

    /// A directory a CSV export wrote: nothing but regular files named for
    /// its tables (`CSVExport.schema`), among them `notes.csv`, which starts
    /// with the byte order mark and the `id` column every export writes first.
    static func isEarlierCSVExport(_ path: String) -> Bool {
        let tables = Set(CSVExport.schema.map { $0.name + ".csv" })
        guard let names = entries(path), names.contains("notes.csv"),
              names.allSatisfy({ tables.contains($0) && isRegularFile(path + "/" + $0) }),
              let header = try? prefix(of: path + "/notes.csv", count: 6) else { return false }
        return header == [0xEF, 0xBB, 0xBF] + Array("id,".utf8)
    }

    /// Up to `count` bytes from the start of a regular file (never following
    /// a link, never blocking); throws why it cannot be read.
    static func prefix(of path: String, count: Int) throws(Errno) -> [UInt8] {
        let descriptor = try Syscall.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        defer { try? Syscall.close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try Syscall.read(descriptor, into: &bytes, at: filled)
            if got == 0 { break }
            filled += got
        }
        return Array(bytes[..<filled])
    }

    // MARK: Plumbing

    private func failure(_ error: Errno) -> ExportError { ExportError.unwritable(path, error.description) }

    /// Writes everything (`Syscall` retries EINTR and short writes), fsyncs and closes.
    private static func write(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        defer { try? Syscall.close(descriptor) }
        do throws(Errno) {
            try Syscall.writeAll(descriptor, bytes)
            try Syscall.fsync(descriptor)
        } catch {
            throw ExportError.unwritable(path, error.description)
        }
    }

    private static func syncDirectory(_ directory: String, path: String) throws {
        guard let descriptor = try? Syscall.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) else { return }
        defer { try? Syscall.close(descriptor) }
        do throws(Errno) {
            try Syscall.fsync(descriptor)
        } catch where error == .invalidArgument {
            // Some file systems refuse fsync on a directory (EINVAL); the rename still happened.
        } catch {
            throw ExportError.unwritable(path, error.description)
        }
    }

    /// Moves `from` to `to` only if nothing is at `to`. A file is hard-linked
    /// (`link` fails with EEXIST rather than replace) and its temporary name
    /// removed; where links are not supported, and for a directory, `rename`
    /// (which cannot replace a non-empty directory or put a directory over a file).
    static func renameNoReplace(_ from: String, _ to: String, directory: Bool) throws(Errno) {
        if !directory {
            do throws(Errno) {
                try Syscall.link(from, to)
                unlink(from)
                return
            } catch {
                guard [EPERM, ENOTSUP, EOPNOTSUPP, EXDEV].contains(error.rawValue) else { throw error }
            }
        }
        try Syscall.rename(from, to)
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The names in a directory, without "." and "..", or nil if it cannot be read.
    static func entries(_ directory: String) -> [String]? {
        try? Syscall.directoryEntries(directory)
    }

    /// Deletes a file, or a directory and everything under it (not following symbolic links).
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in entries(path) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
