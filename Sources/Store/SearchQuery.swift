/// A full-text search as a person types it, parsed into an FTS5 query in
/// which every word and phrase is a quoted FTS5 string, so nothing typed is
/// read as FTS5 syntax the person did not mean (a column filter `title:`,
/// `NEAR(`, `^`, a stray quote) and no query reaches SQLite malformed.
///
/// The language (`fieldnotes search --help` says the same):
/// - words, all of which must appear: `bus shelter`; `AND` may be written;
/// - `"quoted phrases"`, whose words must appear together, in order;
/// - a trailing `*` matches a prefix: `transp*`, `"lunch cl"*`;
/// - `OR` between words, phrases or groups: `bus OR minibus`. OR binds more
///   tightly than AND, as in web search: `lunch bus OR minibus` is lunch and
///   (bus or minibus);
/// - `NOT` after something: `bus NOT minibus` is bus without minibus;
/// - parentheses group: `(bus OR minibus) NOT taxi`.
///
/// `AND`, `OR` and `NOT` are operators only in capitals (lower case they are
/// words, as FTS5 has it). A word or phrase with no letters or digits (`-`,
/// `+`, an emoji) can match nothing under FTS5's unicode61 tokenizer, so it is
/// left out rather than making the whole query match nothing. Anything else
/// that cannot be read (an unclosed quote or parenthesis, an operator with
/// nothing on one side) is refused with `StoreError.invalid` naming it.
public struct SearchQuery: Sendable, Equatable {
    /// The FTS5 MATCH expression: quoted strings joined by fully
    /// parenthesised AND, OR and NOT, so FTS5's own precedence never applies.
    public let expression: String

    /// Limits that keep parsing and FTS5's expression depth bounded.
    public static let maxTerms = 64
    public static let maxDepth = 16

    public init(_ text: String) throws {
        var parser = Parser(tokens: try Self.tokens(text))
        guard !parser.tokens.isEmpty else {
            throw StoreError.invalid("the search query is empty", "give one or more words to look for")
        }
        let terms = parser.tokens.filter { if case .term = $0 { return true } else { return false } }.count
        guard terms <= Self.maxTerms else {
            throw StoreError.invalid("the search query has \(terms) words and phrases, over the limit of \(Self.maxTerms)", "search for fewer words")
        }
        let tree = try parser.parseQuery()
        guard let tree else {
            throw StoreError.invalid("the search query has no letters or digits to look for", "search for words, as in: bus OR minibus")
        }
        expression = tree
    }

    // MARK: Tokens

    enum Token: Equatable {
        /// A word or phrase as typed (without its quotes), and whether it ends in `*`.
        case term(String, prefix: Bool)
        case open, close, and, or, not
    }

    static func tokens(_ text: String) throws -> [Token] {
        var tokens: [Token] = []
        var characters = Substring(text)
        while let first = characters.first {
            if first.isWhitespace {
                characters.removeFirst()
            } else if first == "(" {
                tokens.append(.open)
                characters.removeFirst()
            } else if first == ")" {
                tokens.append(.close)
                characters.removeFirst()
            } else if first == "\"" {
                characters.removeFirst()
                guard let end = characters.firstIndex(of: "\"") else {
                    throw StoreError.invalid("the search query has a \" with no closing \"", "close the phrase with a second \", as in \"lunch club\"")
                }
                let phrase = String(characters[..<end])
                characters = characters[characters.index(after: end)...]
                let prefix = characters.first == "*"
                if prefix { characters.removeFirst() }
                tokens.append(.term(phrase, prefix: prefix))
            } else {
                // A word runs to white space or a parenthesis; a quote inside it is part of it.
                let end = characters.firstIndex { $0.isWhitespace || $0 == "(" || $0 == ")" } ?? characters.endIndex
                var word = String(characters[..<end])
                characters = characters[end...]
                switch word {
                case "AND": tokens.append(.and)
                case "OR": tokens.append(.or)
                case "NOT": tokens.append(.not)
                default:
                    let prefix = word.count > 1 && word.hasSuffix("*")
                    if prefix { word.removeLast() }
                    tokens.append(.term(word, prefix: prefix))
                }
            }
        }
        return tokens
    }

    /// The term as an FTS5 string: in double quotes, its quotes doubled; nil
    /// when it has no letter or digit, so no token FTS5 could match.
    static func quoted(_ text: String, prefix: Bool) -> String? {
        guard text.contains(where: { $0.isLetter || $0.isNumber }) else { return nil }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" + (prefix ? "*" : "")
    }

    // MARK: Grammar
    //
    //   query   := and-list
    //   and-list:= or-list ( [AND] or-list | NOT or-list )*
    //   or-list := primary ( OR primary )*
    //   primary := term | "(" query ")"
    //
    // Each rule returns its FTS5 text, or nil when every term in it was left out.

    struct Parser {
        let tokens: [Token]
        var index = 0
        var depth = 0

        init(tokens: [Token]) { self.tokens = tokens }

        var next: Token? { index < tokens.count ? tokens[index] : nil }

        mutating func parseQuery() throws -> String? {
            let result = try andList()
            // Only a ")" stops an and-list before the end.
            if next != nil {
                throw StoreError.invalid("the search query has a ')' with no '(' before it", "remove it, or put the word in quotes")
            }
            return result
        }

        mutating func andList() throws -> String? {
            var result: String?
            var started = false
            while let token = next, token != .close {
                switch token {
                case .and:
                    index += 1
                    guard started, let after = next, after != .close, after != .or, after != .and, after != .not else {
                        throw Self.dangling("AND")
                    }
                    result = Self.join(result, try orList(), "AND")
                case .not:
                    index += 1
                    guard started else {
                        throw StoreError.invalid("NOT needs something before it", "write what to find first, as in: bus NOT minibus")
                    }
                    guard let after = next, after != .close, after != .or, after != .and, after != .not else { throw Self.dangling("NOT") }
                    let excluded = try orList()
                    if let kept = result, let excluded { result = "(\(kept) NOT \(excluded))" }
                case .or:
                    throw Self.dangling("OR")
                default:
                    result = Self.join(result, try orList(), "AND")
                }
                started = true
            }
            return result
        }

        mutating func orList() throws -> String? {
            var result = try primary()
            while next == .or {
                index += 1
                guard let after = next, after != .close, after != .or, after != .and, after != .not else { throw Self.dangling("OR") }
                result = Self.join(result, try primary(), "OR")
            }
            return result
        }

        mutating func primary() throws -> String? {
            guard let token = next else { throw Self.dangling("OR") }
            index += 1
            switch token {
            case .term(let text, let prefix):
                return SearchQuery.quoted(text, prefix: prefix)
            case .open:
                depth += 1
                guard depth <= SearchQuery.maxDepth else {
                    throw StoreError.invalid("the search query nests parentheses more than \(SearchQuery.maxDepth) deep", "use fewer parentheses")
                }
                guard next != .close else {
                    throw StoreError.invalid("the search query has empty parentheses", "put words between them, or remove them")
                }
                let inner = try andList()
                guard next == .close else {
                    throw StoreError.invalid("the search query has a '(' with no ')'", "close it, or put the word in quotes")
                }
                index += 1
                depth -= 1
                return inner
            case .close:
                throw StoreError.invalid("the search query has a ')' with no '(' before it", "remove it, or put the word in quotes")
            case .and, .or, .not:
                // The callers check what follows an operator before calling here.
                throw Self.dangling("OR")
            }
        }

        static func join(_ left: String?, _ right: String?, _ op: String) -> String? {
            switch (left, right) {
            case (let left?, let right?): return "(\(left) \(op) \(right))"
            default: return left ?? right
            }
        }

        static func dangling(_ op: String) -> StoreError {
            StoreError.invalid("\(op) needs a word or phrase on each side",
                               "write it as: bus \(op) minibus; to search for the word itself, quote it: \"\(op.lowercased())\"")
        }
    }
}
