import Foundation
import Sync
import Testing

extension SyncSuite {
    /// The hub's key is its identity to every enrolled device: it is never
    /// silently replaced.
    @Suite("hub key")
    struct HubKeyTests {
        @Test func aHubWhoseKeyFileIsMissingRefusesToMakeANewOneOnceDevicesEnrolled() throws {
            try HubFixture.with { fixture in
                let keyPath = KeyFile.path(forStore: fixture.hubStore.path)
                let key = try Data(contentsOf: URL(fileURLWithPath: keyPath))
                try FileManager.default.removeItem(atPath: keyPath)
                for arguments in [["hub", "enroll", "field-2"], ["hub", "serve", "--listen", "127.0.0.1:0"]] {
                    let refused = try fixture.hubStore.run(arguments, within: 20)
                    #expect(refused.status == 1, "\(arguments): \(refused)")
                    #expect(refused.stderr.contains("key file") && refused.stderr.contains("restore it from the backup"), "\(refused)")
                    #expect(!FileManager.default.fileExists(atPath: keyPath), "a new hub key was made")
                }
                // Put back, the hub's key works as before (the fixture's running hub never noticed).
                try key.write(to: URL(fileURLWithPath: keyPath))
                chmod(keyPath, 0o600)
                #expect(try fixture.hubStore.run(["hub", "enroll", "field-2"]).status == 0)
            }
        }
    }
}
