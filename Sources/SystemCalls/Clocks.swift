import Glibc

/// `CLOCK_MONOTONIC`: the clock every deadline and duration in fieldnotes is
/// measured on. `MonotonicClock.nowMillis() + 5_000` means "five seconds from
/// now", whatever happens to the wall clock meanwhile.
public enum MonotonicClock {
    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds.
    public static func nowNanoseconds() -> UInt64 {
        var now = timespec()
        // Fails only for an unknown clock id or a bad pointer: impossible by construction.
        let result = clock_gettime(CLOCK_MONOTONIC, &now)
        precondition(result == 0, "clock_gettime(CLOCK_MONOTONIC) failed")
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// `clock_gettime(CLOCK_MONOTONIC)` in milliseconds.
    public static func nowMillis() -> Int64 {
        Int64(nowNanoseconds() / 1_000_000)
    }
}

/// `CLOCK_REALTIME`: the time of day, for timestamps people and peers read
/// (hybrid logical clocks, expiry dates). It can jump; never time a wait on it.
public enum WallClock {
    /// Milliseconds since the Unix epoch (`clock_gettime(CLOCK_REALTIME)`);
    /// 0 for a clock set before 1970.
    public static func nowMillis() -> UInt64 {
        var now = timespec()
        // Fails only for an unknown clock id or a bad pointer: impossible by construction.
        let result = clock_gettime(CLOCK_REALTIME, &now)
        precondition(result == 0, "clock_gettime(CLOCK_REALTIME) failed")
        return UInt64(max(0, now.tv_sec)) * 1000 + UInt64(max(0, now.tv_nsec)) / 1_000_000
    }
}
