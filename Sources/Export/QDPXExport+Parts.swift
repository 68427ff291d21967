import Dispatch
import Synchronization

// Making the TextSources of a large project on both cores: the notes are cut
// into parts of `partSize`; this thread and one helper each take the next
// part not yet taken, and this thread hands the parts on in order (to the
// XML, or deflated already to the compressor) as soon as each is made. The
// output is the same as making them one after the other.
extension QDPXExport {
    /// Notes per part: small enough that the last parts end together, large enough that handing over costs nothing.
    static let partSize = 1_000

    /// Calls a `make` for each part of `0 ..< count`, `size` long (on this
    /// thread or a helper, each with its own `make` from `maker`, used for
    /// each part it makes there), and `take` with each result, in order, on this thread.
    static func inParts<Part: Sendable>(_ count: Int, size partSize: Int = QDPXExport.partSize,
                                        _ maker: @escaping @Sendable () -> (Range<Int>) -> Part, _ take: (Part) -> Void) {
        precondition(partSize > 0, "inParts: parts of \(partSize)")
        let parts = count / partSize + (count % partSize == 0 ? 0 : 1)
        @Sendable func range(_ part: Int) -> Range<Int> { part * partSize ..< (count - part * partSize <= partSize ? count : (part + 1) * partSize) }
        guard parts > 1 else {
            if parts == 1 { take(maker()(range(0))) }
            return
        }
        let slots = PartSlots<Part>(parts)
        DispatchQueue.global().async {
            let make = maker()
            while let part = slots.claim() { slots.put(part, make(range(part))) }
        }
        let make = maker()
        var next = 0
        while let part = slots.claim() {
            slots.put(part, make(range(part)))
            while next < parts, let made = slots.take(next, waiting: false) {
                take(made)
                next += 1
            }
        }
        while next < parts, let made = slots.take(next, waiting: true) {
            take(made)
            next += 1
        }
    }
}

/// The parts being made: which is the next to claim, and each one made, until taken.
final class PartSlots<Part: Sendable>: Sendable {
    private struct State {
        var claimed = 0
        var made: [Part?]
    }
    private let count: Int
    private let state: Mutex<State>
    /// Signalled once per part put.
    private let ready = DispatchSemaphore(value: 0)

    init(_ count: Int) {
        self.count = count
        state = Mutex(State(made: Array(repeating: nil, count: count)))
    }

    /// The next part nobody has claimed; nil when all are.
    func claim() -> Int? {
        state.withLock { state in
            guard state.claimed < count else { return nil }
            defer { state.claimed += 1 }
            return state.claimed
        }
    }

    func put(_ part: Int, _ made: Part) {
        state.withLock { $0.made[part] = made }
        ready.signal()
    }

    /// Part `part` once made (and lets go of it), waiting for it if `waiting`;
    /// nil if it is not made yet and not `waiting`.
    func take(_ part: Int, waiting: Bool) -> Part? {
        while true {
            let made = state.withLock { state -> Part? in
                defer { state.made[part] = nil }
                return state.made[part]
            }
            if let made { return made }
            guard waiting else { return nil }
            ready.wait()
        }
    }
}
