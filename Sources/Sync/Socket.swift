import Glibc
import SystemCalls

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

    init(_ kind: Kind, _ what: String, _ error: Errno) {
        self.init(kind, "\(what): \(error)")
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
        do {
            return try Syscall.resolve(host: host, port: port, passive: passive)
        } catch {
            throw SocketError(.resolve, "cannot resolve \(host): \(error)")
        }
    }
}

/// A connected TCP socket. Owns its file descriptor and closes it once; not
/// `Sendable`: one thread uses it at a time.
public final class Connection {
    private var fd: Int32
    public let peer: String
    /// Reused by every `receive`, so reading a frame allocates only its bytes.
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// Takes ownership of `fd`, a connected non-blocking stream socket.
    init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
        // Only latency depends on it: a socket that refuses still works.
        try? Syscall.setOption(fd, level: Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    deinit { close() }

    /// Connects to `endpoint`, trying each address it resolves to, within `timeout` seconds.
    public static func connect(to endpoint: Endpoint, timeout: Double) throws -> Connection {
        var lastError = SocketError(.connect, "cannot connect to \(endpoint)")
        let refused = SocketError(.refused, "\(endpoint) refused the connection (is the hub running?)")
        for (family, address) in try endpoint.resolve(passive: false) {
            let fd: Int32
            do {
                fd = try Syscall.streamSocket(family: family)
            } catch {
                lastError = SocketError(.connect, "socket", error)
                continue
            }
            do throws(Errno) {
                do {
                    try Syscall.connect(fd, to: address)
                } catch where error == .inProgress {
                    guard try Syscall.wait(fd: fd, events: Int16(POLLOUT), deadlineMillis: Connection.deadline(timeout)) else {
                        lastError = SocketError(.timeout, "no answer from \(endpoint) within \(Int(timeout)) s")
                        try? Syscall.close(fd)
                        continue
                    }
                    if let failure = try Syscall.pendingError(fd) { throw failure }
                }
                return Connection(fd: fd, peer: endpoint.description)
            } catch {
                lastError = error == .connectionRefused ? refused : SocketError(.connect, "cannot connect to \(endpoint)", error)
                try? Syscall.close(fd)
            }
        }
        throw lastError
    }

    /// Sends every byte, or throws; gives up after `timeout` seconds without progress.
    public func send(_ bytes: [UInt8], timeout: Double) throws {
        var offset = 0
        while offset < bytes.count {
            guard fd >= 0 else { throw SocketError(.closed, "the connection is closed") }
            do {
                offset += try Syscall.send(fd, bytes[offset...])
            } catch where error == .wouldBlock {
                guard try wait(for: Int16(POLLOUT), timeout: timeout) else {
                    throw SocketError(.timeout, "\(peer) stopped reading for \(Int(timeout)) s")
                }
            } catch {
                throw SocketError(.io, "sending to \(peer)", error)
            }
        }
    }

    /// Receives up to `maximum` bytes, waiting at most `timeout` seconds;
    /// an empty result means the peer closed the connection.
    public func receive(maximum: Int, timeout: Double) throws -> [UInt8] {
        while true {
            guard fd >= 0 else { throw SocketError(.closed, "the connection is closed") }
            do {
                let count = try Syscall.receive(fd, into: &buffer, maximum: maximum)
                return Array(buffer[0..<count])
            } catch where error == .wouldBlock {
                guard try wait(for: Int16(POLLIN), timeout: timeout) else {
                    throw SocketError(.timeout, "\(peer) sent nothing for \(Int(timeout)) s")
                }
            } catch {
                throw SocketError(.io, "receiving from \(peer)", error)
            }
        }
    }

    /// The socket, for a TLS session that runs over it (and never closes it).
    public var descriptor: Int32 { fd }

    /// The first byte the peer sent, left in the socket; nil if the peer
    /// closed or sent nothing within `timeout` seconds.
    func peekFirstByte(timeout: Double) -> UInt8? {
        var byte: [UInt8] = [0]
        let deadline = Connection.deadline(timeout)
        while fd >= 0 {
            do throws(Errno) {
                return try Syscall.receive(fd, into: &byte, maximum: 1, flags: Int32(MSG_PEEK)) == 1 ? byte[0] : nil
            } catch where error == .wouldBlock {
                guard (try? Syscall.wait(fd: fd, events: Int16(POLLIN), deadlineMillis: deadline)) == true else { return nil }
            } catch {
                return nil
            }
        }
        return nil
    }

    /// Closes the socket; EINTR from `close` counts as closed.
    public func close() {
        if fd >= 0 {
            try? Syscall.close(fd)
            fd = -1
        }
    }

    /// Waits up to `timeout` seconds for the socket to be ready for `events`.
    private func wait(for events: Int16, timeout: Double) throws -> Bool {
        do {
            return try Syscall.wait(fd: fd, events: events, deadlineMillis: Connection.deadline(timeout))
        } catch {
            throw SocketError(.io, "waiting for \(peer)", error)
        }
    }

    /// `timeout` seconds from now on `MonotonicClock`.
    static func deadline(_ timeout: Double) -> Int64 {
        MonotonicClock.nowMillis() + Int64(timeout * 1000)
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
            guard let fd = try? Syscall.streamSocket(family: family) else { continue }
            do throws(Errno) {
                try Syscall.setOption(fd, level: SOL_SOCKET, SO_REUSEADDR, 1)
                try Syscall.bindAndListen(fd, to: address, backlog: backlog)
                let port = try Syscall.localPort(fd)
                self.fd = fd
                self.endpoint = Endpoint(host: requested.host, port: port)
                return
            } catch {
                lastError = SocketError(.bind, "cannot listen on \(requested)", error)
                try? Syscall.close(fd)
            }
        }
        throw lastError
    }

    deinit { close() }

    /// Waits up to `timeout` seconds for a connection; nil if none came, or
    /// if it was aborted before it could be taken. Throws the `Errno` when the
    /// process or system has run out of descriptors or memory
    /// (`Errno.isResourceExhaustion`): the caller must wait before trying again,
    /// since the connection stays queued and `poll` reports it at once.
    public func accept(timeout: Double) throws -> Connection? {
        guard fd >= 0 else { throw SocketError(.closed, "the listener is closed") }
        guard try Syscall.wait(fd: fd, events: Int16(POLLIN), deadlineMillis: Connection.deadline(timeout)) else { return nil }
        let accepted: (fd: Int32, peer: String)
        do {
            accepted = try Syscall.accept(fd)
        } catch {
            if error == .wouldBlock || error == .connectionAborted { return nil }
            throw error
        }
        return Connection(fd: accepted.fd, peer: accepted.peer)
    }

    public func close() {
        if fd >= 0 {
            try? Syscall.close(fd)
            fd = -1
        }
    }
}

@available(*, unavailable)
extension Listener: Sendable {}
