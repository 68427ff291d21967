import Foundation
import Sync
import Testing

extension SyncSuite {
    @Suite("enrolment")
    struct EnrolmentTests {
        @Test func enrolPrintsTheCodeAloneOnTheLastLine() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let enrolled = try hubStore.succeed("hub", "enroll", "field-1", "--address", "192.0.2.7:7420")
                let last = try #require(enrolled.lines.last)
                let code = try #require(EnrolmentCode(last), "last line is not a code: \(enrolled)")
                #expect(last == code.text, "the line holds the code and nothing else")
                #expect(code.device == "field-1" && code.address.description == "192.0.2.7:7420")
                #expect(last.hasPrefix("fieldnotes://field-1:") && last.hasSuffix("@192.0.2.7:7420"))
                #expect(!enrolled.stderr.contains(last), "the secret is printed once, on stdout")

                let again = try hubStore.enroll("field-2", address: "192.0.2.7:7420")
                #expect(EnrolmentCode(again)?.secret != code.secret, "each enrolment has a fresh secret")
                let duplicate = try hubStore.run(["hub", "enroll", "field-1", "--address", "192.0.2.7:7420"])
                #expect(duplicate.status == 1 && duplicate.stderr.contains("already enrolled"), "\(duplicate)")
            }
        }

        @Test func joinWithGarbageIsAUsageError() throws {
            try Workspace.with { workspace in
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                for garbage in ["hello", "fieldnotes://field-1:abcd@127.0.0.1:7420",
                                "fieldnotes://field-1:\(String(repeating: "ab", count: 32))@nowhere"] {
                    let joined = try device.run(["join", garbage])
                    #expect(joined.status == 2, "\(joined)")
                    #expect(joined.stderr.hasPrefix("fieldnotes: error: ") && joined.stderr.contains("enrolment code"), "\(joined)")
                }
                #expect(try device.status()["hub"] is NSNull, "a bad code must not be stored")
            }
        }

        @Test func syncWithoutJoiningSaysToJoin() throws {
            try Workspace.with { workspace in
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                let synced = try device.sync()
                #expect(synced.status == 1, "\(synced)")
                #expect(synced.stderr.hasPrefix("fieldnotes: error: ") && synced.stderr.contains("fieldnotes join"), "\(synced)")
            }
        }

        /// Nothing listens on the port: the sync fails at once, and says the
        /// notes are still safe on this device.
        @Test func syncToAnAbsentHubFailsFastAndSaysTheNotesAreSafe() throws {
            try Workspace.with { workspace in
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.add("--title", "offline note")
                // A port that was free a moment ago and has no listener now.
                let port = try { () throws -> UInt16 in
                    let listener = try Listener(Endpoint(host: "127.0.0.1", port: 0))
                    defer { listener.close() }
                    return listener.endpoint.port
                }()
                let code = EnrolmentCode(device: "field-1", secret: Array(repeating: 7, count: 32),
                                         address: Endpoint(host: "127.0.0.1", port: port))
                try device.join(code.text)
                let before = try device.digest()
                let started = Date()
                let synced = try device.sync()
                #expect(Date().timeIntervalSince(started) < 5)
                #expect(synced.status == 1, "\(synced)")
                let line = synced.stderr.split(separator: "\n").last.map(String.init) ?? ""
                #expect(line.hasPrefix("fieldnotes: error: ") && line.contains("notes are safe"), "\(synced)")
                #expect(try device.digest() == before)
            }
        }

        @Test func hubDevicesShowsTheBoundReplicaAndOperationsReceived() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.add("--title", "one", "--tag", "a")
                try device.add("--title", "two", "--body", "more")
                try HubProcess.with(hubStore) { hub in
                    try device.join(try hub.enroll("field-1"))
                    let fresh = try #require(try hubStore.devices()["field-1"])
                    #expect(fresh["replica"] is NSNull)
                    #expect(fresh["operations_received"] as? Int == 0)
                    #expect(fresh["last_seen"] is NSNull)

                    let summary = try device.syncSucceeds()
                    let local = try #require(try device.status()["local_operations"] as? Int)
                    #expect(summary.sent == local)
                    let entry = try #require(try hubStore.devices()["field-1"])
                    #expect(entry["replica"] as? String == device.replica.hex)
                    #expect(entry["operations_received"] as? Int == local)
                    #expect(entry["last_seen"] is String)
                    #expect(entry["revoked"] is NSNull)

                    try device.add("--title", "three")
                    let second = try device.syncSucceeds()
                    #expect(try hubStore.devices()["field-1"]?["operations_received"] as? Int == local + second.sent)
                }
            }
        }
    }
}
