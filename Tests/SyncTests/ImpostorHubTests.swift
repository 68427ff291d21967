import Foundation
import Sync
import Testing

extension SyncSuite {
    @Suite("impostor hub")
    struct ImpostorHubTests {
        /// A server that has the device's name enrolled, but not its secret,
        /// cannot prove itself: the device stops before its own proof and
        /// sends nothing, and its store is untouched. The same device then
        /// syncs with its real hub, so the refusal was the impostor's doing.
        @Test func deviceRefusesAHubThatCannotProveItKnowsTheSecret() throws {
            try Workspace.with { workspace in
                let realStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let impostorStore = try workspace.makeStore("impostor.sqlite", device: "impostor")
                let device = try workspace.makeStore("field-1.sqlite", device: "field-1")
                try device.add("--title", "confidential", "--body", "only for the real hub")

                try HubProcess.with(realStore) { realHub in
                    let realCode = try #require(EnrolmentCode(try realHub.enroll("field-1")))
                    let impostorCode = try #require(EnrolmentCode(try impostorStore.enroll("field-1", address: "127.0.0.1:1")))
                    #expect(impostorCode.secret != realCode.secret)

                    try HubProcess.with(impostorStore) { impostor in
                        // The real name and secret, pointed at the impostor.
                        let lured = EnrolmentCode(device: "field-1", secret: realCode.secret, address: impostor.endpoint)
                        try device.join(lured.text)
                        let deviceBefore = try device.status()
                        let impostorBefore = try impostorStore.digest()

                        let refused = try device.sync()
                        #expect(refused.status == 1, "\(refused)")
                        #expect(refused.stderr.contains("could not prove it is your hub") && refused.stderr.contains("nothing was sent"),
                                "\(refused)")
                        #expect(refused.stdout.isEmpty)

                        let deviceAfter = try device.status()
                        #expect(deviceAfter["digest"] as? String == deviceBefore["digest"] as? String)
                        #expect(deviceAfter["operations"] as? Int == deviceBefore["operations"] as? Int)
                        #expect(deviceAfter["unacknowledged_operations"] as? Int == deviceBefore["unacknowledged_operations"] as? Int)
                        #expect(deviceAfter["last_sync"] is NSNull)
                        #expect(try impostorStore.versionVector()[device.replica] == 0, "the impostor got the device's operations")
                        #expect(try impostorStore.digest() == impostorBefore)
                        let entry = try #require(try impostorStore.devices()["field-1"])
                        #expect(entry["replica"] is NSNull, "the impostor learned which store the device is")
                        #expect(entry["operations_received"] as? Int == 0)
                    }

                    try device.join(realCode.text)
                    let synced = try device.syncSucceeds()
                    #expect(synced.sent > 0)
                    #expect(try realStore.digest() == (try device.digest()))
                }
            }
        }
    }
}
