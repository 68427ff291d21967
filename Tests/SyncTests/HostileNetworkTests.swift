import Foundation
import Synthetic
import Testing

extension SyncSuite {
    /// Bad networks and crowds: a path that cuts, trickles and corrupts, and
    /// a flood of connections that never become devices.
    @Suite("hostile network")
    struct HostileNetworkTests {
        /// Syncs through a relay that, each round, cuts the connection at a
        /// random point either way, flips a bit either way, or trickles and
        /// then cuts, while another device keeps writing directly: many fail,
        /// none corrupts anything, and once the network is clean every store
        /// converges on the same digest.
        @Test func syncsThroughACuttingTricklingCorruptingNetworkConvergeOnceItIsClean() throws {
            try HubFixture.with { fixture in
                let field2 = try fixture.workspace.makeStore("field-2.sqlite", device: "field-2")
                try field2.succeed("import", try fixture.workspace.notesFile("field-2.ndjson", count: 120, prefix: "two"))
                try fixture.device.succeed("import", try fixture.workspace.notesFile("field-1.ndjson", count: 120, prefix: "one"))
                try fixture.device.syncSucceeds()
                try RelayProxy.with(to: fixture.hub.port) { relay in
                    try field2.join(try fixture.hubStore.enroll("field-2", address: relay.address))
                    var random = SplitMix64(seed: 20_261_120)
                    var outcomes: [String] = []
                    var failures = 0
                    for round in 0 ..< 10 {
                        // A round moves a few KB each way (60 notes, compressed, the TLS handshake
                        // included), the first far more.
                        let at = Int.random(in: 200 ..< 5_000, using: &random)
                        var fault = RelayProxy.Fault()
                        switch round % 5 {
                        case 0: fault.cutToHubAfter = at
                        case 1: fault.cutToDeviceAfter = at
                        case 2: fault.flipToHubAt = at
                        case 3: fault.flipToDeviceAt = at
                        default:
                            fault.trickleMillis = 15
                            fault.cutToDeviceAfter = at
                        }
                        let chosen = fault
                        relay.setFault { _ in chosen }
                        try field2.succeed("import", try fixture.workspace.notesFile("two-\(round).ndjson", count: 30, prefix: "two \(round)"))
                        try fixture.device.succeed("import", try fixture.workspace.notesFile("one-\(round).ndjson", count: 30, prefix: "one \(round)"))
                        try fixture.device.syncSucceeds()
                        let result = try field2.run(["sync", "--timeout", "5"], within: 60)
                        if result.status != 0 {
                            failures += 1
                            #expect(result.status == 1, "\(result)")
                            #expect(lastErrorLine(result).contains("notes are safe"), "\(fault): \(result)")
                        }
                        outcomes.append("\(fault): \(result.status == 0 ? "ok" : "failed")")
                        #expect(fixture.hub.isRunning, "the hub died: \(fixture.hub.child.stderrText)")
                    }
                    #expect(failures >= 5, "the faults broke only \(failures) of 10 syncs: \(outcomes)")

                    relay.setFault { _ in .none }
                    try field2.syncSucceeds()
                    try fixture.device.syncSucceeds()
                    try field2.syncSucceeds()
                    let hubDigest = try fixture.hubStore.digest()
                    #expect(try fixture.device.digest() == hubDigest, "\(outcomes)")
                    #expect(try field2.digest() == hubDigest, "\(outcomes)")
                    #expect(try fixture.hubStore.versionVector()[field2.replica] == (try field2.versionVector()[field2.replica]))
                }
            }
        }

        /// 200 connections from another address that never become devices
        /// (half trickle a byte a second into a TLS handshake, half send
        /// nothing; each one the hub drops comes back a second later) while
        /// 20 enrolled devices sync at once: every device gets through, and
        /// the hub holds every device's note.
        @Test(.timeLimit(.minutes(2)))
        func twentyDevicesSyncThroughTwoHundredSlowConnections() throws {
            try HubFixture.with(hubOptions: ["--idle-timeout", "30"]) { fixture in
                var devices: [StoreHandle] = []
                var notes: [String] = []
                for index in 0 ..< 20 {
                    let device = try fixture.workspace.makeStore("crowd-\(index).sqlite", device: "crowd-\(index)")
                    notes.append(try device.add("--title", "crowd note \(index)"))
                    try device.join(try fixture.hub.enroll("crowd-\(index)"))
                    devices.append(device)
                }
                let logged = fixture.hub.sessionLog.count
                // From two addresses, so that together they fill the hub's whole
                // unauthenticated pool (64), not only one address's share (32).
                try SlowFlood.with(connections: 100, to: fixture.hub.port, from: "127.0.0.2") { flood in
                  try SlowFlood.with(connections: 100, to: fixture.hub.port, from: "127.0.0.3") { other in
                    try #require(flood.waitUntilOpened(100, within: 10) && other.waitUntilOpened(100, within: 10),
                                 "the flood opened only \(flood.connectionsOpened + other.connectionsOpened) connections")
                    Thread.sleep(forTimeInterval: 1)
                    // The hub holds each address's share, so its whole unauthenticated pool is taken.
                    #expect(flood.connectionsHeld >= 16 && other.connectionsHeld >= 16,
                            "the hub holds \(flood.connectionsHeld) + \(other.connectionsHeld) of the flood")
                    let started = Date()
                    let children = try devices.map { try $0.start(["sync", "--timeout", "30"]) }
                    let results = children.map { $0.finish(within: 60) }
                    let seconds = Date().timeIntervalSince(started)
                    for result in results {
                        #expect(result.status == 0, "\(result)")
                    }
                    #expect(seconds < 60, "the crowd took \(seconds) s")
                    let opened = flood.connectionsOpened + other.connectionsOpened
                    let dropped = flood.connectionsDropped + other.connectionsDropped
                    #expect(dropped > 0 && opened > 200, "the hub never pushed back: \(opened) opened, \(dropped) dropped")
                    print("hostile network: 20 devices synced in \(Int(seconds * 1000)) ms through \(opened) slow connections (\(dropped) dropped by the hub)")
                  }
                }
                for (device, note) in zip(devices, notes) {
                    #expect(try fixture.hubStore.show(note)["title"] as? String == "crowd note \(device.name.dropFirst("crowd-".count))")
                }
                // The hub logs a session after it ends, which may be just after the device has finished.
                var sessions = fixture.hub.sessionLog.dropFirst(logged)
                for _ in 0 ..< 50 where !devices.allSatisfy({ device in sessions.contains { $0.contains("device=\(device.name) ") && $0.contains("outcome=ok") } }) {
                    Thread.sleep(forTimeInterval: 0.1)
                    sessions = fixture.hub.sessionLog.dropFirst(logged)
                }
                for device in devices {
                    #expect(sessions.contains { $0.contains("device=\(device.name) ") && $0.contains("outcome=ok") }, "no good session for \(device.name)")
                }
                #expect(fixture.hub.isRunning)
            }
        }
    }
}
