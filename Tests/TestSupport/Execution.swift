/// One finished run of a program: what it printed and how it exited.
public struct Execution: CustomStringConvertible, Sendable {
    /// The arguments as the test gave them (without the program, or any
    /// wrapper such as `/bin/sh -c 'ulimit -n …'` or `script`).
    public let arguments: [String]
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(arguments: [String], status: Int32, stdout: String, stderr: String) {
        self.arguments = arguments
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// The non-empty lines of standard output.
    public var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// The non-empty lines of standard error.
    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// Standard output without its final newline.
    public var output: String { stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout }

    public var description: String {
        "fieldnotes \(arguments.joined(separator: " ")) exited \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}
