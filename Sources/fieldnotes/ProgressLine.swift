import Glibc
import SystemCalls

/// One line on standard error saying how a long job is going (an import, a
/// sync, an export): shown only when standard error is a terminal and not
/// `--quiet`, only once the job has run for `delayMillis`, rewritten in place
/// with `\r` and cleared when the job ends. The layers below report through
/// closures; this is the only place that prints progress.
final class ProgressLine {
    private let enabled: Bool
    private let started = MonotonicClock.nowMillis()
    private let delayMillis: Int64
    private var lastDrawn: Int64 = 0
    private var shown = false
    private var pending: String?
    private var drawnText: String?

    /// How long a job runs before its progress shows: a second.
    /// `FIELDNOTES_PROGRESS_DELAY_MS` changes it, so tests can see the line
    /// without a job that really takes a second.
    static var delayMillis: Int64 {
        Context.environment("FIELDNOTES_PROGRESS_DELAY_MS").flatMap { Int64($0) }.map { max(0, $0) } ?? 1000
    }

    init(_ context: Context) {
        enabled = !context.quiet && isatty(2) == 1
        delayMillis = Self.delayMillis
    }

    /// Shows `text` as the job's state (at most ten times a second).
    func update(_ text: String) {
        guard enabled, text != drawnText else { return }
        pending = text
        let now = MonotonicClock.nowMillis()
        guard now - started >= delayMillis, !shown || now - lastDrawn >= 100 else { return }
        draw(now)
    }

    private func draw(_ now: Int64) {
        guard let text = pending else { return }
        // One line even on a narrow terminal: a wrapped line cannot be rewritten with \r.
        let line = "fieldnotes: " + TerminalText.escaped(text).clipped(Self.width - 13)
        try? Syscall.writeAll(2, Array(("\r" + line + "\u{1B}[K").utf8))
        shown = true
        drawnText = text
        lastDrawn = now
        pending = nil
    }

    /// Clears the line, if it was shown; call when the job ends, however it ends.
    func finish() {
        guard shown else { return }
        try? Syscall.writeAll(2, Array("\r\u{1B}[K".utf8))
        shown = false
        drawnText = nil
    }

    /// The terminal's width in columns ($COLUMNS, else 80).
    static var width: Int {
        Context.environment("COLUMNS").flatMap { Int($0) }.map { max(20, $0) } ?? 80
    }
}
