import Dispatch
import Synchronization

/// A value made on another thread, handed to the thread that waits for it
/// (`Exporter.sideBySide`, `NoteScan`): `put` once, then `take` as often as wanted.
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
        // The next `take` finds it done too.
        defer { done.signal() }
        return value.withLock { $0 }
    }
}

/// A value handed to another thread to be let go of there (`Exporter.release`):
/// whichever thread releases the parcel itself, `empty()` is where the value goes.
final class Parcel<Value: Sendable>: Sendable {
    private let value: Mutex<Value?>

    init(_ value: consuming Value) {
        self.value = Mutex(value)
    }

    /// Lets go of the value, on the calling thread.
    func empty() {
        _ = value.withLock { $0.take() }
    }
}
