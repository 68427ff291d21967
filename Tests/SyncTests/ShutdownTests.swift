import Foundation
import Glibc
import Testing

extension SyncSuite {
    @Suite("shutdown")
    struct ShutdownTests {
        /// SIGTERM and SIGINT stop the hub cleanly: it exits 0 within a few
        /// seconds, says so, and its store is intact, even when the parent
        /// left those signals blocked (test runners and service managers do).
        @Test(arguments: [SIGTERM, SIGINT])
        func hubStopsCleanlyOnSignal(_ signal: Int32) throws {
            try HubFixture.with { fixture in
                let digest = try fixture.hubStore.digest()
                fixture.hub.child.send(signal)
                let ended = fixture.hub.child.finish(within: 10)
                #expect(ended.status == 0, "\(ended)")
                #expect(ended.stderr.contains("fieldnotes hub: stopped"), "\(ended)")
                #expect(try fixture.hubStore.digest() == digest)
            }
        }
    }
}
