import Foundation
import Glibc

/// A fresh directory for one test, made by `mkdtemp(3)` (so mode 0700,
/// readable by this user only) and removed with everything in it afterwards:
/// `TemporaryDirectory.with { … }`, or `make` followed at once by
/// `defer { directory.remove() }` where a closure would not fit.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public var path: String { url.path }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Makes a new directory named `PREFIX-XXXXXX` in the system's temporary directory.
    public static func make(prefix: String = "fieldnotes-test") throws -> TemporaryDirectory {
        let template = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(prefix)-XXXXXX").path
        var buffer = Array(template.utf8CString)
        let made = buffer.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw TemporaryDirectoryError(template: template, reason: String(cString: strerror(errno))) }
        let path = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return TemporaryDirectory(url: URL(fileURLWithPath: path, isDirectory: true))
    }

    /// Removes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `body` with a new directory, then removes it, whatever happens.
    public static func with<T>(prefix: String = "fieldnotes-test", _ body: (TemporaryDirectory) throws -> T) throws -> T {
        let directory = try make(prefix: prefix)
        defer { directory.remove() }
        return try body(directory)
    }
}

/// `mkdtemp(3)` failed: the test cannot start.
public struct TemporaryDirectoryError: Error, CustomStringConvertible {
    public let template: String
    public let reason: String
    public var description: String { "cannot make a temporary directory \(template): \(reason)" }
}
