import CRDT
import Foundation
import Store
import Sync
import Testing
import TestSupport

/// A temporary directory for one test's stores and files, removed when the
/// body returns however it returns. Commands run with HOME and XDG_DATA_HOME
/// inside it and without FIELDNOTES_STORE, so no test touches a real store.
struct Workspace {
    let directory: URL

    static func with<T>(_ body: (Workspace) throws -> T) throws -> T {
        try TemporaryDirectory.with(prefix: "fieldnotes-sync") { try body(Workspace(directory: $0.url)) }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDNOTES_STORE"] = nil
        environment["HOME"] = path("home")
        environment["XDG_DATA_HOME"] = path("xdg")
        return environment
    }

    func start(_ arguments: [String], descriptorLimit: Int? = nil) throws -> Child {
        try Fieldnotes.start(arguments, environment: environment, descriptorLimit: descriptorLimit)
    }

    /// Runs the binary to completion; a run longer than `seconds` is killed and recorded as an issue.
    func run(_ arguments: [String], within seconds: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) throws -> Execution {
        try start(arguments).finish(within: seconds, sourceLocation: sourceLocation)
    }

    /// `fieldnotes --store NAME init --name DEVICE`.
    func makeStore(_ file: String, device: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> StoreHandle {
        let path = path(file)
        let created = try run(["--store", path, "init", "--name", device], sourceLocation: sourceLocation)
        try #require(created.status == 0, "\(created)", sourceLocation: sourceLocation)
        let replica = try #require(ReplicaID(hex: created.output), "init printed \(created.output)", sourceLocation: sourceLocation)
        return StoreHandle(workspace: self, path: path, name: device, replica: replica)
    }

    /// Writes an NDJSON file of `count` notes for `import`: each note sets
    /// every field, two tags and a measure (eleven operations).
    func notesFile(_ name: String, count: Int, prefix: String = "note") throws -> String {
        var text = ""
        for index in 0 ..< count {
            text += """
                {"title": "\(prefix) \(index)", "body": "what \(prefix) \(index) said about the number \(index) bus", \
                "kind": "observation", "area": "East Marsh", "occurred_at": "2026-11-20T14:30:00Z", \
                "participant": "P\(index % 50)", "consent": "given", "tags": ["transport", "t\(index % 7)"], \
                "measures": {"ucla3": \(3 + index % 7)}}

                """
        }
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// A store made by `fieldnotes init`, and shortcuts that drive it through the CLI.
struct StoreHandle {
    let workspace: Workspace
    let path: String
    let name: String
    let replica: ReplicaID

    /// `fieldnotes --store PATH arguments...`, whatever it does.
    func run(_ arguments: [String], within seconds: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) throws -> Execution {
        try workspace.run(["--store", path] + arguments, within: seconds, sourceLocation: sourceLocation)
    }

    func start(_ arguments: [String], descriptorLimit: Int? = nil) throws -> Child {
        try workspace.start(["--store", path] + arguments, descriptorLimit: descriptorLimit)
    }

    /// A command that must exit 0.
    @discardableResult
    func succeed(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Execution {
        let result = try run(arguments, sourceLocation: sourceLocation)
        try #require(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        return result
    }

    /// `add` with the given options; returns the new note's id.
    @discardableResult
    func add(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let added = try run(["add"] + arguments, sourceLocation: sourceLocation)
        try #require(added.status == 0, "\(added)", sourceLocation: sourceLocation)
        return added.output
    }

    func join(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try succeed("join", code, sourceLocation: sourceLocation)
    }

    /// `sync --timeout 20`, whatever it does.
    func sync(sourceLocation: SourceLocation = #_sourceLocation) throws -> Execution {
        try run(["sync", "--timeout", "20"], within: 60, sourceLocation: sourceLocation)
    }

    /// A sync that must succeed; returns what it reported.
    @discardableResult
    func syncSucceeds(sourceLocation: SourceLocation = #_sourceLocation) throws -> SyncSummary {
        let result = try sync(sourceLocation: sourceLocation)
        try #require(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        return try #require(SyncSummary(result.output), "unexpected sync output: \(result)", sourceLocation: sourceLocation)
    }

    /// `status --format json`, parsed.
    func status(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try succeed("status", "--format", "json", sourceLocation: sourceLocation)
        return try parseObject(result.stdout, sourceLocation: sourceLocation)
    }

    func digest(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let digest = try #require(try status(sourceLocation: sourceLocation)["digest"] as? String, sourceLocation: sourceLocation)
        #expect(digest.count == 64, sourceLocation: sourceLocation)
        return digest
    }

    /// The status's "operations": every operation the store holds.
    func operationCount(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        try #require(try status(sourceLocation: sourceLocation)["operations"] as? Int, sourceLocation: sourceLocation)
    }

    func show(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try succeed("show", id, "--format", "json", sourceLocation: sourceLocation)
        return try parseObject(result.stdout, sourceLocation: sourceLocation)
    }

    /// `conflicts --format json`, parsed.
    func conflicts(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let result = try succeed("conflicts", "--format", "json", sourceLocation: sourceLocation)
        return try parseArray(result.stdout, sourceLocation: sourceLocation)
    }

    /// `hub devices --format json`, by device name.
    func devices(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: [String: Any]] {
        let result = try succeed("hub", "devices", "--format", "json", sourceLocation: sourceLocation)
        let rows = try parseArray(result.stdout, sourceLocation: sourceLocation)
        return Dictionary(rows.compactMap { row in (row["name"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
    }

    /// `hub enroll NAME --address ADDRESS`; returns the code on its last stdout line.
    func enroll(_ device: String, address: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try succeed("hub", "enroll", device, "--address", address, sourceLocation: sourceLocation)
        return try #require(result.lines.last, "\(result)", sourceLocation: sourceLocation)
    }

    /// The store's version vector, read in-process (a cheap query, unlike
    /// `status`, which hashes every record).
    func versionVector() throws -> VersionVector {
        try Store.open(at: path).versionVector()
    }

    /// The vector as the store states it in a sync, with fingerprints.
    func syncVector() throws -> SyncVector {
        try Store.open(at: path).syncVector()
    }

    /// This store's own operations `first...last`, read in-process.
    func ownOperations(_ first: UInt64, _ last: UInt64) throws -> [CRDT.Operation] {
        try Store.open(at: path).operations(SeqRange(origin: replica, first: first, last: last), limit: Int(last - first + 1))
    }
}

/// The line `fieldnotes sync` prints on success.
struct SyncSummary: Equatable {
    let sent: Int
    let received: Int
    let bytesOut: Int
    let bytesIn: Int

    /// Parses "synced with HOST:PORT: sent N operations, received M; X bytes out, Y bytes in; T ms",
    /// the last line of the output (a recovery line may come before it).
    init?(_ output: String) {
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        func number(after marker: String, in text: Substring) -> Int? {
            guard let range = text.range(of: marker) else { return nil }
            return Int(text[range.upperBound...].prefix(while: \.isNumber))
        }
        func number(before marker: String, in text: Substring) -> Int? {
            guard let range = text.range(of: marker) else { return nil }
            let digits = text[..<range.lowerBound].reversed().prefix(while: \.isNumber)
            return Int(String(digits.reversed()))
        }
        let text = Substring(line)
        guard text.hasPrefix("synced with "), let sent = number(after: ": sent ", in: text),
              let received = number(after: "operations, received ", in: text),
              let bytesOut = number(before: " bytes out", in: text), let bytesIn = number(before: " bytes in", in: text) else { return nil }
        self.sent = sent
        self.received = received
        self.bytesOut = bytesOut
        self.bytesIn = bytesIn
    }
}

func parseObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
}

func parseArray(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [[String: Any]], "not a JSON array of objects: \(text)", sourceLocation: sourceLocation)
}

/// A parsed JSON value re-serialised with sorted keys, to compare outputs as values.
func canonicalJSON(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
}
