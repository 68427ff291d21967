import Glibc
import Store
import TestSupport

/// A failure of the test scaffolding itself (not of the code under test).
struct ScaffoldError: Error, CustomStringConvertible {
    let description: String
}

/// Makes a fresh directory, runs `body` with its path, then removes the
/// directory and everything in it, whether `body` returned or threw.
@discardableResult
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    try TemporaryDirectory.with(prefix: "fieldnotes-store-tests") { try body($0.path) }
}

/// A store in a fresh temporary directory, removed afterwards.
@discardableResult
func withTemporaryStore<T>(wallClock: @escaping () -> UInt64 = Store.systemMillis,
                           _ body: (Store, String) throws -> T) throws -> T {
    try withTemporaryDirectory { directory throws in
        let store = try Store.create(at: directory + "/test.fieldnotes", name: "test", wallClock: wallClock)
        return try body(store, directory)
    }
}

/// The whole content of a file, or nil if it does not exist.
func fileBytes(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw ScaffoldError(description: "cannot create \(path): errno \(errno)") }
    defer { close(descriptor) }
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw ScaffoldError(description: "short write to \(path)") }
}

/// True when `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    let first = needle[0]
    var index = 0
    let last = haystack.count - needle.count
    while index <= last {
        if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return true }
        index += 1
    }
    return false
}
