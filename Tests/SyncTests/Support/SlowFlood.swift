import Foundation
import Glibc
import Synchronization

/// Many connections that never become devices, held open against a hub from
/// another loopback address (as an attacker elsewhere on the network would
/// be): half send a byte a second (the start of a TLS record, then junk), half
/// send nothing. Whenever the hub drops one, it reconnects a second later, so
/// the pressure lasts as long as the flood runs. One thread drives them all.
final class SlowFlood: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let opened = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let holding = Atomic<Int>(0)

    /// Starts `count` connections from `source` (any 127.x.y.z address) to 127.0.0.1:`port`.
    init(connections count: Int, to port: UInt16, from source: String = "127.0.0.2") {
        Thread { [self] in
            run(count: count, port: port, source: source)
            finished.store(true, ordering: .sequentiallyConsistent)
        }.start()
    }

    static func with<T>(connections count: Int, to port: UInt16, from source: String = "127.0.0.2",
                        _ body: (SlowFlood) throws -> T) rethrows -> T {
        let flood = SlowFlood(connections: count, to: port, from: source)
        defer { flood.stop() }
        return try body(flood)
    }

    /// Connections made so far, reconnections included.
    var connectionsOpened: Int { opened.load(ordering: .sequentiallyConsistent) }
    /// Connections the hub (or the network) ended so far.
    var connectionsDropped: Int { dropped.load(ordering: .sequentiallyConsistent) }
    /// Connections open right now.
    var connectionsHeld: Int { holding.load(ordering: .sequentiallyConsistent) }

    /// Waits until `count` connections have been opened, at most `seconds`.
    func waitUntilOpened(_ count: Int, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while connectionsOpened < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return connectionsOpened >= count
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        let deadline = Date().addingTimeInterval(5)
        while !finished.load(ordering: .sequentiallyConsistent) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    private struct Slot {
        var fd: Int32 = -1
        var sent = 0
        var nextAction: Double = 0
        let trickles: Bool
    }

    private func run(count: Int, port: UInt16, source: String) {
        var slots = (0 ..< count).map { Slot(trickles: $0 % 2 == 0) }
        // A TLS handshake record header announcing 512 bytes, then junk: the
        // hub waits in its TLS handshake for bytes that come a second apart.
        let trickle: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00] + Array(repeating: 0x5A, count: 600)
        defer {
            for slot in slots where slot.fd >= 0 { Glibc.close(slot.fd) }
            holding.store(0, ordering: .sequentiallyConsistent)
        }
        let started = Date()
        while !stopping.load(ordering: .sequentiallyConsistent) {
            let now = Date().timeIntervalSince(started)
            for index in slots.indices {
                if slots[index].fd < 0 {
                    guard now >= slots[index].nextAction, let fd = SlowFlood.connect(port: port, from: source) else { continue }
                    slots[index].fd = fd
                    slots[index].sent = 0
                    slots[index].nextAction = now
                    opened.add(1, ordering: .sequentiallyConsistent)
                    holding.add(1, ordering: .sequentiallyConsistent)
                    continue
                }
                var byte: UInt8 = 0
                let read = recv(slots[index].fd, &byte, 1, Int32(MSG_DONTWAIT))
                var closed = read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ENOTCONN)
                if !closed, slots[index].trickles, now >= slots[index].nextAction {
                    let next = trickle[slots[index].sent % trickle.count]
                    let sent = withUnsafePointer(to: next) { send(slots[index].fd, $0, 1, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                    if sent == 1 {
                        slots[index].sent += 1
                        slots[index].nextAction = now + 1
                    } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN {
                        closed = true
                    }
                }
                if closed {
                    Glibc.close(slots[index].fd)
                    slots[index].fd = -1
                    slots[index].nextAction = now + 1
                    dropped.add(1, ordering: .sequentiallyConsistent)
                    holding.subtract(1, ordering: .sequentiallyConsistent)
                }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// A non-blocking connection from `source` to 127.0.0.1:`port`, under way or made; nil if refused at once.
    private static func connect(port: UInt16, from source: String) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        var local = RelayProxy.loopback(port: 0, host: source)
        var remote = RelayProxy.loopback(port: port)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, size) } }
        guard bound == 0, connected == 0 || errno == EINPROGRESS else {
            Glibc.close(fd)
            return nil
        }
        return fd
    }
}
