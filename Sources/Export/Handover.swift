import Dispatch
import Synchronization

/// A value made on another thread, handed to the thread that waits for it
/// (`Exporter.sideBySide`): `put` once, `take` once.
final class Handover<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func put(_ made: Value) {
        value.withLock { $0 = made }
        done.signal()
    }

    /// Waits until `put` has been called, then returns what it was given.
    func take() -> Value? {
        done.wait()
        return value.withLock { $0 }
    }
}
