import CRDT
import Crypto
import Foundation
import Testing
import TestSupport
import TLS
import Wire

extension RawPeer {
    /// Sends `bytes` one at a time, `interval` apart (inside TLS once it has
    /// started: one record per byte), watching for the hub's answer between
    /// bytes. Stops at the first frame from the hub or when it closes;
    /// returns that frame (nil: closed without one), how many bytes were
    /// sent, and how long it took.
    func trickle(_ bytes: [UInt8], interval: Double) throws -> (reply: Message?, sent: Int, seconds: Double) {
        let started = Date()
        var sent = 0
        for byte in bytes {
            do {
                try send([byte])
            } catch {
                break // the hub has closed; read what it said below
            }
            sent += 1
            do {
                let reply = try receive(within: interval)
                return (reply, sent, Date().timeIntervalSince(started))
            } catch is PeerTimedOut {
                continue
            }
        }
        let reply = try? receive(within: 2)
        return (reply, sent, Date().timeIntervalSince(started))
    }

    /// The bytes of `message` as this peer's encoder frames them.
    func encode(_ message: Message) throws -> [UInt8] { try encoder.encode(message) }
}

extension Identity {
    /// A key pair no hub has seen: what a stranger, a thief or an impostor holds.
    static func stranger() throws -> Identity { try Identity.generate(commonName: "fieldnotes device") }
}

extension Hello {
    /// A Hello from a peer no hub knows, with any name the Wire codec will carry.
    static func claiming(_ name: String, replica: ReplicaID = ReplicaID(high: 1, low: 2),
                         versions: ClosedRange<UInt16> = WireProtocol.supportedVersions) throws -> Hello {
        Hello(versions: versions, deviceName: name, replica: replica, nonce: try SecureRandom.bytes(Hello.nonceLength), wallClockMillis: 0)
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                            UInt8(truncatingIfNeeded: value)])
    }
}

extension HubProcess {
    /// The session lines logged after the first `count`, once at least one
    /// more has appeared (waiting up to `seconds`).
    func sessionLines(after count: Int, within seconds: Double = 3) -> [String] {
        Array(waitForSessionLog(moreThan: count, within: seconds).dropFirst(count))
    }
}

/// The last line of a command's standard error: where the CLI puts its one error line.
func lastErrorLine(_ execution: Execution) -> String {
    execution.stderr.split(separator: "\n").last.map(String.init) ?? ""
}
