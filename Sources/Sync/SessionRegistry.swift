import Glibc
import Synchronization
import SystemCalls

/// The hub's connections, in two pools: those still in the TLS handshake or
/// the Hello (unauthenticated), and the sessions of identified devices, at
/// most one per device. The accept thread admits and evicts; each serving
/// thread promotes its connection once the device is known and removes it
/// before it closes the socket, so a socket is only ever shut down here
/// while its owner still holds it open.
final class SessionRegistry: Sendable {
    struct Ticket: Hashable, Sendable { let id: UInt64 }

    enum Promotion: Sendable { case admitted, busy, full }

    private struct Entry {
        let fd: Int32
        let address: String
        let admitted: Int64
        /// Finished its TLS handshake: a device sends its Hello at once.
        var handshaken = false
        var device: String?
    }

    private struct State {
        var next: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
    }

    private let state = Mutex(State())

    /// A connection younger than this is not dropped once it has finished
    /// its TLS handshake, nor to keep its address within its share: a device
    /// connects, shakes hands and sends its Hello in milliseconds.
    static let minimumAgeToEvictMillis: Int64 = 1000

    /// Admits a new connection to the unauthenticated pool, making room when
    /// needed:
    /// - an address may hold `maxUnauthenticatedPerAddress` waiting
    ///   connections; past that, its oldest one goes if it has waited a
    ///   second or more, else the new one is refused (nil);
    /// - when the whole pool is full, the oldest connection still in its TLS
    ///   handshake goes; failing that, the oldest that finished it a second
    ///   or more ago and has still not been admitted (a peer that shakes
    ///   hands and then says nothing); failing that, the new one is refused.
    /// A device that connects honestly is past all this within milliseconds,
    /// so peers that connect and trickle, from one address or several, can
    /// never hold the door shut for it.
    func admit(_ connection: Connection, address: String, settings: Hub.Settings) -> Ticket? {
        state.withLock { state in
            let now = MonotonicClock.nowMillis()
            func evict(_ candidates: [UInt64: Entry]) -> Bool {
                guard let oldest = candidates.min(by: { $0.value.admitted < $1.value.admitted }) else { return false }
                state.entries.removeValue(forKey: oldest.key)
                _ = Glibc.shutdown(oldest.value.fd, Int32(SHUT_RDWR))
                return true
            }
            let old = { (entry: Entry) in now - entry.admitted >= SessionRegistry.minimumAgeToEvictMillis }
            let waiting = state.entries.filter { $0.value.device == nil }
            let ours = waiting.filter { $0.value.address == address }
            if ours.count >= settings.maxUnauthenticatedPerAddress {
                guard evict(ours.filter { old($0.value) }) else { return nil }
            }
            if state.entries.values.filter({ $0.device == nil }).count >= settings.maxUnauthenticated {
                let stillWaiting = state.entries.filter { $0.value.device == nil }
                guard evict(stillWaiting.filter { !$0.value.handshaken }) || evict(stillWaiting.filter { old($0.value) }) else { return nil }
            }
            state.next += 1
            state.entries[state.next] = Entry(fd: connection.descriptor, address: address, admitted: now)
            return Ticket(id: state.next)
        }
    }

    /// The connection finished its TLS handshake: it is no longer dropped to make room.
    func markHandshaken(_ ticket: Ticket) {
        state.withLock { state in state.entries[ticket.id]?.handshaken = true }
    }

    /// Moves a connection into the sessions' pool as `device`'s session.
    func promote(_ ticket: Ticket, device: String, maxSessions: Int) -> Promotion {
        state.withLock { state in
            guard var entry = state.entries[ticket.id] else { return .full }
            if state.entries.values.contains(where: { $0.device == device }) { return .busy }
            if state.entries.values.filter({ $0.device != nil }).count >= maxSessions { return .full }
            entry.device = device
            state.entries[ticket.id] = entry
            return .admitted
        }
    }

    /// Forgets a connection; its owner closes the socket after this.
    func remove(_ ticket: Ticket) {
        _ = state.withLock { $0.entries.removeValue(forKey: ticket.id) }
    }

    /// Shuts down the open session of `device`, if any (it was revoked).
    func abortSession(of device: String) -> Bool {
        state.withLock { state in
            guard let (id, entry) = state.entries.first(where: { $0.value.device == device }) else { return false }
            state.entries.removeValue(forKey: id)
            _ = Glibc.shutdown(entry.fd, Int32(SHUT_RDWR))
            return true
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
    /// Sessions of identified devices.
    var deviceSessions: Int { state.withLock { $0.entries.values.count { $0.device != nil } } }
    var hasSessions: Bool { state.withLock { $0.entries.values.contains { $0.device != nil } } }
}
