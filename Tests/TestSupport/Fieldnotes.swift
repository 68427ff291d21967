import Foundation
import Testing

/// Finds and starts the `fieldnotes` executable SwiftPM built for this test run.
public enum Fieldnotes {
    /// The binary: beside the test bundle (every test target that runs it
    /// depends on the fieldnotes target, so it is built into the same
    /// products directory), else the newest `.build*/debug/fieldnotes` above
    /// this source file.
    public static let binary: URL? = {
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

    /// The binary, or a failed requirement naming what is missing.
    public static func required(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        try #require(binary, "the fieldnotes binary was not built beside the tests", sourceLocation: sourceLocation)
    }

    /// Starts the binary with `arguments` and exactly `environment`. With a
    /// `descriptorLimit`, under `ulimit -n` of that many open files (via
    /// `/bin/sh`, which execs the binary, so the child's pid is the binary's).
    public static func start(_ arguments: [String], stdin: Child.Input = .null, environment: [String: String],
                             descriptorLimit: Int? = nil) throws -> Child {
        let binary = try required()
        if let descriptorLimit {
            return try Child(URL(fileURLWithPath: "/bin/sh"),
                             ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", binary.path] + arguments,
                             shownArguments: arguments, environment: environment, stdin: stdin)
        }
        return try Child(binary, arguments, environment: environment, stdin: stdin)
    }

    /// Starts the binary on a real pseudo-terminal: util-linux `script`
    /// (package bsdutils, essential on Debian) runs it with standard input,
    /// output and error all on the terminal it makes. What the terminal
    /// showed (output and errors together, lines ending CR LF) comes back as
    /// stdout; `script -e` exits with the command's status.
    /// `typed` is written to the terminal as if typed (echoed in the output).
    public static func startOnTerminal(_ arguments: [String], typed: Data = Data(), environment: [String: String]) throws -> Child {
        let binary = try required()
        let line = ([binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try Child(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", line, "/dev/null"], shownArguments: arguments,
                         environment: environment, stdin: typed.isEmpty ? .null : .bytes(typed))
    }
}
