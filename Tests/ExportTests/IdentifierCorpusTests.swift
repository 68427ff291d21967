@testable import Export
import Foundation
import Store
import Synthetic
import Testing

/// Issue 12: how much of what NHS and ICO guidance call direct identifiers the
/// guard finds, measured on a labelled corpus of planted identifiers
/// (`Fixtures/identifier-corpus.txt`), and how often it raises a false alarm
/// on ordinary notes (its hard negatives, and the demo's synthetic notes).
/// The figures are printed; the README quotes them.
@Suite struct IdentifierCorpusTests {
    /// One line of the corpus: the text to scan and what is planted in it.
    struct Case {
        let line: Int
        let text: String
        /// Scanned as a note's participant value rather than free text.
        let participant: Bool
        /// After the `#! third batch` line: written after the rules, as a fresh test of them.
        var thirdBatch = false
        let planted: [(kind: IdentifierKind, range: Range<Int>)]

        var matches: [IdentifierScanner.Match] {
            participant ? IdentifierScanner.matches(in: text, type: Note.type, field: "participant") : IdentifierScanner.matches(in: text)
        }

        /// Whether a match of the planted kind covers all of planted identifier `index`.
        func caught(_ index: Int, in matches: [IdentifierScanner.Match]) -> Bool {
            let (kind, range) = planted[index]
            return matches.contains { $0.kind == kind && $0.range.lowerBound <= range.lowerBound && $0.range.upperBound >= range.upperBound }
        }

        /// Matches that overlap nothing planted.
        func falseAlarms(in matches: [IdentifierScanner.Match]) -> [IdentifierScanner.Match] {
            matches.filter { match in !planted.contains { $0.range.overlaps(match.range) } }
        }

        func excerpt(_ range: Range<Int>) -> String {
            let scalars = Array(text.unicodeScalars)
            return String(String.UnicodeScalarView(scalars[range]))
        }
    }

    static let corpusURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/identifier-corpus.txt")

    static func corpus() throws -> [Case] {
        let text = try String(contentsOf: corpusURL, encoding: .utf8)
        var cases: [Case] = []
        var thirdBatch = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("#! third batch") { thirdBatch = true }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty, !line.hasPrefix("#") else { continue }
            var item = try parse(line, number: index + 1)
            item.thirdBatch = thirdBatch
            cases.append(item)
        }
        return cases
    }

    struct CorpusError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `[[kind:text]]` marks and `\n` escapes; offsets are Unicode scalar offsets of the result.
    static func parse(_ line: String, number: Int) throws -> Case {
        var rest = Substring(line)
        let participant = rest.hasPrefix("@participant ")
        if participant { rest = rest.dropFirst("@participant ".count) }
        var out = String.UnicodeScalarView()
        var planted: [(kind: IdentifierKind, range: Range<Int>)] = []
        var open: (kind: IdentifierKind, start: Int)?
        while !rest.isEmpty {
            if rest.hasPrefix("[[") {
                guard open == nil, let colon = rest.firstIndex(of: ":"),
                      let kind = IdentifierKind(rawValue: String(rest[rest.index(rest.startIndex, offsetBy: 2)..<colon])) else {
                    throw CorpusError(description: "line \(number): a mark must be [[kind:text]] with a known kind")
                }
                open = (kind, out.count)
                rest = rest[rest.index(after: colon)...]
            } else if rest.hasPrefix("]]"), let mark = open {
                planted.append((mark.kind, mark.start..<out.count))
                open = nil
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("\\n") {
                out.append("\n")
                rest = rest.dropFirst(2)
            } else {
                out.append(contentsOf: String(rest.removeFirst()).unicodeScalars)
            }
        }
        guard open == nil else { throw CorpusError(description: "line \(number): a mark is not closed") }
        return Case(line: number, text: String(out), participant: participant, planted: planted)
    }

    /// Recall per kind and overall, false alarms, and what was missed.
    struct Score {
        var planted: [IdentifierKind: Int] = [:]
        var caught: [IdentifierKind: Int] = [:]
        var misses: [String] = []
        var negatives = 0
        var alarmedNegatives: [String] = []
        /// Matches on lines with planted identifiers that overlap none of them.
        var strayMatches: [String] = []

        var total: Int { planted.values.reduce(0, +) }
        var totalCaught: Int { caught.values.reduce(0, +) }
        var recall: Double { Double(totalCaught) / Double(max(total, 1)) }

        init(_ cases: [Case]) {
            for item in cases {
                let matches = item.matches
                for index in item.planted.indices {
                    let kind = item.planted[index].kind
                    planted[kind, default: 0] += 1
                    if item.caught(index, in: matches) {
                        caught[kind, default: 0] += 1
                    } else {
                        let found = matches.map { "\($0.kind.rawValue) '\(item.excerpt($0.range))'" }.joined(separator: ", ")
                        misses.append("line \(item.line): \(kind.rawValue) '\(item.excerpt(item.planted[index].range))' (found: \(found.isEmpty ? "nothing" : found))")
                    }
                }
                let alarms = item.falseAlarms(in: matches).map { "line \(item.line): \($0.kind.rawValue) '\(item.excerpt($0.range))'" }
                if item.planted.isEmpty {
                    negatives += 1
                    if !alarms.isEmpty { alarmedNegatives += alarms }
                } else {
                    strayMatches += alarms
                }
            }
        }

        func report(_ name: String = "identifier corpus") -> String {
            var lines = ["\(name): \(totalCaught) of \(total) planted identifiers found, recall \(percent(recall))"]
            for kind in IdentifierKind.allCases {
                let all = planted[kind, default: 0], found = caught[kind, default: 0]
                lines.append("  \(kind.rawValue): \(found)/\(all) (\(percent(Double(found) / Double(max(all, 1)))))")
            }
            let alarmed = Set(alarmedNegatives.map { $0.prefix { $0 != ":" } }).count
            lines.append("  hard negatives: \(alarmed) of \(negatives) lines alarmed (\(percent(Double(alarmed) / Double(max(negatives, 1)))))")
            lines += misses.map { "  missed " + $0 } + alarmedNegatives.map { "  false alarm " + $0 } + strayMatches.map { "  stray " + $0 }
            return lines.joined(separator: "\n")
        }
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    /// The scanner runs only the email and name rules on text with no ASCII
    /// digit: it must find exactly what every rule finds, on each corpus line,
    /// on the line with its digits spelt as letters (so the shortcut is taken),
    /// and on the demo's synthetic notes.
    @Test func textWithoutDigitsGivesWhatEveryRuleGives() throws {
        var texts = try Self.corpus().map(\.text)
        texts += texts.map { String($0.map { $0.isASCII && $0.isNumber ? "x" : $0 }) }
        var generator = FieldNotesGenerator(seed: 12)
        for _ in 0..<300 {
            let note = generator.next(baseSeconds: 1_790_000_000)
            texts += [note.title ?? "", note.body ?? ""]
        }
        texts += ["Mrs Jean Smith wrote to jean.smith@example.org", "Dr Patel, via Cllr Margaret Cracknell", "no digits at all here"]
        var shortcuts = 0
        for text in texts where text.utf8.count >= 5 {
            let codes = IdentifierScanner.fold(text)
            if !codes.contains(where: IdentifierScanner.isDigit) { shortcuts += 1 }
            let every = IdentifierScanner.resolve(IdentifierScanner.found(in: codes, everyRule: true))
            #expect(IdentifierScanner.matches(in: text) == every, "\(text)")
        }
        #expect(shortcuts > 400, "too few texts without digits to test the shortcut: \(shortcuts)")
        #expect(IdentifierScanner.matches(in: "Mrs Jean Smith wrote to jean.smith@example.org").map(\.kind) == [.personName, .email])
    }

    /// `mayHoldIdentifier` (the byte pre-filter `matches(in:)` starts with)
    /// turns text away only when every rule finds nothing in it: over the
    /// corpus, the corpus with its digits spelt as letters and its `@` as a
    /// word (so titles alone are left to let it through), the synthetic
    /// notes, each title in the ways a note may write it, and random text
    /// built from titles, names, digits, `@` and non-ASCII letters, spaces and punctuation.
    @Test func thePrefilterTurnsAwayOnlyTextNoRuleMatches() throws {
        var texts = try Self.corpus().map(\.text)
        texts += texts.map { String($0.map { $0.isASCII && $0.isNumber ? "x" : $0 == "@" ? " " : $0 }) }
        var generator = FieldNotesGenerator(seed: 13)
        for _ in 0..<2_000 {
            let note = generator.next(baseSeconds: 1_790_000_000)
            texts += [note.title, note.body, note.area, note.kind, note.participant, note.consent].compactMap { $0 } + note.tags
        }
        let titles = IdentifierScanner.Words.titles.map { String(decoding: $0.word, as: UTF8.self) }
        for title in titles {
            let capital = title.prefix(1).uppercased() + title.dropFirst()
            for form in [title, capital, title.uppercased()] {
                texts += ["\(form) Smith came", "\(form). J. Smith", "saw \(form) smith", "é\(form) Smith", "\(form)é Smith", "\(form)\u{A0}Smith",
                          "x\(form) Smith", "\(form)x Smith", "‘\(form)’ O’Neill-Jones", "\(form) Van der Berg", "\(form)\tÉmile Zola"]
            }
        }
        let pieces = titles.flatMap { [$0, $0.capitalized, $0.uppercased()] }
            + ["Smith", "smith", "O'Neill", "J.", "Van", "der", "Berg", "é", "É", "Łukasz", "\u{A0}", "’", "–", "-", ".", ",", " ", " ", " ", "\n",
               "@", "1", "07", "AB1", "Street", "Road", "born", "NHS", "no", "the", "and", "x", "Mrx", "xMr", "ßtraße", "日本", "😀"]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            var text = ""
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for step in 0..<Int(seed >> 60) + 2 {
                let draw = (seed >> UInt64(4 * (step % 12))) ^ (seed >> 17)
                text += pieces[Int(draw % UInt64(pieces.count))]
                if step % 12 == 11 { seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
            }
            texts.append(text)
        }
        var turnedAway = 0
        var found = 0
        var namesOnly = 0
        for text in texts {
            let every = IdentifierScanner.resolve(IdentifierScanner.found(in: IdentifierScanner.fold(text), everyRule: true))
            if !every.isEmpty { found += 1 }
            if !every.isEmpty, !text.utf8.contains(where: { IdentifierScanner.isDigit($0) || $0 == UInt8(ascii: "@") }) { namesOnly += 1 }
            guard !IdentifierScanner.mayHoldIdentifier(text) else { continue }
            turnedAway += 1
            #expect(every.isEmpty, "turned away, yet the rules find \(every.map(\.kind)) in: \(text)")
            #expect(IdentifierScanner.matches(in: text).isEmpty)
        }
        // Both sides are exercised: much text is turned away, and much that gets through
        // holds identifiers, some with no digit or `@` (names, let through by their title alone).
        print("pre-filter: \(texts.count) texts, \(turnedAway) turned away, \(found) with identifiers, \(namesOnly) of them with no digit or @")
        #expect(turnedAway > 5_000, "only \(turnedAway) texts turned away")
        #expect(found > 500, "only \(found) texts with identifiers")
        #expect(namesOnly > 100, "only \(namesOnly) texts with identifiers but no digit or @")
    }

    @Test func theCorpusPlantsAtLeast200IdentifiersCoveringEveryKind() throws {
        let cases = try Self.corpus()
        let score = Score(cases)
        #expect(score.total >= 200, "only \(score.total) planted identifiers")
        for kind in IdentifierKind.allCases { #expect(score.planted[kind, default: 0] >= 5, "\(kind) is planted \(score.planted[kind, default: 0]) times") }
        #expect(score.negatives >= 60, "only \(score.negatives) hard negatives")
    }

    @Test func theGuardFindsAtLeast95PercentOfPlantedIdentifiers() throws {
        let cases = try Self.corpus()
        let score = Score(cases)
        print(score.report())
        // The batch written after the rules, on its own (the corpus records its first measurement). Reported, not gated.
        print(Score(cases.filter(\.thirdBatch)).report("third batch"))
        #expect(score.recall >= 0.95, "recall \(Self.percent(score.recall)) is below the 95% goal:\n\(score.report())")
        // No kind may be left mostly unguarded behind a good average.
        for kind in IdentifierKind.allCases {
            let recall = Double(score.caught[kind, default: 0]) / Double(max(score.planted[kind, default: 0], 1))
            #expect(recall >= 0.85, "\(kind.rawValue) recall \(Self.percent(recall))")
        }
    }

    @Test func hardNegativesRarelyRaiseAnAlarm() throws {
        let score = Score(try Self.corpus())
        let alarmed = Set(score.alarmedNegatives.map { $0.prefix { $0 != ":" } }).count
        #expect(Double(alarmed) <= 0.05 * Double(score.negatives), "\(alarmed) of \(score.negatives):\n\(score.alarmedNegatives.joined(separator: "\n"))")
    }

    @Test func redactionRemovesEveryIdentifierItFinds() throws {
        for item in try Self.corpus() {
            let redacted = item.participant
                ? IdentifierScanner.redact(item.text, type: Note.type, field: "participant").text : IdentifierScanner.redact(item.text).text
            for index in item.planted.indices where item.caught(index, in: item.matches) {
                let value = item.excerpt(item.planted[index].range)
                #expect(!redacted.contains(value), "line \(item.line): '\(value)' survives in '\(redacted)'")
            }
        }
    }

    /// The demo's notes: `FieldNotesGenerator` as `fieldnotes demo` runs it (seed 1,
    /// three devices of 40 notes), then more seeds for a larger sample.
    static func ordinaryNotes() -> [(seed: UInt64, note: Note.Input)] {
        var notes: [(seed: UInt64, note: Note.Input)] = []
        for (seed, count) in [(UInt64(1), 120), (2, 1_000), (3, 1_000), (4, 1_000)] {
            var generator = FieldNotesGenerator(seed: seed)
            for _ in 0..<count { notes.append((seed, generator.next(baseSeconds: 1_788_220_800))) }
        }
        return notes
    }

    /// Every text of a note an export scans, field by field.
    static func fields(_ note: Note.Input) -> [(field: String, text: String)] {
        var fields: [(field: String, text: String)] = []
        for (field, value) in [("title", note.title), ("body", note.body), ("area", note.area), ("participant", note.participant)] {
            if let value { fields.append((field, value)) }
        }
        return fields + note.tags.map { ("tags", $0) }
    }

    @Test func ordinaryNotesRaiseAlarmsOnAtMost2Percent() {
        let notes = Self.ordinaryNotes()
        var alarmed: [String] = []
        var demoAlarmed = 0
        for (seed, note) in notes {
            let hits = Self.fields(note).flatMap { field, text in
                IdentifierScanner.matches(in: text, type: Note.type, field: field).map { "\(field) \($0.kind.rawValue)" }
            }
            if !hits.isEmpty {
                alarmed.append("seed \(seed) '\(note.title ?? "")': \(hits.joined(separator: ", "))")
                if seed == 1 { demoAlarmed += 1 }
            }
        }
        let rate = Double(alarmed.count) / Double(notes.count)
        print("ordinary notes: \(alarmed.count) of \(notes.count) synthetic notes alarmed (\(Self.percent(rate))); "
              + "the demo's own 120: \(demoAlarmed)")
        #expect(rate <= 0.02, "\(alarmed.count) of \(notes.count):\n\(alarmed.prefix(20).joined(separator: "\n"))")
    }
}
