import Glibc

/// The one place this module calls the system: EINTR is retried here, and a
/// failure becomes `errno`'s text for a `TLSError`.
enum Syscall {
    struct Failure: Error {
        let code: Int32
        var text: String { String(cString: strerror(code)) }
    }

    /// Runs `call` until it does not fail with EINTR; a result of -1 throws `errno`.
    static func retrying<Result: BinaryInteger>(_ call: () -> Result) throws(Failure) -> Result {
        while true {
            let result = call()
            if result != -1 { return result }
            let code = errno
            if code != EINTR { throw Failure(code: code) }
        }
    }

    /// Waits with `poll(2)` until `fd` is ready for `events` or `deadlineMillis`
    /// (on `MonotonicClock`) passes; returns false on the deadline. EINTR waits again
    /// for the time that remains.
    static func wait(fd: Int32, events: Int16, deadlineMillis: Int64) throws(Failure) -> Bool {
        while true {
            let remaining = deadlineMillis - MonotonicClock.nowMillis()
            if remaining <= 0 { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: remaining))
            if ready < 0 {
                let code = errno
                if code == EINTR { continue }
                throw Failure(code: code)
            }
            if ready == 0 { continue }   // poll's rounding: the loop re-checks the deadline
            if entry.revents & Int16(POLLNVAL) != 0 { throw Failure(code: EBADF) }
            // POLLERR and POLLHUP count as ready: the next read or write reports them.
            return true
        }
    }

    /// Closes `fd`; EINTR counts as closed (Linux has released the descriptor).
    static func close(_ fd: Int32) throws(Failure) {
        if Glibc.close(fd) == -1 {
            let code = errno
            if code != EINTR { throw Failure(code: code) }
        }
    }
}
