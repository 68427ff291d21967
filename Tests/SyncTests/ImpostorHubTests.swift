import CRDT
import Foundation
import Sync
import Testing
import Wire

extension SyncSuite {
    @Suite("impostor hub")
    struct ImpostorHubTests {
        /// A server with a key of its own at the hub's address (the relay
        /// the device's code names is turned to it, as DNS or a Wi-Fi trap
        /// would), and with a device of the same name enrolled so it would
        /// welcome it: the device checks the key against the fingerprint in
        /// its code right after the TLS handshake and sends nothing: no magic,
        /// no Hello, no name crosses even inside TLS (the impostor logs an
        /// anonymous session), and its store is untouched. The same device
        /// then syncs with its real hub, so the refusal was the impostor's doing.
        @Test func deviceRefusesAHubWithAnotherKeyBeforeSendingAnything() throws {
            try Workspace.with { workspace in
                let realStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let impostorStore = try workspace.makeStore("impostor.sqlite", device: "impostor")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.add("--title", "first", "--body", "synced before the impostor came")

                try HubProcess.with(realStore) { realHub in
                    try RelayProxy.with(to: realHub.port) { relay in
                        try device.join(try realStore.enroll("field-1", address: relay.address))
                        try device.syncSucceeds()
                        try device.add("--title", "confidential", "--body", "only for the real hub")

                        try HubProcess.with(impostorStore) { impostor in
                            let impostorCode = try #require(EnrolmentCode(try impostor.enroll("field-1")))
                            let realCode = try #require(EnrolmentCode(try realStore.enroll("field-2", address: relay.address)))
                            #expect(impostorCode.hubFingerprint != realCode.hubFingerprint)
                            relay.retarget(impostor.port)
                            let seen = relay.connections.count
                            let deviceBefore = try device.status()
                            let impostorBefore = try impostorStore.digest()

                            let refused = try device.sync()
                            #expect(refused.status == 1, "\(refused)")
                            let line = lastErrorLine(refused)
                            #expect(line.contains("not your hub's") && line.contains("nothing was sent"), "\(refused)")
                            #expect(line.contains(String(Hex.encode(realCode.hubFingerprint).prefix(16))), "it names the pinned key: \(line)")
                            #expect(refused.stdout.isEmpty)

                            let deviceAfter = try device.status()
                            for key in ["digest", "operations", "unacknowledged_operations", "last_sync"] {
                                #expect(String(describing: deviceAfter[key]) == String(describing: deviceBefore[key]), "\(key) changed")
                            }
                            let lines = impostor.sessionLines(after: 0)
                            #expect(lines.count == 1 && lines.allSatisfy { $0.contains("device=-") && $0.contains("in=0") }, "\(lines)")
                            #expect(try impostorStore.versionVector()[device.replica] == 0, "the impostor got the device's operations")
                            #expect(try impostorStore.digest() == impostorBefore)
                            let entry = try #require(try impostorStore.devices()["field-1"])
                            #expect(entry["replica"] is NSNull, "the impostor learned which store the device is")

                            let captured = relay.connections.dropFirst(seen)
                            #expect(captured.count == 1)
                            for connection in captured {
                                #expect(connection.toHub.count < 4096, "the device sent \(connection.toHub.count) bytes to the impostor")
                                for text in ["field-1", "confidential", "only for the real hub"] {
                                    #expect(!connection.toHub.contains(bytes: Array(text.utf8)))
                                }
                                #expect(!connection.toHub.contains(bytes: WireProtocol.magic))
                            }
                        }

                        relay.retarget(realHub.port)
                        let synced = try device.syncSucceeds()
                        #expect(synced.sent > 0)
                        #expect(try realStore.digest() == (try device.digest()))
                    }
                }
            }
        }
    }
}
