import Glibc
import Synchronization

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
        var device: String?
    }

    private struct State {
        var next: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
    }

    private let state = Mutex(State())

    /// Admits a new connection to the unauthenticated pool. If the pool, or
    /// this address's share of it, is full, the oldest such connection is
    /// shut down to make room: a peer that connects and trickles can never
    /// hold the door shut for a device that completes its handshake at once.
    func admit(_ connection: Connection, address: String, settings: Hub.Settings) -> Ticket {
        state.withLock { state in
            let waiting = state.entries.filter { $0.value.device == nil }
            let fromAddress = waiting.filter { $0.value.address == address }
            var victims: [UInt64] = []
            if fromAddress.count >= settings.maxUnauthenticatedPerAddress, let oldest = fromAddress.min(by: { $0.value.admitted < $1.value.admitted }) {
                victims.append(oldest.key)
            } else if waiting.count >= settings.maxUnauthenticated, let oldest = waiting.min(by: { $0.value.admitted < $1.value.admitted }) {
                victims.append(oldest.key)
            }
            for victim in victims {
                if let entry = state.entries.removeValue(forKey: victim) { _ = Glibc.shutdown(entry.fd, Int32(SHUT_RDWR)) }
            }
            state.next += 1
            state.entries[state.next] = Entry(fd: connection.descriptor, address: address, admitted: monotonicMillis())
            return Ticket(id: state.next)
        }
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
    var hasSessions: Bool { state.withLock { $0.entries.values.contains { $0.device != nil } } }
}
