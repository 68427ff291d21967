import Foundation
import TestSupport
import Testing

/// A temporary directory for one test, removed when the test's body returns.
/// Every command runs with HOME and XDG_DATA_HOME inside it and without
/// FIELDNOTES_STORE, so no test can touch a real store.
struct Sandbox {
    let directory: URL

    /// Runs `body` with a fresh sandbox and removes it afterwards, whatever happens.
    static func with<T>(_ body: (Sandbox) throws -> T) throws -> T {
        try TemporaryDirectory.with(prefix: "fieldnotes-cli") { try body(Sandbox(directory: $0.url)) }
    }

    /// The path of `name` inside the sandbox.
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ bytes: Data) throws -> String {
        let path = path(name)
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDNOTES_STORE"] = nil
        environment["HOME"] = path("home")
        environment["XDG_DATA_HOME"] = path("xdg")
        return environment
    }

    /// Runs the binary with exactly `arguments` (no --store added).
    func run(_ arguments: [String], stdin: Data = Data(), environment extra: [String: String] = [:]) throws -> Execution {
        try start(arguments, stdin: stdin, environment: extra).wait()
    }

    /// Starts the binary; `stdin` is written to a pipe, so standard input is never a terminal.
    func start(_ arguments: [String], stdin: Data = Data(), environment extra: [String: String] = [:]) throws -> Child {
        try Fieldnotes.start(arguments, stdin: .bytes(stdin), environment: environment.merging(extra) { $1 })
    }

    /// Runs the binary on a pseudo-terminal (`Fieldnotes.startOnTerminal`).
    func runOnTerminal(_ arguments: [String], typed: String = "", environment extra: [String: String] = [:]) throws -> Execution {
        try Fieldnotes.startOnTerminal(arguments, typed: Data(typed.utf8), environment: environment.merging(extra) { $1 }).wait()
    }

    /// Writes an executable shell script (`#!/bin/sh` and `body`) and returns its path.
    @discardableResult
    func script(_ name: String, _ body: String) throws -> String {
        let path = try write(name, "#!/bin/sh\n" + body + "\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        return path
    }

    /// Runs `fieldnotes init` on a new store in this sandbox.
    func makeStore(_ name: String = "store.sqlite", device: String = "tester") throws -> TestStore {
        let path = path(name)
        let created = try run(["--store", path, "init", "--name", device])
        expectSuccess(created, stderr: "fieldnotes: created \(path) for '\(device)'")
        let replica = created.output
        #expect(replica.isHex32, "init printed \(replica)")
        return TestStore(sandbox: self, path: path, replica: replica)
    }
}

/// A store made by `fieldnotes init` in a sandbox, and shortcuts for driving it.
struct TestStore {
    let sandbox: Sandbox
    let path: String
    let replica: String

    /// Runs `fieldnotes --store PATH arguments...`.
    func run(_ arguments: [String], stdin: Data = Data()) throws -> Execution {
        try sandbox.run(["--store", path] + arguments, stdin: stdin)
    }

    func run(_ arguments: String...) throws -> Execution { try run(arguments) }

    /// Runs `fieldnotes --store PATH arguments...` on a pseudo-terminal.
    func runOnTerminal(_ arguments: [String], typed: String = "", environment: [String: String] = [:]) throws -> Execution {
        try sandbox.runOnTerminal(["--store", path] + arguments, typed: typed, environment: environment)
    }

    func start(_ arguments: [String]) throws -> Child {
        try sandbox.start(["--store", path] + arguments)
    }

    /// `add` that must succeed; returns the new note's id.
    @discardableResult
    func add(_ arguments: String..., stdin: Data = Data(), sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let added = try run(["add"] + arguments, stdin: stdin)
        expectSuccess(added, sourceLocation: sourceLocation)
        try #require(added.output.isHex32, "add printed '\(added.stdout)'", sourceLocation: sourceLocation)
        return added.output
    }

    /// `status --format json`, parsed.
    func status(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let status = try run("status", "--format", "json")
        expectSuccess(status, sourceLocation: sourceLocation)
        return try parseObject(status.stdout, sourceLocation: sourceLocation)
    }

    func digest(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let digest = try #require(try status(sourceLocation: sourceLocation)["digest"] as? String, sourceLocation: sourceLocation)
        #expect(digest.count == 64 && digest.allSatisfy(\.isHexDigit), sourceLocation: sourceLocation)
        return digest
    }

    /// `show ID --format json`, parsed.
    func show(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let shown = try run("show", id, "--format", "json")
        expectSuccess(shown, sourceLocation: sourceLocation)
        return try parseObject(shown.stdout, sourceLocation: sourceLocation)
    }

    /// `list --format json` with extra arguments, parsed.
    func list(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let listed = try run(["list", "--format", "json"] + arguments)
        expectSuccess(listed, sourceLocation: sourceLocation)
        return try parseArray(listed.stdout, sourceLocation: sourceLocation)
    }

    /// The ids `list --format json` prints, in order.
    func listIDs(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let listed = try run(["list", "--format", "json"] + arguments)
        expectSuccess(listed, sourceLocation: sourceLocation)
        return try parseArray(listed.stdout, sourceLocation: sourceLocation).compactMap { $0["id"] as? String }
    }

    /// The store's bytes on disk (the main file; the WAL is folded in when the last connection closes).
    func bytes() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
}

// MARK: Expectations

/// Checks a run succeeded: exit status 0 and standard error exactly `stderr`
/// (empty unless given), like swift-argument-parser's `AssertExecuteCommand`.
@discardableResult
func expectSuccess(_ execution: Execution, stderr: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> Execution {
    #expect(execution.status == 0, "\(execution)", sourceLocation: sourceLocation)
    let expected = stderr.isEmpty ? "" : stderr + "\n"
    #expect(execution.stderr == expected, "\(execution)", sourceLocation: sourceLocation)
    return execution
}

/// Checks a run failed the way a person should see it: nothing on standard
/// output, exactly one line on standard error starting `fieldnotes: error:`
/// and mentioning each of `fragments`, and exit status `status`.
func expectFailure(_ execution: Execution, status: Int32, mentioning fragments: [String] = [],
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(execution.status == status, "\(execution)", sourceLocation: sourceLocation)
    #expect(execution.stdout.isEmpty, "\(execution)", sourceLocation: sourceLocation)
    #expect(execution.stderrLines.count == 1, "\(execution)", sourceLocation: sourceLocation)
    #expect(execution.stderr.hasPrefix("fieldnotes: error: ") && execution.stderr.hasSuffix("\n"), "\(execution)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(execution.stderr.contains(fragment), "stderr lacks '\(fragment)': \(execution)", sourceLocation: sourceLocation)
    }
}

extension String {
    /// A full record or replica id: 32 lowercase hex digits.
    var isHex32: Bool { utf8.count == 32 && allSatisfy { $0.isHexDigit && !$0.isUppercase } }
}
