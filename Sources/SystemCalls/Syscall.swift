import Glibc

/// The one place fieldnotes calls the system (after swift-system's
/// `valueOrErrno` funnel): each wrapper names the C function it calls, retries
/// EINTR itself, and throws the `Errno` of any other failure. Every pointer
/// the kernel sees stays inside these functions.
public enum Syscall {
    /// Calls `call`, a system call that returns -1 and sets `errno` on
    /// failure, until it does not fail with EINTR; throws any other `errno`.
    public static func retrying<Result: BinaryInteger>(_ call: () -> Result) throws(Errno) -> Result {
        while true {
            let result = call()
            if result != -1 { return result }
            let error = Errno.current
            if error != .interrupted { throw error }
        }
    }

    /// For calls that return the error number itself (`pthread_create`,
    /// `posix_spawn`): throws it unless it is 0.
    public static func check(returned code: Int32) throws(Errno) {
        if code != 0 { throw Errno(rawValue: code) }
    }

    // MARK: Files

    /// `open(2)`; `permissions` applies with `O_CREAT`.
    public static func open(_ path: String, _ flags: Int32, permissions: mode_t = 0) throws(Errno) -> Int32 {
        try retrying { Glibc.open(path, flags, permissions) }
    }

    /// `close(2)`. EINTR counts as closed: Linux has released the number
    /// already, and closing again could close another thread's new file.
    public static func close(_ fd: Int32) throws(Errno) {
        if Glibc.close(fd) == -1 {
            let error = Errno.current
            if error != .interrupted { throw error }
        }
    }

    /// `read(2)` into `buffer[offset...]`; returns the count, 0 at the end of the file.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], at offset: Int = 0) throws(Errno) -> Int {
        precondition(offset >= 0 && offset <= buffer.count, "read offset outside the buffer")
        return try retrying {
            buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
        }
    }

    /// Reads until the end of the file, or until more than `limit` bytes
    /// have arrived (then returns `limit + 1` bytes, so the caller can tell).
    public static func readToEnd(_ fd: Int32, limit: Int = .max) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while bytes.count <= limit {
            let count = try read(fd, into: &buffer)
            if count == 0 { break }
            let room = limit - bytes.count
            bytes += buffer[0..<(count > room ? room + 1 : count)]
        }
        return bytes
    }

    /// `write(2)` of as much of `bytes` as the file takes at once; returns the count.
    public static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws(Errno) -> Int {
        try retrying { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
    }

    /// Writes every byte of `bytes`, calling `write(2)` again after a short write.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            offset += try write(fd, bytes[offset...])
        }
    }

    /// `fsync(2)`.
    public static func fsync(_ fd: Int32) throws(Errno) {
        _ = try retrying { Glibc.fsync(fd) }
    }

    /// `fchmod(2)`.
    public static func fchmod(_ fd: Int32, _ mode: mode_t) throws(Errno) {
        _ = try retrying { Glibc.fchmod(fd, mode) }
    }

    /// `fstat(2)`.
    public static func fstat(_ fd: Int32) throws(Errno) -> stat {
        var status = stat()
        _ = try retrying { Glibc.fstat(fd, &status) }
        return status
    }

    /// `pread(2)` into `buffer` from `offset` in the file; returns the count, 0 at the end of the file.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], fileOffset: Int) throws(Errno) -> Int {
        try retrying { buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, $0.count, off_t(fileOffset)) } }
    }

    /// `pwrite(2)` of every byte of `bytes` at `offset` in the file, again after a short write.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], fileOffset: Int) throws(Errno) {
        var done = 0
        while done < bytes.count {
            done += try retrying {
                bytes[done...].withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress, $0.count, off_t(fileOffset + done)) }
            }
        }
    }

    /// `ftruncate(2)`.
    public static func truncate(_ fd: Int32, length: Int) throws(Errno) {
        _ = try retrying { Glibc.ftruncate(fd, off_t(length)) }
    }

    /// `flock(2)`: `operation` is `LOCK_SH`, `LOCK_EX` or `LOCK_UN`, with
    /// `LOCK_NB` to throw `.wouldBlock` instead of waiting for another holder.
    public static func flock(_ fd: Int32, _ operation: Int32) throws(Errno) {
        _ = try retrying { lockFile(fd, operation) }
    }

    /// `realpath(3)`: `path` absolute, with every link, `.` and `..` resolved;
    /// nil if it cannot be (it does not exist, or a part is not searchable).
    public static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `rename(2)`: gives `from` the name `to`, replacing a file there.
    public static func rename(_ from: String, _ to: String) throws(Errno) {
        _ = try retrying { Glibc.rename(from, to) }
    }

    /// `link(2)`: a second name `to` for `from`; throws `.fileExists` rather than replace.
    public static func link(_ from: String, _ to: String) throws(Errno) {
        _ = try retrying { Glibc.link(from, to) }
    }

    /// `mkstemps(3)`: makes and opens a new file, readable and writable by its
    /// owner only, named `prefix` + six random characters + `suffix`; returns
    /// the descriptor and the name.
    public static func makeTemporaryFile(prefix: String, suffix: String = "") throws(Errno) -> (fd: Int32, path: String) {
        var template = Array((prefix + "XXXXXX" + suffix).utf8CString)
        let fd = try retrying {
            template.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return mkstemps(base, Int32(suffix.utf8.count))
            }
        }
        return (fd, String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// `mkdtemp(3)`: makes a new directory, mode 0700, named `prefix` + six
    /// random characters; returns its name.
    public static func makeTemporaryDirectory(prefix: String) throws(Errno) -> String {
        var template = Array((prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw Errno.current }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The names in a directory, without "." and "..", in the order the file
    /// system gives them.
    public static func directoryEntries(_ path: String) throws(Errno) -> [String] {
        guard let handle = opendir(path) else { throw Errno.current }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// `mkdir(2)`; false if something already exists at `path`.
    @discardableResult
    public static func makeDirectory(_ path: String, permissions: mode_t) throws(Errno) -> Bool {
        do throws(Errno) {
            _ = try retrying { Glibc.mkdir(path, permissions) }
            return true
        } catch where error == .fileExists {
            return false
        }
    }

    // MARK: Waiting

    /// Waits with `poll(2)` until `fd` is ready for `events` (`POLLIN`,
    /// `POLLOUT`) or `deadlineMillis` on `MonotonicClock` passes; false on the
    /// deadline. EINTR waits again for the time that remains. POLLERR and
    /// POLLHUP count as ready (the next read or write reports them); POLLNVAL
    /// throws EBADF.
    public static func wait(fd: Int32, events: Int16, deadlineMillis: Int64) throws(Errno) -> Bool {
        while true {
            let remaining = deadlineMillis - MonotonicClock.nowMillis()
            if remaining <= 0 { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = try retrying { Glibc.poll(&entry, 1, Int32(clamping: remaining)) }
            if ready == 0 { continue }   // poll's rounding: the loop re-checks the deadline
            if entry.revents & Int16(POLLNVAL) != 0 { throw .badFileDescriptor }
            return true
        }
    }

    /// Sleeps `milliseconds` (`nanosleep(2)`), going back to sleep for what
    /// remains after a signal.
    public static func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && Errno.current == .interrupted { request = remaining }
    }

    /// `waitpid(2)` for `pid` to end; returns its raw wait status.
    public static func waitForExit(of pid: pid_t) throws(Errno) -> Int32 {
        var status: Int32 = 0
        _ = try retrying { waitpid(pid, &status, 0) }
        return status
    }

    // MARK: Sockets

    /// `socket(2)` for a non-blocking, close-on-exec stream socket of `family`.
    public static func streamSocket(family: Int32) throws(Errno) -> Int32 {
        try retrying { Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0) }
    }

    /// `getaddrinfo(3)` for a stream socket: each address `host` and `port`
    /// resolve to, as its family and its `sockaddr` bytes (for `connect` and
    /// `bindAndListen`). `passive` asks for addresses to listen on.
    public static func resolve(host: String, port: UInt16, passive: Bool) throws(ResolveError) -> [(family: Int32, address: [UInt8])] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        var result: Int32
        repeat { result = getaddrinfo(host, String(port), &hints, &list) } while result == EAI_SYSTEM && Errno.current == .interrupted
        guard result == 0, let list else {
            throw ResolveError(description: result == EAI_SYSTEM ? Errno.current.description : String(cString: gai_strerror(result)))
        }
        defer { freeaddrinfo(list) }
        var out: [(Int32, [UInt8])] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                out.append((entry.pointee.ai_family, Array(UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen)))))
            }
            cursor = entry.pointee.ai_next
        }
        return out
    }

    /// `setsockopt(2)` of an integer option.
    public static func setOption(_ fd: Int32, level: Int32, _ name: Int32, _ value: Int32) throws(Errno) {
        var value = value
        _ = try retrying { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// `getsockopt(SO_ERROR)`: the socket's pending error, cleared by reading
    /// it (how a non-blocking `connect` reports its outcome); nil if none.
    public static func pendingError(_ fd: Int32) throws(Errno) -> Errno? {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying { getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) }
        return code == 0 ? nil : Errno(rawValue: code)
    }

    /// `connect(2)` to `address`, a `sockaddr` as bytes. On a non-blocking
    /// socket this throws `.inProgress`; an EINTR becomes `.inProgress` too,
    /// since the connection then goes on in the background (POSIX).
    public static func connect(_ fd: Int32, to address: [UInt8]) throws(Errno) {
        let result = address.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard result == -1 else { return }
        let error = Errno.current
        throw error == .interrupted ? .inProgress : error
    }

    /// `bind(2)` to `address`, a `sockaddr` as bytes, then `listen(2)`.
    public static func bindAndListen(_ fd: Int32, to address: [UInt8], backlog: Int32) throws(Errno) {
        _ = try retrying {
            address.withUnsafeBytes { raw in
                bind(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
        }
        _ = try retrying { listen(fd, backlog) }
    }

    /// `getsockname(2)`: the local port a socket is bound to.
    public static func localPort(_ fd: Int32) throws(Errno) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try retrying {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
        }
        // sin_port and sin6_port sit at the same offset.
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// `accept(2)` of one waiting connection, then `fcntl(2)` to make it
    /// non-blocking and close-on-exec; returns it and the peer's address as
    /// numeric `HOST:PORT` (`getnameinfo`). Throws `.wouldBlock` if none is waiting.
    public static func accept(_ fd: Int32) throws(Errno) -> (fd: Int32, peer: String) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = try retrying {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
            }
        }
        do throws(Errno) {
            _ = try retrying { fcntl(client, F_SETFD, FD_CLOEXEC) }
            let flags = try retrying { fcntl(client, F_GETFL) }
            _ = try retrying { fcntl(client, F_SETFL, flags | O_NONBLOCK) }
        } catch {
            try? close(client)
            throw error
        }
        return (client, describe(storage, length: length))
    }

    /// `send(2)` of as much of `bytes` as the socket takes now, with
    /// `MSG_NOSIGNAL` (a peer that has gone is EPIPE, never SIGPIPE) and any
    /// extra `flags`; returns the count.
    public static func send(_ fd: Int32, _ bytes: ArraySlice<UInt8>, flags: Int32 = 0) throws(Errno) -> Int {
        try retrying { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | flags) } }
    }

    /// `recv(2)` of at most `maximum` bytes into the start of `buffer`;
    /// returns the count, 0 when the peer has closed.
    public static func receive(_ fd: Int32, into buffer: inout [UInt8], maximum: Int, flags: Int32 = 0) throws(Errno) -> Int {
        let limit = min(maximum, buffer.count)
        return try retrying { buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, limit, flags) } }
    }

    /// A socket address as numeric `HOST:PORT` (`getnameinfo(3)`), or "unknown peer".
    static func describe(_ storage: sockaddr_storage, length: socklen_t) -> String {
        var storage = storage
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let result = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard result == 0 else { return "unknown peer" }
        func text(_ characters: [CChar]) -> String {
            String(decoding: characters.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return text(host) + ":" + text(service)
    }
}

/// `flock(2)` by a name of its own: inside `Syscall`, `flock` is `Syscall.flock`,
/// and `Glibc.flock` names the C struct.
private func lockFile(_ fd: Int32, _ operation: Int32) -> Int32 { flock(fd, operation) }

/// Why `Syscall.resolve` found no address: `gai_strerror(3)`'s words (or
/// the system error's, for `EAI_SYSTEM`).
public struct ResolveError: Error, Sendable, CustomStringConvertible {
    public let description: String
}
