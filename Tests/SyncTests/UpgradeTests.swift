import CRDT
import Foundation
import SQLite
import Store
import Testing

extension SyncSuite {
    /// Stores from sync protocol version 1 (schema 3, a shared secret in
    /// each store) open, keep their data, lose the secret, and a device is
    /// told in one line to ask for a new code; joining again keeps its
    /// notes and its replica id.
    @Suite("upgrade from version 1")
    struct UpgradeTests {
        /// Turns a current store back into what version 1 left: schema 3,
        /// the version 1 devices table with secrets on a hub, the secret in
        /// a device's meta.
        static func makeVersion1(_ path: String, hubDevice: String?, deviceLink: (address: String, name: String)?) throws {
            let database = try Database(path: path)
            try database.execute("""
                DROP INDEX ops_body; DROP TABLE texts;
                DROP TABLE devices;
                CREATE TABLE devices (
                    name TEXT PRIMARY KEY, secret BLOB NOT NULL, replica BLOB UNIQUE,
                    enrolled_ms INTEGER NOT NULL, last_seen_ms INTEGER, operations_received INTEGER NOT NULL DEFAULT 0,
                    revoked_ms INTEGER);
                PRAGMA user_version = 3;
                """)
            if let hubDevice {
                try database.run("INSERT INTO devices(name, secret, enrolled_ms) VALUES (?, ?, 1)", [.text(hubDevice), .blob([UInt8](repeating: 0xAB, count: 32))])
            }
            if let link = deviceLink {
                try database.run("INSERT INTO meta(key, value) VALUES ('hub_address', ?), ('hub_device', ?), ('hub_secret', ?)",
                                 [.text(link.address), .text(link.name), .blob([UInt8](repeating: 0xAB, count: 32))])
            }
        }

        @Test func aVersion1DeviceIsToldToAskForANewCodeAndKeepsEverythingWhenItJoins() throws {
            try Workspace.with { workspace in
                let hubStore = try workspace.makeStore("hub.sqlite", device: "hub")
                let alice = try workspace.makeStore("alice.sqlite", device: "alice")
                let note = try alice.add("--title", "written under version 1")
                try HubProcess.with(hubStore) { hub in
                    try Self.makeVersion1(hubStore.path, hubDevice: "alice", deviceLink: nil)
                    try Self.makeVersion1(alice.path, hubDevice: nil, deviceLink: (hub.address, "alice"))
                    let before = try alice.digest()
                    // The stores open (and migrate) and keep their data; the secret is gone.
                    let told = try alice.sync()
                    #expect(told.status == 1, "\(told)")
                    #expect(told.stderr.contains("version 1") && told.stderr.contains("new code") && told.stderr.split(separator: "\n").count == 1, "\(told)")
                    #expect(try alice.digest() == before)
                    let raw = try Data(contentsOf: URL(fileURLWithPath: alice.path))
                    #expect(raw.range(of: Data([UInt8](repeating: 0xAB, count: 32))) == nil, "the version 1 secret is still in the device's store file")
                    // A new code for the same name, no --replace needed; the store keeps its notes and replica id.
                    let code = try hub.enroll("alice")
                    let hubRaw = try Data(contentsOf: URL(fileURLWithPath: hubStore.path))
                    #expect(hubRaw.range(of: Data([UInt8](repeating: 0xAB, count: 32))) == nil, "the version 1 secret is still in the hub's store file")
                    try alice.join(code)
                    try alice.syncSucceeds()
                    #expect(try alice.currentReplica() == alice.replica)
                    #expect(try hubStore.show(note)["title"] as? String == "written under version 1")
                    #expect(try alice.digest() == (try hubStore.digest()))
                }
            }
        }
    }
}
