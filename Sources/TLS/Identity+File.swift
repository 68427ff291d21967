import Glibc
import SystemCalls

extension Identity {
    /// The largest identity file `load` reads; a real one is under 1 KiB.
    static let maximumFileSize = 64 * 1024

    /// Writes the private key and then the certificate, as PEM, to a new file at `path`.
    ///
    /// The file is created with `open(O_CREAT | O_EXCL | O_WRONLY, 0600)`, so it is
    /// never readable by others, even for a moment, and an existing file (or
    /// symbolic link) is never replaced. It is written fully and `fsync`ed, then
    /// its directory is `fsync`ed so the new name survives a crash. On any
    /// failure the partial file is removed.
    public func save(path: String) throws {
        let pem = try pemEncoding()
        let fd: Int32
        do {
            fd = try Syscall.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, permissions: 0o600)
        } catch {
            if error == .fileExists {
                throw TLSError(.identity, "\(path) already exists; an identity file is never overwritten (move the old one away first if you mean to replace it)")
            }
            throw TLSError(.identity, "cannot create the identity file \(path): \(error)")
        }
        var closed = false
        do throws(Errno) {
            try Syscall.writeAll(fd, pem)
            try Syscall.fsync(fd)
            closed = true
            try Syscall.close(fd)
        } catch {
            // Never close twice: the number may already name another file.
            if !closed { _ = try? Syscall.close(fd) }
            unlink(path)
            throw TLSError(.identity, "cannot write the identity file \(path): \(error)")
        }
        let directory = Identity.directory(of: path)
        do {
            let directoryFD = try Syscall.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { _ = try? Syscall.close(directoryFD) }
            try Syscall.fsync(directoryFD)
        } catch {
            unlink(path)
            throw TLSError(.identity, "cannot sync the directory \(directory) after writing \(path): \(error)")
        }
    }

    /// Reads an identity file written by `save`.
    ///
    /// Refuses a file that is not a regular file owned by the current user, or
    /// that group or others may read or write (its mode must be `0600` or
    /// stricter; the message says to run `chmod 600 PATH`). Then parses the key
    /// and the certificate and checks that the certificate is for the key.
    public static func load(path: String) throws -> Identity {
        let fd: Int32
        do {
            fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        } catch {
            throw TLSError(.identity, "cannot open the identity file \(path): \(error)")
        }
        defer { _ = try? Syscall.close(fd) }

        // fstat the open descriptor, not the path: what is checked is what is read.
        let status: stat
        do {
            status = try Syscall.fstat(fd)
        } catch {
            throw TLSError(.identity, "cannot examine the identity file \(path): \(error)")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw TLSError(.identity, "the identity file \(path) is not a regular file")
        }
        guard status.st_uid == geteuid() else {
            throw TLSError(.identity, "the identity file \(path) belongs to user \(status.st_uid), not to you (user \(geteuid())); only its owner may use it")
        }
        let mode = status.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw TLSError(.identity, "the identity file \(path) can be used by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`")
        }
        guard Int(status.st_size) <= maximumFileSize else {
            throw TLSError(.identity, "\(path) is \(status.st_size) bytes, too large to be an identity file")
        }

        let pem: [UInt8]
        do {
            pem = try Syscall.readToEnd(fd, limit: maximumFileSize)
        } catch {
            throw TLSError(.identity, "cannot read the identity file \(path): \(error)")
        }
        guard pem.count <= maximumFileSize else {
            throw TLSError(.identity, "\(path) is too large to be an identity file")
        }
        return try parse(pem: pem, path: path)
    }

    /// The directory holding `path`, for `fsync` after creating a name in it.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }
}
