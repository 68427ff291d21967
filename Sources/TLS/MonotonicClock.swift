import Glibc

/// Milliseconds on `CLOCK_MONOTONIC`, the clock every deadline in this module
/// is measured on: `deadlineMillis: MonotonicClock.nowMillis() + 5_000` means
/// "within five seconds from now", unaffected by changes to the wall clock.
public enum MonotonicClock {
    /// `clock_gettime(CLOCK_MONOTONIC)` in milliseconds.
    public static func nowMillis() -> Int64 {
        var now = timespec()
        // Fails only for an unknown clock id or a bad pointer, neither possible here.
        let result = clock_gettime(CLOCK_MONOTONIC, &now)
        precondition(result == 0, "clock_gettime(CLOCK_MONOTONIC) failed")
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
