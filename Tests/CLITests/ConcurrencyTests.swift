import Foundation
import SQLite
import Testing

@Suite("concurrency")
struct ConcurrencyTests {
    /// Two writers, twenty notes each, all started before any finishes: every
    /// `add` waits for the write lock instead of failing, and no note is lost.
    @Test func racingAddProcessesAllSucceed() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let titles = (1...20).flatMap { ["alice \($0)", "bob \($0)"] }
            let running = try titles.map { try store.start(["add", "--title", $0, "--body", "racing \($0)"]) }
            let results = running.map { $0.wait() }
            for result in results {
                // On a slow machine an add may wait long enough to say so.
                #expect(result.status == 0, "\(result)")
                #expect(result.stderrLines.allSatisfy { $0.hasPrefix("fieldnotes: waiting for another program") }, "\(result)")
                #expect(result.output.isHex32, "\(result)")
            }
            let ids = results.map(\.output)
            #expect(Set(ids).count == titles.count)

            let notes = try store.list()
            #expect(notes.count == titles.count)
            #expect(Set(notes.compactMap { $0.string("id") }) == Set(ids))
            #expect(Set(notes.compactMap { $0.string("title") }) == Set(titles))
            #expect((try store.status()["notes"] as? [String: Int])?["live"] == titles.count)
        }
    }

    /// A writer waits for another program's transaction as long as it takes
    /// (before, it gave up with "database is locked" after 10 s), and once it
    /// has waited 2 s says on stderr what it is waiting for. The transaction
    /// is held here, on a connection of the test process.
    @Test func addWaitsForAnotherWritersTransactionAndSaysSo() throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let writer = try Database(path: store.path)
            try writer.execute("BEGIN IMMEDIATE")
            let started = ContinuousClock.now
            let adding = try store.start(["add", "--title", "Patient", "--body", "waits its turn"])
            Thread.sleep(forTimeInterval: 3.5)
            #expect(adding.isRunning, "add did not wait for the write lock")
            try writer.execute("COMMIT")
            let added = adding.wait()
            #expect(ContinuousClock.now - started >= .seconds(3.5))
            #expect(added.status == 0, "\(added)")
            #expect(added.output.isHex32, "\(added)")
            #expect(added.stderrLines == ["fieldnotes: waiting for another program that is writing to \(store.path) (an import or a sync?); "
                                          + "this command goes on when it finishes, or press Ctrl-C to stop it"], "\(added)")
            #expect(try store.list().compactMap { $0.string("title") } == ["Patient"])
        }
    }
}
