import CRDT
import Dispatch
import Glibc
import Synchronization

extension Store {
    /// Processors online: `list` reads on a second connection only with more than one.
    static let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}

/// Reads pieces of `list`'s records on a second connection, on another
/// thread, while the first reads too: each takes the next piece nobody has
/// taken. The first connection's thread takes the pieces in order (`take`):
/// one the other thread has taken it waits for; any other it reads itself.
/// Whatever the other thread cannot do (its connection does not open, a
/// read fails) is left for the first to do, so its errors are the ones seen.
final class PieceReader: Sendable {
    typealias Read = [(rid: Int64, record: VisibleRecord)]

    private struct State {
        /// The first piece no thread has taken yet: the first thread reads
        /// piece 0 while the other opens its connection.
        var next = 1
        /// The pieces the other thread has taken; as read once it has read them.
        var taken: Set<Int> = []
        var read: [Int: Read] = [:]
        var stopped = false
    }

    private let parts: [[Store.RecordRow]]
    private let state = Mutex(State())
    /// Signalled once per piece the other thread has taken, when it has been read (or failed).
    private let ready: [DispatchSemaphore]
    private let finished = DispatchSemaphore(value: 0)

    init(path: String, replica: ReplicaID, parts: [[Store.RecordRow]]) {
        self.parts = parts
        ready = parts.map { _ in DispatchSemaphore(value: 0) }
        DispatchQueue.global().async { [self] in
            defer { finished.signal() }
            let reader = try? Store.reader(at: path, replica: replica)
            while let index = claim() {
                let read = try? reader?.records(rows: parts[index])
                state.withLock { $0.read[index] = read }
                ready[index].signal()
            }
        }
    }

    /// The next piece for the other thread, or nil once all are taken or `stop` was called.
    private func claim() -> Int? {
        state.withLock { state in
            guard !state.stopped, state.next < parts.count else { return nil }
            state.taken.insert(state.next)
            defer { state.next += 1 }
            return state.next
        }
    }

    /// Piece `index` as the other thread read it, waiting for it if need
    /// be; nil when this thread is to read it (the other has not taken it,
    /// or could not read it). Called for each piece in order.
    func take(_ index: Int) -> Read? {
        let taken = state.withLock { state -> Bool in
            guard !state.taken.contains(index) else { return true }
            state.next = max(state.next, index + 1)
            return false
        }
        guard taken else { return nil }
        ready[index].wait()
        return state.withLock { $0.read.removeValue(forKey: index) }
    }

    /// Takes no more pieces and waits until the other thread is done with
    /// the one it has, so its connection is closed when `list` returns.
    func stop() {
        state.withLock { $0.stopped = true }
        finished.wait()
    }
}
