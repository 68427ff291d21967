import SystemCalls

/// How long the hub's accept loop waits after `accept` fails: 10 ms, then
/// twice as long after each further failure, up to 1 s, until a connection
/// is accepted again. The listener reports a connection it could not take as
/// ready at once, so without the wait the loop would spin on the CPU for as
/// long as the process is out of descriptors (EMFILE), the system is
/// (ENFILE), or the kernel is short of memory (ENOBUFS, ENOMEM). Aborted
/// connections and signals never get here: `Listener.accept` retries those.
struct AcceptBackoff {
    static let firstPauseMillis = 10
    static let longestPauseMillis = 1000

    /// The pause after the latest failure; 0 outside an episode of failures.
    private(set) var pauseMillis = 0
    private var failures = 0
    private var startedMillis: Int64 = 0

    /// Records a failure: how long to wait now, and whether it began an
    /// episode (log it then, and not again until it ends).
    mutating func failed(nowMillis: Int64 = MonotonicClock.nowMillis()) -> (millis: Int, startsEpisode: Bool) {
        let starts = failures == 0
        if starts { startedMillis = nowMillis }
        failures += 1
        pauseMillis = starts ? Self.firstPauseMillis : min(pauseMillis * 2, Self.longestPauseMillis)
        return (pauseMillis, starts)
    }

    /// Records an accepted connection; returns the episode it ended, if one
    /// was under way.
    mutating func succeeded(nowMillis: Int64 = MonotonicClock.nowMillis()) -> (failures: Int, millis: Int64)? {
        guard failures > 0 else { return nil }
        defer { failures = 0; pauseMillis = 0 }
        return (failures, nowMillis - startedMillis)
    }
}
