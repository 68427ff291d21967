import Glibc
import SystemCalls

/// Starts a detached POSIX thread running `body` (`pthread_create`). Used
/// for one thread per hub session, without pulling Foundation into the CLI.
func startThread(_ body: @escaping @Sendable () -> Void) throws {
    final class Box: @unchecked Sendable {
        // Immutable after init and handed to exactly one thread.
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body))
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    do {
        try Syscall.check(returned: pthread_create(&thread, &attributes, { argument in
            guard let argument else { return nil }
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque()))
    } catch {
        box.release()
        throw SyncError("cannot start a thread: \(error)")
    }
}

