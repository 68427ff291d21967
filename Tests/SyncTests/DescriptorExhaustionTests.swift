import Foundation
import Glibc
@testable import Sync
import SystemCalls
import Testing

extension SyncSuite {
    /// A hub that runs out of file descriptors must wait for them, not spin:
    /// the connection it cannot take stays queued, and `poll` reports it at once.
    @Suite("descriptor exhaustion")
    struct DescriptorExhaustionTests {
        /// The hub runs under `ulimit -n 32` and silent peers connect until
        /// it cannot accept another (its log says so, once). Over the next
        /// 2 s it uses under 0.25 s of CPU and says nothing more: an accept
        /// loop without the pause uses all 2 s on an idle machine (0.69 s
        /// measured on a loaded one). Once the peers close, a device syncs a
        /// new note through it and it logs that it accepts connections again.
        @Test func hubOutOfDescriptorsBacksOffAndServesAgain() throws {
            try HubFixture.with(descriptorLimit: 32) { fixture in
                let digest = try fixture.hubStore.digest()
                let endpoint = Endpoint(host: "127.0.0.1", port: fixture.hub.port)
                let exhausted = "hub: cannot accept connections (Too many open files)"
                // More than 32 in all, fewer than the 32 from one address the
                // unauthenticated pool allows, so the pool never makes room by dropping one.
                var peers: [Connection] = []
                for _ in 0 ..< 31 { peers.append(try Connection.connect(to: endpoint, timeout: 5)) }
                let logged = waitUntil(seconds: 5) { fixture.hub.child.stderrText.contains(exhausted) }
                try #require(logged, "the hub never ran out of descriptors:\n\(fixture.hub.child.stderrText)")

                let pid = fixture.hub.child.pid
                let cpuBefore = try cpuSeconds(of: pid)
                let started = MonotonicClock.nowMillis()
                Syscall.sleep(milliseconds: 2000)
                let cpu = try cpuSeconds(of: pid) - cpuBefore
                let wall = Double(MonotonicClock.nowMillis() - started) / 1000
                print("hub out of descriptors: \(String(format: "%.2f", cpu)) s of CPU in \(String(format: "%.2f", wall)) s")
                #expect(cpu < 0.25, "the hub used \(cpu) s of CPU in \(wall) s while out of descriptors")
                #expect(fixture.hub.child.stderrText.components(separatedBy: exhausted).count - 1 == 1,
                        "the hub logged running out more than once in one episode:\n\(fixture.hub.child.stderrText)")

                for peer in peers { peer.close() }
                try fixture.expectHubUnharmed(digestBefore: digest, retryWhileBusyFor: 10)
                #expect(fixture.hub.child.stderrText.contains("hub: accepting connections again after"), "\(fixture.hub.child.stderrText)")
            }
        }

        /// The pauses: 10 ms, doubling to 1 s; only the first failure of an
        /// episode is to be logged; an accepted connection ends the episode.
        @Test func acceptBackoffDoublesToOneSecondAndResets() {
            var backoff = AcceptBackoff()
            #expect(backoff.succeeded(nowMillis: 0) == nil)
            var pauses: [Int] = []
            var starts: [Bool] = []
            for step in 0 ..< 10 {
                let pause = backoff.failed(nowMillis: 1000 + Int64(step))
                pauses.append(pause.millis)
                starts.append(pause.startsEpisode)
            }
            #expect(pauses == [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000])
            #expect(starts == [true] + Array(repeating: false, count: 9))
            let episode = backoff.succeeded(nowMillis: 5000)
            #expect(episode?.failures == 10)
            #expect(episode?.millis == 4000)
            #expect(backoff.failed(nowMillis: 6000) == (millis: 10, startsEpisode: true))
        }

        /// Waits up to `seconds` for `condition`; true once it holds.
        private func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
            let deadline = MonotonicClock.nowMillis() + Int64(seconds * 1000)
            while MonotonicClock.nowMillis() < deadline {
                if condition() { return true }
                Syscall.sleep(milliseconds: 20)
            }
            return condition()
        }

        /// User plus system CPU time `pid` has used (`/proc/PID/stat`, fields 14 and 15).
        private func cpuSeconds(of pid: Int32) throws -> Double {
            let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            // The command name, field 2, is in parentheses and may hold spaces.
            let closing = try #require(text.lastIndex(of: ")"))
            let fields = text[text.index(after: closing)...].split(separator: " ")
            let user = try #require(Double(fields[11])), system = try #require(Double(fields[12]))
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
    }
}
