import Foundation
import TestSupport
import Testing

/// Runs an external program; nil when it is not installed.
func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
    guard let path = which(name) else { return nil }
    let run = try Child.run(URL(fileURLWithPath: path), arguments, mergingErrors: true)
    return (run.status, run.stdout)
}

func which(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Compares `actual` with the golden file `name` under Fixtures/golden. With
/// FIELDNOTES_RECORD_GOLDEN=1 it rewrites the file instead, and says so as a
/// test issue, so a re-recording is always deliberate and never passes silently.
func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["FIELDNOTES_RECORD_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        Issue.record("re-recorded golden file \(name); review the diff, then run again without FIELDNOTES_RECORD_GOLDEN", sourceLocation: sourceLocation)
        return
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
        Issue.record("no golden file \(name); record it with FIELDNOTES_RECORD_GOLDEN=1 swift test --filter ExportTests", sourceLocation: sourceLocation)
        return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected != actual {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
        Issue.record("""
            \(name) differs from its golden file at line \(first + 1):
            expected: \(first < expectedLines.count ? String(expectedLines[first]) : "(end of file)")
            actual:   \(first < actualLines.count ? String(actualLines[first]) : "(end of file)")
            If the change is intended, re-record with FIELDNOTES_RECORD_GOLDEN=1.
            """, sourceLocation: sourceLocation)
    }
}
