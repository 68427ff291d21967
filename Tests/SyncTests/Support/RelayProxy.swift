import Foundation
import Glibc
import Synchronization
import TestSupport

/// A TCP relay on 127.0.0.1 between devices and a hub: what a router, a
/// café's Wi-Fi or an attacker on the path sees and can do. It forwards both
/// ways (half-closes included), records every byte of every connection, and
/// can damage a connection on the way (`Fault`): flip one bit, cut it, or
/// trickle it. A device reaches it by an enrolment code whose address is the
/// relay's (`hub enroll --address RELAY`).
///
/// `RelayProxy.with` stops it when the body returns, so no test leaves its
/// threads or sockets behind.
final class RelayProxy: Sendable {
    /// What the relay does to one connection.
    struct Fault: Sendable, CustomStringConvertible {
        /// Flip bit 0 of the device → hub byte at this offset (counted from
        /// the connection's first byte, TLS handshake included).
        var flipToHubAt: Int?
        /// Flip bit 0 of the hub → device byte at this offset.
        var flipToDeviceAt: Int?
        /// Close both sides once this many device → hub bytes have passed.
        var cutToHubAfter: Int?
        /// Close both sides once this many hub → device bytes have passed.
        var cutToDeviceAfter: Int?
        /// Wait this long before forwarding each chunk read, either way.
        var trickleMillis = 0

        static let none = Fault()

        var description: String {
            var parts: [String] = []
            if let flipToHubAt { parts.append("flip byte \(flipToHubAt) to the hub") }
            if let flipToDeviceAt { parts.append("flip byte \(flipToDeviceAt) to the device") }
            if let cutToHubAfter { parts.append("cut after \(cutToHubAfter) bytes to the hub") }
            if let cutToDeviceAfter { parts.append("cut after \(cutToDeviceAfter) bytes to the device") }
            if trickleMillis > 0 { parts.append("trickle \(trickleMillis) ms") }
            return parts.isEmpty ? "clean" : parts.joined(separator: ", ")
        }
    }

    /// The bytes of one connection, each way, as the peers sent them.
    struct Capture: Sendable {
        var toHub: [UInt8] = []
        var toDevice: [UInt8] = []
        var fault = Fault.none
    }

    let port: UInt16
    var address: String { "127.0.0.1:\(port)" }

    private let listener: Int32
    private let target: Atomic<UInt16>
    private let fault: Mutex<@Sendable (Int) -> Fault>
    private let captures = Mutex<[Capture]>([])
    /// Sockets of open connections, so `stop` can wake their threads; each
    /// thread removes its own before closing them.
    private let open = Mutex<[Int: (Int32, Int32)]>([:])
    private let running = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

    /// Listens on an ephemeral port of 127.0.0.1 and forwards each connection
    /// to 127.0.0.1:`targetPort`, damaging connection number n (from 0) as
    /// `fault(n)` says.
    init(to targetPort: UInt16, fault: @escaping @Sendable (Int) -> Fault = { _ in .none }) throws {
        Child.ignoreBrokenPipes()
        target = Atomic(targetPort)
        self.fault = Mutex(fault)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RelayError("socket: \(String(cString: strerror(errno)))") }
        var address = RelayProxy.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 256) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw RelayError("bind/listen: \(reason)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        running.add(1, ordering: .sequentiallyConsistent)
        Thread { [self] in acceptLoop() }.start()
    }

    static func with<T>(to targetPort: UInt16, fault: @escaping @Sendable (Int) -> Fault = { _ in .none },
                        _ body: (RelayProxy) throws -> T) throws -> T {
        let proxy = try RelayProxy(to: targetPort, fault: fault)
        defer { proxy.stop() }
        return try body(proxy)
    }

    /// Sends later connections to 127.0.0.1:`port` instead.
    func retarget(_ port: UInt16) { target.store(port, ordering: .sequentiallyConsistent) }

    /// Changes what later connections suffer.
    func setFault(_ fault: @escaping @Sendable (Int) -> Fault) { self.fault.withLock { $0 = fault } }

    /// Every connection so far, in the order they were accepted.
    var connections: [Capture] { captures.withLock { $0 } }

    /// Everything recorded, both ways, every connection.
    var allBytes: [UInt8] { connections.reduce(into: []) { $0 += $1.toHub + $1.toDevice } }

    /// Stops accepting, ends every open connection and waits for the threads.
    func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
        open.withLock { sockets in
            for (a, b) in sockets.values {
                _ = Glibc.shutdown(a, Int32(SHUT_RDWR))
                _ = Glibc.shutdown(b, Int32(SHUT_RDWR))
            }
        }
        let deadline = Date().addingTimeInterval(5)
        while running.load(ordering: .sequentiallyConsistent) > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    private func acceptLoop() {
        defer {
            Glibc.close(listener)
            running.subtract(1, ordering: .sequentiallyConsistent)
        }
        while !stopping.load(ordering: .sequentiallyConsistent) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let device = accept(listener, nil, nil)
            guard device >= 0 else { continue }
            guard let hub = RelayProxy.connect(port: target.load(ordering: .sequentiallyConsistent)) else {
                Glibc.close(device)
                continue
            }
            let (index, fault) = captures.withLock { captures in
                let fault = self.fault.withLock { $0 }(captures.count)
                captures.append(Capture(fault: fault))
                return (captures.count - 1, fault)
            }
            open.withLock { $0[index] = (device, hub) }
            running.add(1, ordering: .sequentiallyConsistent)
            Thread { [self] in
                relay(index, device: device, hub: hub, fault: fault)
                running.subtract(1, ordering: .sequentiallyConsistent)
            }.start()
        }
    }

    /// Moves bytes both ways until both sides have closed (or the fault cuts it).
    private func relay(_ index: Int, device: Int32, hub: Int32, fault: Fault) {
        defer {
            open.withLock { _ = $0.removeValue(forKey: index) }
            Glibc.close(device)
            Glibc.close(hub)
        }
        var toHub = 0, toDevice = 0
        var deviceOpen = true, hubOpen = true
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while deviceOpen || hubOpen {
            var pollers = [pollfd(fd: deviceOpen ? device : -1, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: hubOpen ? hub : -1, events: Int16(POLLIN), revents: 0)]
            guard poll(&pollers, 2, 200) >= 0 || errno == EINTR else { return }
            if stopping.load(ordering: .sequentiallyConsistent) { return }
            for (side, poller) in pollers.enumerated() where poller.revents != 0 {
                let fromDevice = side == 0
                let source = fromDevice ? device : hub, sink = fromDevice ? hub : device
                let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    // EOF (or reset): pass the half-close on, keep the other way open.
                    if count < 0 { return }
                    _ = Glibc.shutdown(sink, Int32(SHUT_WR))
                    if fromDevice { deviceOpen = false } else { hubOpen = false }
                    continue
                }
                var chunk = Array(buffer[0 ..< count])
                let passed = fromDevice ? toHub : toDevice
                captures.withLock { captures in
                    if fromDevice { captures[index].toHub += chunk } else { captures[index].toDevice += chunk }
                }
                if fault.trickleMillis > 0 { Thread.sleep(forTimeInterval: Double(fault.trickleMillis) / 1000) }
                var cut = false
                if let limit = fromDevice ? fault.cutToHubAfter : fault.cutToDeviceAfter, passed + count >= limit {
                    chunk = Array(chunk.prefix(max(0, limit - passed)))
                    cut = true
                }
                if let offset = fromDevice ? fault.flipToHubAt : fault.flipToDeviceAt, offset >= passed, offset < passed + chunk.count {
                    chunk[offset - passed] ^= 0x01
                }
                if fromDevice { toHub += count } else { toDevice += count }
                guard RelayProxy.sendAll(chunk, to: sink), !cut else { return }
            }
        }
    }

    private static func sendAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    static func loopback(port: UInt16, host: String = "127.0.0.1") -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        return address
    }

    /// A blocking connection to 127.0.0.1:`port`, or nil.
    static func connect(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            return nil
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}

struct RelayError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first && self[index ..< index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
