import CRDT
import Store
import Synthetic
import Testing

/// The search language: what it sends FTS5, what it refuses, and, against
/// a naive reference evaluator over generated queries and notes, that the
/// store finds exactly the notes the documented grammar says it should.
@Suite struct SearchQueryTests {
    @Test(arguments: [
        ("bus", #""bus""#),
        ("bus shelter", #"("bus" AND "shelter")"#),
        ("bus AND shelter", #"("bus" AND "shelter")"#),
        ("bus OR minibus", #"("bus" OR "minibus")"#),
        // OR binds more tightly than AND, as in web search.
        ("lunch bus OR minibus", #"("lunch" AND ("bus" OR "minibus"))"#),
        ("bus OR minibus lunch", #"(("bus" OR "minibus") AND "lunch")"#),
        ("bus NOT minibus", #"("bus" NOT "minibus")"#),
        ("(bus OR minibus) NOT taxi", #"(("bus" OR "minibus") NOT "taxi")"#),
        ("lunch NOT bus OR taxi", #"("lunch" NOT ("bus" OR "taxi"))"#),
        (#""lunch club""#, #""lunch club""#),
        (#""lunch cl"*"#, #""lunch cl"*"#),
        ("transp*", #""transp"*"#),
        // FTS5 syntax typed as words stays words.
        ("title:buses", #""title:buses""#),
        ("NEAR bus", #"("NEAR" AND "bus")"#),
        ("^bus", #""^bus""#),
        (#"bus"never"#, #""bus""never""#),
        ("or and not", #"(("or" AND "and") AND "not")"#),
        ("(Really!)", #""Really!""#),
        // Words with no letter or digit can match nothing, so they are left out.
        ("bus + -", #""bus""#),
        ("bus OR -", #""bus""#),
        ("bus NOT 🚌", #""bus""#),
    ] as [(String, String)])
    func queriesBecomeQuotedFTS5Expressions(_ typed: String, _ expression: String) throws {
        #expect(try SearchQuery(typed).expression == expression)
    }

    @Test(arguments: [
        ("", "empty"), ("   ", "empty"), (#""lunch club"#, "no closing"), ("(bus", "no ')'"), ("bus)", "no '('"), (")", "no '('"),
        ("OR", "OR needs"), ("bus OR", "OR needs"), ("OR bus", "OR needs"), ("bus OR OR taxi", "OR needs"), ("bus AND", "AND needs"),
        ("AND bus", "AND needs"), ("NOT bus", "NOT needs something before it"), ("bus NOT", "NOT needs"), ("()", "empty parentheses"),
        ("bus ( )", "empty parentheses"), ("-", "no letters or digits"), ("\"\"", "no letters or digits"), ("🚌 *", "no letters or digits"),
        (String(repeating: "(", count: 17) + "bus" + String(repeating: ")", count: 17), "nests"),
        (Array(repeating: "bus", count: 65).joined(separator: " "), "over the limit"),
    ] as [(String, String)])
    func malformedQueriesAreRefusedNamingTheProblem(_ typed: String, _ fragment: String) {
        do {
            let query = try SearchQuery(typed)
            Issue.record("'\(typed)' was accepted as \(query.expression)")
        } catch let error as StoreError {
            #expect(error.isRefusal)
            #expect(error.message.contains(fragment), "\(error)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Strings of the syntax's own characters, read by SearchQuery and, if
    /// accepted, run by a real FTS5 index: a query is refused by us or runs,
    /// never an SQLite syntax error.
    @Test func noTypedQueryReachesSQLiteMalformed() throws {
        try withTemporaryStore { store, _ in
            let note = try Store.newRecordID()
            try store.commit([.create(note, type: Note.type), .assign(note, field: "title", value: .text("bus stop")),
                              .editText(note, field: "body", text: "The \"lunch\" club (Really!) NOT closed")])
            let pieces = ["bus", "lunch", "club", "OR", "AND", "NOT", "(", ")", "\"", "*", " ", "-", ":", "^", "NEAR", "{", "}", "+", "🚌", "é"]
            var random = SplitMix64(seed: 11)
            var accepted = 0
            for _ in 0..<2_000 {
                let text = (0..<Int.random(in: 1...8, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
                let query: SearchQuery
                do {
                    query = try SearchQuery(text)
                } catch let error as StoreError {
                    #expect(error.isRefusal, "\(text): \(error)")
                    continue
                }
                accepted += 1
                var filter = RecordFilter(type: Note.type)
                filter.includeDeleted = true
                _ = try store.search(query, filter: filter, limit: 10)
            }
            #expect(accepted > 200, "the generator should produce many valid queries, made \(accepted)")
        }
    }

    // MARK: Against a reference evaluator

    /// A query as the documented grammar means it.
    indirect enum Node {
        case word(String, prefix: Bool)
        case phrase([String])
        case and(Node, Node)
        case or(Node, Node)
        case not(Node, Node)

        func matches(_ words: [String]) -> Bool {
            switch self {
            case .word(let word, let prefix): return words.contains { prefix ? $0.hasPrefix(word) : $0 == word }
            case .phrase(let phrase):
                guard words.count >= phrase.count else { return false }
                return (0...(words.count - phrase.count)).contains { Array(words[$0..<$0 + phrase.count]) == phrase }
            case .and(let a, let b): return a.matches(words) && b.matches(words)
            case .or(let a, let b): return a.matches(words) || b.matches(words)
            case .not(let a, let b): return a.matches(words) && !b.matches(words)
            }
        }

        var isAndLevel: Bool {
            switch self {
            case .and, .not: return true
            default: return false
            }
        }

        /// The query as a person may type it: parentheses only where the
        /// grammar needs them (OR binds tighter than AND and NOT, which run
        /// left to right), plus some it does not; AND written or implied.
        func typed(_ random: inout SplitMix64) -> String {
            func side(_ node: Node, needsParentheses: Bool) -> String {
                let text = node.typed(&random)
                return needsParentheses || random.chance(15) ? "(\(text))" : text
            }
            switch self {
            case .word(let word, let prefix): return word + (prefix ? "*" : "")
            case .phrase(let words): return "\"" + words.joined(separator: " ") + "\""
            case .or(let a, let b): return side(a, needsParentheses: a.isAndLevel) + " OR " + side(b, needsParentheses: b.isAndLevel)
            case .and(let a, let b): return side(a, needsParentheses: false) + (random.chance(50) ? " AND " : " ") + side(b, needsParentheses: b.isAndLevel)
            case .not(let a, let b): return side(a, needsParentheses: false) + " NOT " + side(b, needsParentheses: b.isAndLevel)
            }
        }

        static func random(_ random: inout SplitMix64, depth: Int) -> Node {
            let vocabulary = ["bus", "buses", "minibus", "lunch", "club", "taxi", "surgery"]
            if depth == 0 || random.chance(35) {
                if random.chance(25) {
                    return .phrase((0..<2).map { _ in vocabulary.randomElement(using: &random) ?? "bus" })
                }
                let word = vocabulary.randomElement(using: &random) ?? "bus"
                return random.chance(20) ? .word(String(word.prefix(3)), prefix: true) : .word(word, prefix: false)
            }
            let a = Node.random(&random, depth: depth - 1), b = Node.random(&random, depth: depth - 1)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: return .and(a, b)
            case 1: return .or(a, b)
            default: return .not(a, b)
            }
        }
    }

    @Test func theStoreFindsExactlyWhatTheGrammarSays() throws {
        try withTemporaryStore { store, _ in
            var random = SplitMix64(seed: 2026)
            let vocabulary = ["bus", "buses", "minibus", "lunch", "club", "taxi", "surgery", "the", "a"]
            var documents: [RecordID: [String]] = [:]
            for _ in 0..<60 {
                let id = try Store.newRecordID()
                let words = (0..<Int.random(in: 2...7, using: &random)).map { _ in vocabulary.randomElement(using: &random) ?? "the" }
                documents[id] = words
                try store.commit([.create(id, type: Note.type), .assign(id, field: "title", value: .text("zz")),
                                  .editText(id, field: "body", text: words.joined(separator: " "))])
            }
            var nonEmpty = 0, partial = 0
            for _ in 0..<300 {
                let node = Node.random(&random, depth: 3)
                let typed = node.typed(&random)
                let query = try SearchQuery(typed)
                let found = Set(try store.search(query, filter: RecordFilter(type: Note.type), limit: 1_000).map(\.record.id))
                let expected = Set(documents.filter { node.matches($0.value) }.keys)
                #expect(found == expected, "\(typed) → \(query.expression)")
                if !expected.isEmpty { nonEmpty += 1 }
                if !expected.isEmpty && expected.count < documents.count { partial += 1 }
            }
            // The workload must really discriminate: many queries find some notes but not all.
            #expect(nonEmpty > 100 && partial > 100, "non-empty \(nonEmpty), partial \(partial)")
        }
    }

    @Test func searchTakesTheSameFiltersAsList() throws {
        try withTemporaryStore { store, _ in
            func note(_ body: String, area: String, ucla3: Double) throws -> RecordID {
                let id = try Store.newRecordID()
                try store.commit([.create(id, type: Note.type), .assign(id, field: "title", value: .text("t")),
                                  .assign(id, field: "area", value: .text(area)), .assign(id, field: "measures.ucla3", value: .number(ucla3)),
                                  .editText(id, field: "body", text: body)])
                return id
            }
            let lonely = try note("the bus stopped", area: "Heneage", ucla3: 8)
            _ = try note("the bus stopped", area: "Heneage", ucla3: 4)
            _ = try note("the bus stopped", area: "Scartho", ucla3: 9)
            var filter = RecordFilter(type: Note.type)
            filter.rangeField = "occurred_at"
            filter.conditions = [.fieldIn("area", [.text("Heneage")]), .number("measures.ucla3", .greaterOrEqual, 7)]
            #expect(try store.search(try SearchQuery("bus"), filter: filter, limit: 10).map(\.record.id) == [lonely])
        }
    }
}
