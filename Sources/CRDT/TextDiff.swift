/// The differences between two texts as a short list of edits, so that an
/// edit of a whole body (`fieldnotes edit --body-file`) becomes the
/// insertions and deletions a person made, not a replacement of everything.
///
/// The characters an edit keeps are what coded passages and anchors hold on
/// to, so the edits must keep the words a person kept, not just the fewest
/// scalars: "The bus" to "The number 9 bus" is shortest as "num" + the old
/// "b" + "er 9 b" + "us" (the old "b" kept as the one in "number"), and a
/// rewritten sentence shares stray letters with the old one. So:
/// - the texts are compared word by word (words, and each scalar between
///   them), the words they start and end with cut first, the middle with
///   Myers's algorithm (*An O(ND) Difference Algorithm and Its Variations*,
///   1986): what replaces a phrase replaces it whole ("cried" to "sobbed"
///   keeps no "ed"), and only a word that stands for one word and differs
///   from it in at most two scalars (a typo fixed) is compared scalar by scalar;
/// - the script is cleaned up as Neil Fraser's *Diff Strategies* (2006)
///   describes: an equality no longer than the edits on both sides of it is
///   given up, neighbouring edits are merged with what they share moved into
///   the equalities around them, and an edit between two equalities is slid
///   to the word, sentence or line boundary that scores best.
/// Past `maxDifferences` the middle is replaced whole, which is still correct
/// and keeps time and memory bounded.
public enum TextDiff {
    public struct Edit: Equatable, Sendable {
        /// Offset in the old text (Unicode scalars).
        public let offset: Int
        public let deleteCount: Int
        public let insert: [Unicode.Scalar]
    }

    /// Edits in increasing offset order, not overlapping; applying them from
    /// the last to the first turns `old` into `new`.
    public static func edits(from old: [Unicode.Scalar], to new: [Unicode.Scalar], maxDifferences: Int = 1024) -> [Edit] {
        guard old != new else { return [] }
        var script = Script()
        script.addWords(from: old, to: new, maxDifferences: maxDifferences)
        script.cleanUp()
        return script.edits
    }

    /// An edit script as runs: kept, deleted and inserted scalars, in order.
    struct Script {
        enum Kind { case equal, delete, insert }
        struct Run {
            var kind: Kind
            var text: [Unicode.Scalar]
        }

        var runs: [Run] = []

        /// Appends `text` as `kind`, joined to the last run if it is of that kind.
        mutating func add(_ kind: Kind, _ text: ArraySlice<Unicode.Scalar>) {
            guard !text.isEmpty else { return }
            if let last = runs.indices.last, runs[last].kind == kind {
                runs[last].text += text
            } else {
                runs.append(Run(kind: kind, text: Array(text)))
            }
        }

        /// Appends the script from `a` to `b`, compared word by word (words, and
        /// each space or punctuation scalar between them) after the words both
        /// start and end with: what replaces a phrase replaces it whole, and
        /// only a word that stands for one word and differs from it in at most
        /// two scalars (a typo fixed: "bsu" to "bus") is compared scalar by
        /// scalar. Past `maxDifferences` words, the middle is replaced whole.
        mutating func addWords(from a: [Unicode.Scalar], to b: [Unicode.Scalar], maxDifferences: Int) {
            let wordsA = Script.words(a), wordsB = Script.words(b)
            // Compared as numbers: one per distinct word.
            var numbers: [[Unicode.Scalar]: Int] = [:]
            func number(_ word: [Unicode.Scalar]) -> Int {
                if let known = numbers[word] { return known }
                numbers[word] = numbers.count
                return numbers.count - 1
            }
            let numbersA = wordsA.map(number), numbersB = wordsB.map(number)
            var prefix = 0
            while prefix < numbersA.count, prefix < numbersB.count, numbersA[prefix] == numbersB[prefix] { prefix += 1 }
            var suffix = 0
            while suffix < numbersA.count - prefix, suffix < numbersB.count - prefix,
                  numbersA[numbersA.count - 1 - suffix] == numbersB[numbersB.count - 1 - suffix] { suffix += 1 }
            add(.equal, Array(wordsA[..<prefix].joined())[...])
            let middleA = Array(numbersA[prefix ..< numbersA.count - suffix]), middleB = Array(numbersB[prefix ..< numbersB.count - suffix])
            var deleted: [[Unicode.Scalar]] = [], inserted: [[Unicode.Scalar]] = []
            func flush() {
                defer { deleted = []; inserted = [] }
                let from = Array(deleted.joined()), to = Array(inserted.joined())
                func isWord(_ word: [Unicode.Scalar]) -> Bool { word.first.map(Script.isWordScalar) ?? false }
                if !from.isEmpty, !to.isEmpty, deleted.filter(isWord).count <= 1, inserted.filter(isWord).count <= 1,
                   let steps = TextDiff.myers(from, to, maxDifferences: 2) {
                    addScalars(steps, from, to)
                } else {
                    add(.delete, from[...])
                    add(.insert, to[...])
                }
            }
            if middleA.isEmpty || middleB.isEmpty {
                deleted = Array(wordsA[prefix ..< wordsA.count - suffix])
                inserted = Array(wordsB[prefix ..< wordsB.count - suffix])
            } else if let steps = TextDiff.myers(middleA, middleB, maxDifferences: maxDifferences) {
                var x = 0
                for step in steps {
                    let at: Int
                    switch step {
                    case .delete(let position): at = position
                    case .insert(let position, _): at = position
                    }
                    if at > x {
                        flush()
                        add(.equal, Array(wordsA[prefix + x ..< prefix + at].joined())[...])
                        x = at
                    }
                    switch step {
                    case .delete(let position):
                        deleted.append(wordsA[prefix + position])
                        x = position + 1
                    case .insert(_, let y):
                        inserted.append(wordsB[prefix + y])
                    }
                }
                flush()
                add(.equal, Array(wordsA[prefix + x ..< wordsA.count - suffix].joined())[...])
            } else {
                // Too many differences to compare: the middle is replaced whole.
                add(.delete, Array(wordsA[prefix ..< wordsA.count - suffix].joined())[...])
                add(.insert, Array(wordsB[prefix ..< wordsB.count - suffix].joined())[...])
            }
            flush()
            add(.equal, Array(wordsA[(wordsA.count - suffix)...].joined())[...])
        }

        /// Appends Myers's script `steps` from `a` to `b`, scalar by scalar.
        private mutating func addScalars(_ steps: [Step], _ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) {
            var x = 0
            for step in steps {
                switch step {
                case .delete(let at):
                    add(.equal, a[x ..< at])
                    add(.delete, a[at ... at])
                    x = at + 1
                case .insert(let at, let y):
                    add(.equal, a[x ..< at])
                    add(.insert, b[y ... y])
                    x = at
                }
            }
            add(.equal, a[x...])
        }

        /// The text as words (letters and digits) and the single scalars between them.
        static func words(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
            var words: [[Unicode.Scalar]] = []
            for scalar in text {
                if isWordScalar(scalar), let last = words.indices.last, let previous = words[last].last, isWordScalar(previous) {
                    words[last].append(scalar)
                } else {
                    words.append([scalar])
                }
            }
            return words
        }

        static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isAlphabetic || scalar.properties.numericType != nil }

        /// The edits of the script, by offset in the old text.
        var edits: [Edit] {
            var edits: [Edit] = []
            var offset = 0
            var index = 0
            while index < runs.count {
                if runs[index].kind == .equal {
                    offset += runs[index].text.count
                    index += 1
                    continue
                }
                let start = offset
                var deleteCount = 0
                var insert: [Unicode.Scalar] = []
                while index < runs.count, runs[index].kind != .equal {
                    if runs[index].kind == .delete { deleteCount += runs[index].text.count } else { insert += runs[index].text }
                    index += 1
                }
                offset += deleteCount
                edits.append(Edit(offset: start, deleteCount: deleteCount, insert: insert))
            }
            return edits
        }

        /// Gives up equalities no longer than the edits on both sides of
        /// them, then merges and slides edits (`merge`, `slideToBoundaries`).
        mutating func cleanUp() {
            var changed = false
            var equalities: [Int] = []
            var lastEquality: Int?
            var before = (inserted: 0, deleted: 0), after = (inserted: 0, deleted: 0)
            var index = 0
            while index < runs.count {
                if runs[index].kind == .equal {
                    equalities.append(index)
                    before = after
                    after = (0, 0)
                    lastEquality = runs[index].text.count
                } else {
                    if runs[index].kind == .insert { after.inserted += runs[index].text.count } else { after.deleted += runs[index].text.count }
                    if let length = lastEquality, let at = equalities.last,
                       length <= max(before.inserted, before.deleted), length <= max(after.inserted, after.deleted) {
                        // The equality is deleted and inserted again; what was before it is looked at afresh.
                        runs.insert(Run(kind: .delete, text: runs[at].text), at: at)
                        runs[at + 1].kind = .insert
                        equalities.removeLast()
                        if !equalities.isEmpty { equalities.removeLast() }
                        index = equalities.last ?? -1
                        before = (0, 0)
                        after = (0, 0)
                        lastEquality = nil
                        changed = true
                    }
                }
                index += 1
            }
            if changed { merge() }
            slideToBoundaries()
        }

        /// Joins each group of edits between two equalities into one deletion
        /// and one insertion, moves what they start or end with in common into
        /// the equalities around them, and joins neighbouring equalities.
        mutating func merge() {
            var merged: [Run] = []
            var deleted: [Unicode.Scalar] = [], inserted: [Unicode.Scalar] = []
            func flush(into merged: inout [Run]) {
                var common = 0
                while common < deleted.count, common < inserted.count, deleted[common] == inserted[common] { common += 1 }
                if common > 0 {
                    if let last = merged.indices.last, merged[last].kind == .equal {
                        merged[last].text += inserted[..<common]
                    } else {
                        merged.append(Run(kind: .equal, text: Array(inserted[..<common])))
                    }
                    deleted.removeFirst(common)
                    inserted.removeFirst(common)
                }
                var tail = 0
                while tail < deleted.count, tail < inserted.count, deleted[deleted.count - 1 - tail] == inserted[inserted.count - 1 - tail] { tail += 1 }
                let shared = Array(inserted.suffix(tail))
                deleted.removeLast(tail)
                inserted.removeLast(tail)
                if !deleted.isEmpty { merged.append(Run(kind: .delete, text: deleted)) }
                if !inserted.isEmpty { merged.append(Run(kind: .insert, text: inserted)) }
                if !shared.isEmpty { merged.append(Run(kind: .equal, text: shared)) }
                deleted = []
                inserted = []
            }
            for run in runs {
                switch run.kind {
                case .delete: deleted += run.text
                case .insert: inserted += run.text
                case .equal:
                    flush(into: &merged)
                    if let last = merged.indices.last, merged[last].kind == .equal {
                        merged[last].text += run.text
                    } else {
                        merged.append(run)
                    }
                }
            }
            flush(into: &merged)
            runs = merged
        }

        /// Slides each lone edit between two equalities (the same text can be
        /// deleted or inserted one position earlier or later when the
        /// scalars around it repeat) to where it best meets word, sentence or
        /// line boundaries on both sides.
        mutating func slideToBoundaries() {
            var index = 1
            while index + 1 < runs.count {
                guard runs[index - 1].kind == .equal, runs[index + 1].kind == .equal, runs[index].kind != .equal else {
                    index += 1
                    continue
                }
                // The three runs as one text, the edit at start ..< start + length: it may
                // start one earlier when the scalar before it equals its last, one later
                // when its first equals the one after it.
                let text = runs[index - 1].text + runs[index].text + runs[index + 1].text
                let length = runs[index].text.count
                var start = runs[index - 1].text.count
                while start > 0, text[start - 1] == text[start - 1 + length] { start -= 1 }
                var best = start, bestScore = -1
                var position = start
                while true {
                    // The rightmost of equal scores.
                    let score = Script.score(text, boundary: position) + Script.score(text, boundary: position + length)
                    if score >= bestScore { best = position; bestScore = score }
                    guard position + length < text.count, text[position] == text[position + length] else { break }
                    position += 1
                }
                runs[index - 1].text = Array(text[..<best])
                runs[index].text = Array(text[best ..< best + length])
                runs[index + 1].text = Array(text[(best + length)...])
                if runs[index + 1].text.isEmpty { runs.remove(at: index + 1) }
                if runs[index - 1].text.isEmpty {
                    runs.remove(at: index - 1)
                } else {
                    index += 1
                }
            }
            // Slides may have left equalities or edits side by side.
            if runs.indices.dropFirst().contains(where: { runs[$0].kind == runs[$0 - 1].kind }) { merge() }
        }

        /// How well a boundary before `text[boundary]` falls: 6 at an end of
        /// the runs, 5 at a blank line, 4 at a line break, 3 at the end of a
        /// sentence, 2 at white space, 1 at other punctuation, 0 inside a word.
        static func score(_ text: [Unicode.Scalar], boundary: Int) -> Int {
            guard boundary > 0, boundary < text.count else { return 6 }
            let a = text[boundary - 1], b = text[boundary]
            let punctuation = (a: !isWordScalar(a), b: !isWordScalar(b))
            let space = (a: punctuation.a && a.properties.isWhitespace, b: punctuation.b && b.properties.isWhitespace)
            let lineBreak = (a: space.a && (a == "\n" || a == "\r"), b: space.b && (b == "\n" || b == "\r"))
            let blank = (a: lineBreak.a && boundary >= 2 && text[boundary - 2] == "\n" && a == "\n",
                         b: lineBreak.b && boundary + 1 < text.count && b == "\n" && text[boundary + 1] == "\n")
            if blank.a || blank.b { return 5 }
            if lineBreak.a || lineBreak.b { return 4 }
            if punctuation.a && !space.a && space.b { return 3 }
            if space.a || space.b { return 2 }
            if punctuation.a || punctuation.b { return 1 }
            return 0
        }
    }

    enum Step {
        /// Delete old scalar `x`.
        case delete(Int)
        /// Insert new scalar `y` before old scalar `x`.
        case insert(Int, Int)
    }

    /// The shortest edit script, in order; nil past `maxDifferences`.
    static func myers<Element: Equatable>(_ a: [Element], _ b: [Element], maxDifferences: Int) -> [Step]? {
        let n = a.count, m = b.count
        let limit = min(n + m, maxDifferences)
        let offset = limit + 1
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        // v[k - d ... k + d] before each round d, to walk back.
        var trace: [[Int]] = []
        var found = -1
        search: for d in 0 ... limit {
            trace.append(Array(v[offset - d ... offset + d]))
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n, y >= m { found = d; break search }
            }
        }
        guard found >= 0 else { return nil }
        var steps: [Step] = []
        var x = n, y = m
        for d in stride(from: found, to: 0, by: -1) {
            let before = trace[d]   // v after round d - 1, indexed k + d
            func at(_ k: Int) -> Int { before[k + d] }
            let k = x - y
            let down = k == -d || (k != d && at(k - 1) < at(k + 1))
            let previousK = down ? k + 1 : k - 1
            let previousX = at(previousK)
            let previousY = previousX - previousK
            // The diagonal from there back to (x, y) matched; the step before it is the edit.
            steps.append(down ? .insert(previousX, previousY) : .delete(previousX))
            x = previousX
            y = previousY
        }
        return steps.reversed()
    }
}
