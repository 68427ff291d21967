import Glibc
import TLS

/// A failure of the network layer: what happened, in words a person can act on.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case resolve, connect, refused, bind, io, timeout, closed }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func errno(_ kind: Kind, _ what: String) -> SocketError {
        SocketError(kind, "\(what): \(String(cString: strerror(Glibc.errno)))")
    }
}

/// `HOST:PORT`, with `[v6]:PORT` for IPv6 literals.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil if it is not of that form.
    public init?(_ text: String) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), !host.isEmpty else { return nil }
            self.init(host: host, port: port)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, !host.contains(":") else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The socket addresses this endpoint resolves to (`getaddrinfo`).
    func resolve(passive: Bool) throws -> [(family: Int32, address: [UInt8])] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let result = getaddrinfo(host, String(port), &hints, &list)
        guard result == 0, let list else {
            throw SocketError(.resolve, "cannot resolve \(host): \(String(cString: gai_strerror(result)))")
        }
        defer { freeaddrinfo(list) }
        var out: [(Int32, [UInt8])] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                let bytes = UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen))
                out.append((entry.pointee.ai_family, Array(bytes)))
            }
            cursor = entry.pointee.ai_next
        }
        return out
    }
}

/// A connected TCP socket. Owns its file descriptor and closes it once; not
/// `Sendable`: one thread uses it at a time.
public final class Connection {
    private var fd: Int32
    public let peer: String
    /// Reused by every `receive`, so reading a frame allocates only its bytes.
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// Connects to `endpoint`, trying each address it resolves to, within `timeout` seconds.
    public static func connect(to endpoint: Endpoint, timeout: Double) throws -> Connection {
        var lastError = SocketError(.connect, "cannot connect to \(endpoint)")
        for (family, address) in try endpoint.resolve(passive: false) {
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { lastError = .errno(.connect, "socket"); continue }
            let result = address.withUnsafeBytes { raw in
                Glibc.connect(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            if result != 0 && errno != EINPROGRESS {
                lastError = errno == ECONNREFUSED
                    ? SocketError(.refused, "\(endpoint) refused the connection (is the hub running?)")
                    : .errno(.connect, "cannot connect to \(endpoint)")
                Glibc.close(fd)
                continue
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = pollRetrying(&poller, milliseconds: Int32(timeout * 1000))
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if ready <= 0 {
                lastError = SocketError(.timeout, "no answer from \(endpoint) within \(Int(timeout)) s")
                Glibc.close(fd)
                continue
            }
            if code != 0 {
                lastError = code == ECONNREFUSED
                    ? SocketError(.refused, "\(endpoint) refused the connection (is the hub running?)")
                    : SocketError(.connect, "cannot connect to \(endpoint): \(String(cString: strerror(code)))")
                Glibc.close(fd)
                continue
            }
            return Connection(fd: fd, peer: endpoint.description)
        }
        throw lastError
    }

    /// Sends every byte, or throws; gives up after `timeout` seconds without progress.
    public func send(_ bytes: [UInt8], timeout: Double) throws {
        var offset = 0
        while offset < bytes.count {
            guard fd >= 0 else { throw SocketError(.closed, "the connection is closed") }
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
                continue
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK else {
                throw SocketError.errno(.io, "sending to \(peer)")
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard pollRetrying(&poller, milliseconds: Int32(timeout * 1000)) > 0 else {
                throw SocketError(.timeout, "\(peer) stopped reading for \(Int(timeout)) s")
            }
        }
    }

    /// Receives up to `maximum` bytes, waiting at most `timeout` seconds;
    /// an empty result means the peer closed the connection.
    public func receive(maximum: Int, timeout: Double) throws -> [UInt8] {
        let limit = min(maximum, buffer.count)
        while true {
            guard fd >= 0 else { throw SocketError(.closed, "the connection is closed") }
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, limit, 0) }
            if count >= 0 { return Array(buffer[0..<count]) }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw SocketError.errno(.io, "receiving from \(peer)") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard pollRetrying(&poller, milliseconds: Int32(timeout * 1000)) > 0 else {
                throw SocketError(.timeout, "\(peer) sent nothing for \(Int(timeout)) s")
            }
        }
    }

    /// The socket, for a TLS session that runs over it (and never closes it).
    public var descriptor: Int32 { fd }

    /// The first byte the peer sent, left in the socket; nil if the peer
    /// closed or sent nothing within `timeout` seconds.
    func peekFirstByte(timeout: Double) -> UInt8? {
        var byte: UInt8 = 0
        let deadline = monotonicMillis() + Int64(timeout * 1000)
        while fd >= 0 {
            let count = Glibc.recv(fd, &byte, 1, Int32(MSG_PEEK))
            if count == 1 { return byte }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return nil }
            let remaining = deadline - monotonicMillis()
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard pollRetrying(&poller, milliseconds: Int32(clamping: remaining)) > 0 else { return nil }
        }
        return nil
    }

    /// Closes the socket; EINTR from `close` counts as closed.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

@available(*, unavailable)
extension Connection: Sendable {}

/// A listening TCP socket.
public final class Listener {
    private var fd: Int32
    public let endpoint: Endpoint

    /// Binds and listens on `endpoint`; port 0 picks a free port, which
    /// `endpoint` then names.
    public init(_ requested: Endpoint, backlog: Int32 = 128) throws {
        var lastError = SocketError(.bind, "cannot listen on \(requested)")
        for (family, address) in try requested.resolve(passive: true) {
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = address.withUnsafeBytes { raw in
                bind(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            guard bound == 0, listen(fd, backlog) == 0 else {
                lastError = .errno(.bind, "cannot listen on \(requested)")
                Glibc.close(fd)
                continue
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let port: UInt16 = withUnsafeMutablePointer(to: &storage) { pointer in
                _ = pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            self.fd = fd
            self.endpoint = Endpoint(host: requested.host, port: port)
            return
        }
        throw lastError
    }

    deinit { close() }

    /// Waits up to `timeout` seconds for a connection; nil if none came.
    public func accept(timeout: Double) throws -> Connection? {
        guard fd >= 0 else { throw SocketError(.closed, "the listener is closed") }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard pollRetrying(&poller, milliseconds: Int32(timeout * 1000)) > 0 else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
        }
        guard client >= 0 else {
            if errno == EAGAIN || errno == EINTR || errno == ECONNABORTED { return nil }
            // Out of file descriptors: throw, so the accept loop backs off
            // instead of spinning on a connection it cannot take.
            throw SocketError.errno(.io, "accept")
        }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
        return Connection(fd: client, peer: Listener.describe(storage))
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    static func describe(_ storage: sockaddr_storage) -> String {
        var storage = storage
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let result = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count), &service, socklen_t(service.count),
                            NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard result == 0 else { return "unknown peer" }
        return String(decoding: host.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self) + ":"
            + String(decoding: service.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

@available(*, unavailable)
extension Listener: Sendable {}

/// `poll`, retried on EINTR with the time that is left. Returns poll's result.
func pollRetrying(_ poller: inout pollfd, milliseconds: Int32) -> Int32 {
    var remaining = Int64(milliseconds)
    while true {
        let start = monotonicMillis()
        let result = poll(&poller, 1, Int32(clamping: remaining))
        if result >= 0 || errno != EINTR { return result }
        remaining -= monotonicMillis() - start
        if remaining <= 0 { return 0 }
    }
}

/// Milliseconds of CLOCK_MONOTONIC: the TLS module's clock, so that deadlines
/// passed between the socket layer and TLS sessions agree.
func monotonicMillis() -> Int64 { MonotonicClock.nowMillis() }
