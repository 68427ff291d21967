import Glibc

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
    let result = pthread_create(&thread, &attributes, { argument in
        guard let argument else { return nil }
        let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
        box.body()
        return nil
    }, box.toOpaque())
    guard result == 0 else {
        box.release()
        throw SyncError("cannot start a thread: \(String(cString: strerror(result)))")
    }
}

/// Sleeps for `milliseconds`.
func sleepMillis(_ milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
