import Foundation
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
                expectSuccess(result)
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
}
