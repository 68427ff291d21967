import Foundation
import Testing

/// One finished run of the real `fieldnotes` binary: what it printed and how it exited.
struct Execution: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    /// The non-empty lines of standard error.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// Standard output without its final newline.
    var output: String { stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout }

    var description: String {
        "fieldnotes \(arguments.joined(separator: " ")) exited \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}

/// Finds and runs the `fieldnotes` executable that SwiftPM built for this test run.
enum Fieldnotes {
    /// The binary: beside the test bundle (CLITests depends on the fieldnotes
    /// target, so it is built into the same products directory), else the
    /// newest `.build*/debug/fieldnotes` above this source file.
    static let binary: URL? = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = bundle.deletingLastPathComponent().appendingPathComponent("fieldnotes")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            let candidates = entries.filter { $0.hasPrefix(".build") }
                .map { directory.appendingPathComponent($0).appendingPathComponent("debug/fieldnotes").resolvingSymlinksInPath() }
                .filter { FileManager.default.isExecutableFile(atPath: $0.path) }
            if let newest = candidates.max(by: { modified($0) < modified($1) }) { return newest }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    private static func modified(_ url: URL) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// A child that exits before reading its standard input must not kill the
    /// test process with SIGPIPE when we write to it; the write fails with EPIPE instead.
    static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Starts the binary with `arguments`; `stdin` is written to a pipe (so
    /// standard input is never a terminal), and `environment` replaces the
    /// variables it names.
    static func start(_ arguments: [String], stdin: Data = Data(), environment: [String: String]) throws -> RunningCommand {
        _ = ignoreBrokenPipes
        let binary = try #require(binary, "the fieldnotes binary was not built beside the tests")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let running = RunningCommand(process: process, arguments: arguments,
                                     output: PipeDrain(output.fileHandleForReading), errors: PipeDrain(errors.fileHandleForReading))
        try? input.fileHandleForWriting.write(contentsOf: stdin)
        try? input.fileHandleForWriting.close()
        return running
    }
}

extension Fieldnotes {
    /// Starts the binary on a real pseudo-terminal: util-linux `script`
    /// (package bsdutils, essential on Debian) runs it with standard input,
    /// output and error all on the terminal it makes. What the terminal
    /// showed (output and errors together, lines ending CR LF) comes back as
    /// stdout; `script -e` exits with the command's status.
    /// `typed` is written to the terminal as if typed (echoed in the output).
    static func startOnTerminal(_ arguments: [String], typed: Data = Data(), environment: [String: String]) throws -> RunningCommand {
        _ = ignoreBrokenPipes
        let binary = try #require(binary, "the fieldnotes binary was not built beside the tests")
        let line = ([binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", line, "/dev/null"]
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = typed.isEmpty ? FileHandle.nullDevice : input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let running = RunningCommand(process: process, arguments: arguments,
                                     output: PipeDrain(output.fileHandleForReading), errors: PipeDrain(errors.fileHandleForReading))
        if !typed.isEmpty {
            try? input.fileHandleForWriting.write(contentsOf: typed)
            try? input.fileHandleForWriting.close()
        }
        return running
    }
}

/// A started child process.
struct RunningCommand {
    let process: Process
    let arguments: [String]
    let output: PipeDrain
    let errors: PipeDrain

    func wait() -> Execution {
        let stdout = output.wait()
        let stderr = errors.wait()
        process.waitUntilExit()
        return Execution(arguments: arguments, status: process.terminationStatus,
                         stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Reads one pipe to its end on a thread of its own, so a child that fills the
/// pipe buffer never waits on us while we wait on it.
final class PipeDrain: @unchecked Sendable {
    // @unchecked Sendable: `data` is written only by the reading thread, before
    // it signals `done`, and read only after `wait()` has seen that signal.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = (try? handle.readToEnd()) ?? Data()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        done.signal()
        return data
    }
}
