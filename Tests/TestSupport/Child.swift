import Foundation
import Glibc
import Synchronization
import Testing

/// A started child process whose standard output and error are read as they
/// arrive, each on a thread of its own: a child that fills a pipe never waits
/// on us while we wait on it, and a test can read a hub's first line while it
/// serves. The child is killed (SIGKILL) when the last reference goes.
public final class Child: @unchecked Sendable {
    // @unchecked Sendable: `process` is only signalled and waited on; the
    // collected output lives behind mutexes in `Collector`.

    /// What the child reads on standard input.
    public enum Input: Sendable {
        /// `/dev/null`: end of file at once.
        case null
        /// A pipe carrying these bytes, then closed (so never a terminal).
        case bytes(Data)
    }

    public let arguments: [String]
    private let process: Process
    private let output: Collector
    private let errors: Collector
    private let exited = DispatchSemaphore(value: 0)
    private let reaped = Mutex(false)

    /// Starts `executable` with `arguments`. `shownArguments` (default
    /// `arguments`) is what `Execution` and messages name. With
    /// `mergingErrors`, standard error goes to the standard output pipe.
    public init(_ executable: URL, _ arguments: [String], shownArguments: [String]? = nil, environment: [String: String]? = nil,
                currentDirectory: URL? = nil, stdin: Input = .null, mergingErrors: Bool = false) throws {
        Child.ignoreBrokenPipes()
        self.arguments = shownArguments ?? arguments
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let input = Pipe(), out = Pipe(), err = Pipe()
        switch stdin {
        case .null: process.standardInput = FileHandle.nullDevice
        case .bytes: process.standardInput = input
        }
        process.standardOutput = out
        process.standardError = mergingErrors ? out : err
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        output = Collector(out.fileHandleForReading)
        errors = Collector(mergingErrors ? FileHandle.nullDevice : err.fileHandleForReading)
        if case .bytes(let bytes) = stdin {
            try? input.fileHandleForWriting.write(contentsOf: bytes)
            try? input.fileHandleForWriting.close()
        }
    }

    deinit { kill() }

    /// Runs `executable` to its end (however long that takes) and returns what it did.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil,
                           stdin: Input = .null, mergingErrors: Bool = false) throws -> Execution {
        try Child(executable, arguments, environment: environment, currentDirectory: currentDirectory, stdin: stdin,
                  mergingErrors: mergingErrors).wait()
    }

    /// Writing to a socket or pipe whose reader has gone (a child that exits
    /// before reading its input) must fail with EPIPE, not kill the test process.
    public static func ignoreBrokenPipes() { _ = brokenPipesIgnored }
    private static let brokenPipesIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    public var pid: Int32 { process.processIdentifier }

    /// Waits up to `seconds` for the child to exit; true if it did.
    public func waitForExit(seconds: Double) -> Bool {
        if reaped.withLock({ $0 }) { return true }
        guard exited.wait(timeout: .now() + seconds) == .success else { return false }
        exited.signal()
        process.waitUntilExit()
        reaped.withLock { $0 = true }
        return true
    }

    public var isRunning: Bool { !waitForExit(seconds: 0) }

    /// Sends `signal` unless the child is known to have exited (so never to a reused pid).
    public func send(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// SIGKILL, then reap. Safe to call more than once.
    public func kill() {
        send(SIGKILL)
        _ = waitForExit(seconds: 30)
    }

    /// What the child has printed so far.
    public var stdoutText: String { String(decoding: output.snapshot, as: UTF8.self) }
    public var stderrText: String { String(decoding: errors.snapshot, as: UTF8.self) }

    /// The first line of standard output, once it is complete; nil if the
    /// child exits or `seconds` pass first.
    public func firstLine(within seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = stdoutText
            if let newline = text.firstIndex(of: "\n") { return String(text[..<newline]) }
            if !isRunning && output.isFinished { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    /// Waits for the child to end, however long it takes, and returns what it did.
    public func wait() -> Execution {
        output.waitUntilFinished()
        errors.waitUntilFinished()
        process.waitUntilExit()
        return Execution(arguments: arguments, status: process.terminationStatus, stdout: stdoutText, stderr: stderrText)
    }

    /// Waits for the child to exit (killing it after `seconds`, recorded as
    /// an issue) and returns what it did.
    public func finish(within seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) -> Execution {
        if !waitForExit(seconds: seconds) {
            Issue.record("fieldnotes \(arguments.joined(separator: " ")) ran longer than \(seconds) s; killed", sourceLocation: sourceLocation)
            kill()
        }
        return wait()
    }
}

/// Reads one pipe to its end on a thread of its own, keeping what arrived.
private final class Collector: @unchecked Sendable {
    // @unchecked Sendable: all state is behind the mutexes or the semaphore.
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
