import Foundation
import Glibc
import Synchronization
import Testing

/// The `fieldnotes` executable SwiftPM built beside this test bundle (the
/// SyncTests target depends on the executable target, so it is always there).
enum Fieldnotes {
    static let binary: URL? = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = bundle.deletingLastPathComponent().appendingPathComponent("fieldnotes")
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : nil
    }()

    /// Writing to a socket or pipe whose reader has gone must fail with EPIPE,
    /// not kill the test process.
    static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}

/// One finished run of the binary.
struct Execution: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    /// Non-empty lines of standard output.
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    /// Standard output without its final newline.
    var output: String { stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout }

    var description: String {
        "fieldnotes \(arguments.joined(separator: " ")) exited \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}

/// A running child process whose standard output and error are collected
/// as they arrive, so a test can read a hub's first line while it serves.
final class Child: @unchecked Sendable {
    // @unchecked Sendable: `process` is only signalled and waited on; the
    // collected output lives behind mutexes in `Collector`.
    let arguments: [String]
    private let process: Process
    private let output: Collector
    private let errors: Collector
    private let exited = DispatchSemaphore(value: 0)
    private let reaped = Mutex(false)

    /// Starts the binary with `arguments`; with a `descriptorLimit`, under
    /// `ulimit -n` of that many open files (via `/bin/sh`, which execs the
    /// binary, so `pid` is the binary's).
    init(_ arguments: [String], environment: [String: String], descriptorLimit: Int? = nil) throws {
        _ = Fieldnotes.ignoreBrokenPipes
        let binary = try #require(Fieldnotes.binary, "the fieldnotes binary was not built beside the tests")
        self.arguments = arguments
        process = Process()
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        output = Collector(out.fileHandleForReading)
        errors = Collector(err.fileHandleForReading)
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    deinit { kill() }

    var pid: Int32 { process.processIdentifier }

    /// Waits up to `seconds` for the child to exit; true if it did.
    func waitForExit(seconds: Double) -> Bool {
        if reaped.withLock({ $0 }) { return true }
        guard exited.wait(timeout: .now() + seconds) == .success else { return false }
        exited.signal()
        process.waitUntilExit()
        reaped.withLock { $0 = true }
        return true
    }

    var isRunning: Bool { !waitForExit(seconds: 0) }

    /// Sends `signal` unless the child is known to have exited (so never to a reused pid).
    func send(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// SIGKILL, then reap. Safe to call more than once.
    func kill() {
        send(SIGKILL)
        _ = waitForExit(seconds: 30)
    }

    /// What the child has printed so far.
    var stdoutText: String { String(decoding: output.snapshot, as: UTF8.self) }
    var stderrText: String { String(decoding: errors.snapshot, as: UTF8.self) }

    /// The first line of standard output, once it is complete; nil if the
    /// child exits or `seconds` pass first.
    func firstLine(within seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = stdoutText
            if let newline = text.firstIndex(of: "\n") { return String(text[..<newline]) }
            if !isRunning && output.isFinished { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    /// Waits for the child to exit (killing it after `seconds`) and returns what it did.
    func finish(within seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) -> Execution {
        if !waitForExit(seconds: seconds) {
            Issue.record("fieldnotes \(arguments.joined(separator: " ")) ran longer than \(seconds) s; killed", sourceLocation: sourceLocation)
            kill()
        }
        output.waitUntilFinished()
        errors.waitUntilFinished()
        return Execution(arguments: arguments, status: process.terminationStatus, stdout: stdoutText, stderr: stderrText)
    }
}

/// Reads one pipe to its end on a thread of its own, keeping what arrived.
private final class Collector: @unchecked Sendable {
    // @unchecked Sendable: all state is behind the mutex or the semaphore.
    private let data = Mutex(Data())
    private let finished = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.withLock { $0.append(chunk) }
            }
            finished.withLock { $0 = true }
            done.signal()
        }.start()
    }

    var snapshot: Data { data.withLock { $0 } }
    var isFinished: Bool { finished.withLock { $0 } }

    func waitUntilFinished() {
        done.wait()
        done.signal()
    }
}
