import Foundation
import Testing

/// One run of the real `fieldnotes` binary.
struct Run: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    var description: String { "fieldnotes \(arguments.joined(separator: " ")) exited \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)---" }
}

enum FieldnotesBinary {
    /// The `fieldnotes` executable SwiftPM built beside this test bundle.
    static let path: String? = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = bundle.deletingLastPathComponent().appendingPathComponent("fieldnotes").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : nil
    }()

    /// Runs `fieldnotes --store STORE arguments…` with a clean environment.
    static func run(store: String, _ arguments: [String], home: String) throws -> Run {
        let binary = try #require(path, "the fieldnotes binary was not built beside the tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--store", store] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDNOTES_STORE"] = nil
        environment["HOME"] = home
        environment["XDG_DATA_HOME"] = home + "/xdg"
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Run(arguments: arguments, status: process.terminationStatus,
                   stdout: String(decoding: outputData, as: UTF8.self), stderr: String(decoding: errorData, as: UTF8.self))
    }
}
