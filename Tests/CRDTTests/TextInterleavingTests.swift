import CRDT
import Testing

/// What FugueMax promises beyond convergence: runs typed concurrently at one
/// place never interleave, whether typed forwards or backwards (Weidner &
/// Kleppmann 2023, §3 and §5).
@Suite struct TextInterleavingTests {
    static let low = ReplicaID(high: 0, low: 1)
    static let high = ReplicaID(high: 0xFF, low: 0)

    /// Two replicas from a shared `base` each type their run one character
    /// at a time (forwards: each at the cursor after the last; backwards:
    /// each at the same offset), then exchange in both orders.
    static func merge(base: String, at offset: Int, _ first: String, _ second: String, backwards: Bool,
                      swapped: Bool = false) throws -> [String] {
        var a = TextSequence(replica: swapped ? high : low)
        var b = TextSequence(replica: swapped ? low : high)
        if let seed = a.insert(base, at: 0) { b.apply(seed) }
        var fromA: [TextOperation] = [], fromB: [TextOperation] = []
        for (i, scalar) in (backwards ? Array(first.unicodeScalars.reversed()) : Array(first.unicodeScalars)).enumerated() {
            fromA.append(try required(a.insert(String(scalar), at: offset + (backwards ? 0 : i))))
        }
        for (i, scalar) in (backwards ? Array(second.unicodeScalars.reversed()) : Array(second.unicodeScalars)).enumerated() {
            fromB.append(try required(b.insert(String(scalar), at: offset + (backwards ? 0 : i))))
        }
        for operation in fromB { a.apply(operation) }
        for operation in fromA.reversed() { b.apply(operation) }
        return [a.text, b.text]
    }

    @Test(arguments: [false, true])
    func runsTypedForwardsAtOnePlaceDoNotInterleave(swapped: Bool) throws {
        let texts = try Self.merge(base: "", at: 0, "abc", "xyz", backwards: false, swapped: swapped)
        #expect(texts[0] == texts[1])
        #expect(texts[0] == "abcxyz" || texts[0] == "xyzabc", "interleaved: \(texts[0])")
        let inside = try Self.merge(base: "[]", at: 1, "hello", "world", backwards: false, swapped: swapped)
        #expect(inside[0] == inside[1])
        #expect(inside[0] == "[helloworld]" || inside[0] == "[worldhello]", "interleaved: \(inside[0])")
    }

    @Test(arguments: [false, true])
    func runsTypedBackwardsAtOnePlaceDoNotInterleave(swapped: Bool) throws {
        // RGA interleaves these ("axbycz"-like); Fugue and FugueMax do not.
        let texts = try Self.merge(base: "", at: 0, "abc", "xyz", backwards: true, swapped: swapped)
        #expect(texts[0] == texts[1])
        #expect(texts[0] == "abcxyz" || texts[0] == "xyzabc", "interleaved: \(texts[0])")
        let inside = try Self.merge(base: "<>", at: 1, "abc", "xyz", backwards: true, swapped: swapped)
        #expect(inside[0] == inside[1])
        #expect(inside[0] == "<abcxyz>" || inside[0] == "<xyzabc>", "interleaved: \(inside[0])")
    }

    @Test func theLowerReplicaGoesFirstWhenOriginsAreEqual() throws {
        // Same origins: the tie-break on the replicas' bytes decides, the same everywhere.
        #expect(try Self.merge(base: "", at: 0, "abc", "xyz", backwards: false) == ["abcxyz", "abcxyz"])
        #expect(try Self.merge(base: "", at: 0, "abc", "xyz", backwards: false, swapped: true) == ["xyzabc", "xyzabc"])
    }

    @Test func threeReplicasTypingAtOnePlaceKeepEachRunWhole() throws {
        let ids = [ReplicaID(high: 3, low: 0), ReplicaID(high: 1, low: 0), ReplicaID(high: 2, low: 0)]
        var replicas = ids.map { TextSequence(replica: $0) }
        let base = try required(replicas[0].insert("()", at: 0))
        for i in 1 ..< 3 { replicas[i].apply(base) }
        var made: [TextOperation] = []
        for (i, word) in ["one", "two", "six"].enumerated() {
            for (k, scalar) in word.unicodeScalars.enumerated() {
                made.append(try required(replicas[i].insert(String(scalar), at: 1 + k)))
            }
        }
        for i in replicas.indices { for operation in made.reversed() { replicas[i].apply(operation) } }
        let text = replicas[0].text
        #expect(replicas.allSatisfy { $0.text == text })
        #expect(text == "(twosixone)", "runs stay whole, ordered by replica bytes: \(text)")
    }

    @Test func anInsertionInsideAConcurrentRunStaysInsideIt() throws {
        var a = TextSequence(replica: Self.low)
        var b = TextSequence(replica: Self.high)
        let word = try required(a.insert("helo", at: 0))
        b.apply(word)
        let fix = try required(b.insert("l", at: 3))
        let more = try required(a.insert(" there", at: 4))
        a.apply(fix)
        b.apply(more)
        #expect(a.text == "hello there" && b.text == a.text)
    }
}
