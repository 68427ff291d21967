import Foundation
import Sync
import Testing
import TestSupport

/// A `fieldnotes hub serve` child process. `HubProcess.with` kills it when
/// the body returns or throws, so no test leaves a hub running.
final class HubProcess {
    let child: Child
    let store: StoreHandle
    let endpoint: Endpoint

    var port: UInt16 { endpoint.port }
    var address: String { endpoint.description }

    /// Starts the hub on `listen` and reads the port from its first line,
    /// `listening on HOST:PORT`.
    /// With a `descriptorLimit`, the hub runs under `ulimit -n` of that many open files.
    init(store: StoreHandle, listen: String = "127.0.0.1:0", options: [String] = [], descriptorLimit: Int? = nil,
         sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.store = store
        child = try store.start(["hub", "serve", "--listen", listen] + options, descriptorLimit: descriptorLimit)
        guard let line = child.firstLine(within: 20), line.hasPrefix("listening on "),
              let endpoint = Endpoint(String(line.dropFirst("listening on ".count))) else {
            child.kill()
            let result = child.finish(within: 1)
            throw HubDidNotStart(detail: "\(result)")
        }
        self.endpoint = endpoint
    }

    deinit { child.kill() }

    static func with<T>(_ store: StoreHandle, listen: String = "127.0.0.1:0", options: [String] = [], descriptorLimit: Int? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation, _ body: (HubProcess) throws -> T) throws -> T {
        let hub = try HubProcess(store: store, listen: listen, options: options, descriptorLimit: descriptorLimit, sourceLocation: sourceLocation)
        defer { hub.child.kill() }
        return try body(hub)
    }

    /// Enrols `device` on this hub's store with this hub's address; returns the code.
    func enroll(_ device: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try store.enroll(device, address: address, sourceLocation: sourceLocation)
    }

    /// The session lines the hub has logged to standard error so far.
    var sessionLog: [String] {
        child.stderrText.split(separator: "\n").map(String.init).filter { $0.hasPrefix("hub: ") }
    }

    /// Waits up to `seconds` for more than `count` session lines; returns them all.
    func waitForSessionLog(moreThan count: Int, within seconds: Double) -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var lines = sessionLog
        while lines.count <= count && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            lines = sessionLog
        }
        return lines
    }

    var isRunning: Bool { child.isRunning }

    /// SIGKILL: no chance to finish anything.
    func kill() { child.kill() }
}

struct HubDidNotStart: Error, CustomStringConvertible {
    let detail: String
    var description: String { "the hub did not print 'listening on HOST:PORT':\n\(detail)" }
}
