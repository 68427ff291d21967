import Foundation
import Testing
import TestSupport

/// The README's shell blocks are run as written, in order, in one shell,
/// with the built `fieldnotes` first on the PATH: a README command that
/// stops working fails this test. Blocks preceded by
/// `<!-- readme-test: skip (why) -->` are left out (and say why).
@Suite("README")
struct ReadmeTests {
    /// The shell blocks of the README, and the number skipped.
    static func blocks() throws -> (run: [String], skipped: Int) {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("README.md").path) {
            directory = directory.deletingLastPathComponent()
            if directory.path == "/" { throw CocoaError(.fileNoSuchFile) }
        }
        let text = try String(contentsOf: directory.appendingPathComponent("README.md"), encoding: .utf8)
        var run: [String] = []
        var skipped = 0
        var current: [String]?
        var skipNext = false
        for line in text.components(separatedBy: "\n") {
            if var block = current {
                if line.hasPrefix("```") {
                    if skipNext { skipped += 1 } else { run.append(block.joined(separator: "\n")) }
                    skipNext = false
                    current = nil
                } else {
                    block.append(line)
                    current = block
                }
            } else if line.hasPrefix("```sh") {
                current = []
            } else if line.hasPrefix("<!-- readme-test: skip") {
                skipNext = true
            }
        }
        return (run, skipped)
    }

    /// A TCP port nobody listens on now (the kernel's choice for port 0).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func everyShellBlockRunsAsWritten() throws {
        let (blocks, skipped) = try Self.blocks()
        #expect(blocks.count >= 4, "the README should have runnable shell blocks")
        #expect(skipped <= 7, "only the quick start, the server deployment, the package install, the hub service, the benchmarks and fuzzing are skipped")
        let binary = try #require(Fieldnotes.binary)
        try Sandbox.with { sandbox in
            // The hub example's fixed port becomes a free one, so parallel runs cannot collide.
            let port = Self.freePort()
            // A hub left running by a failed step would hold the output pipes open: stop it on exit.
            let script = (["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"] + blocks).joined(separator: "\n")
                .replacingOccurrences(of: "127.0.0.1:7420", with: "127.0.0.1:\(port)")
            let path = try sandbox.write("readme.sh", script)
            try FileManager.default.createDirectory(atPath: sandbox.path("home"), withIntermediateDirectories: true)
            var environment = sandbox.environment
            environment["PATH"] = binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            let bash = try Child.run(URL(fileURLWithPath: "/bin/bash"), [path], environment: environment, currentDirectory: sandbox.directory)
            let stdout = bash.stdout, stderr = bash.stderr
            #expect(bash.status == 0, "README script failed:\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)")
            // What the walk-through promises, checked in its output and files.
            #expect(stdout.contains("Number 9 bus cut"), "list --tag transport shows the note")
            #expect(stdout.contains("imported 1 notes"))
            #expect(stdout.contains("synced with 127.0.0.1:\(port)"))
            #expect(stdout.contains("First note"), "bob finds alice's note after both synced")
            #expect(stdout.contains("revoked bob"))
            #expect(stdout.contains("Evidence (2 notes)"))
            for file in ["evidence/notes.csv", "notes.ndjson", "project.qdpx", "report.html", "east/notes.csv"] {
                #expect(FileManager.default.fileExists(atPath: sandbox.path(file)), "the export block writes \(file)")
            }
        }
    }
}
