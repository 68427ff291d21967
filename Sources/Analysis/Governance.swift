import CRDT
import Formats
import Store

/// Which records people's rights reach: everything held about one
/// participant (subject access, erasure by participant), and the notes past
/// a retention period. The commands act on what these return.
public enum Governance {
    /// Every note whose participant is `pseudonym` (ignoring case and
    /// surrounding spaces), deleted ones included; erased ones are left out
    /// (nothing of them remains to give or erase). A note two people gave
    /// different participants at once is the note of each of them, shown
    /// value or not, as consent is judged on every concurrent value.
    public static func notes(ofParticipant pseudonym: String, in store: Store) throws -> [VisibleRecord] {
        let wanted = Codebook.key(pseudonym)
        guard !wanted.isEmpty else { return [] }
        var filter = RecordFilter(type: Note.type)
        filter.includeDeleted = true
        return try store.list(filter).filter { note in
            !note.erased && note.heads("participant").contains { Codebook.key($0.value.text ?? "") == wanted }
        }
    }

    /// The records that hold words about `notes` and go with them: their
    /// coded passages and the memos on the notes or on those passages.
    public static func dependents(of notes: Set<RecordID>, in store: Store) throws -> (passages: [VisibleRecord], memos: [VisibleRecord]) {
        var filter = RecordFilter(type: Passage.type)
        filter.includeDeleted = true
        let passages = try store.list(filter).filter { record in
            !record.erased && (record.value("note")?.text.flatMap(RecordID.init(hex:)).map(notes.contains) ?? false)
        }
        let targets = notes.union(passages.map(\.id))
        var memoFilter = RecordFilter(type: Memo.type)
        memoFilter.includeDeleted = true
        let memos = try store.list(memoFilter).filter { record in
            !record.erased && (record.value("target")?.text.flatMap(RecordID.init(hex:)).map(targets.contains) ?? false)
        }
        return (passages, memos)
    }

    /// Passages and memos about notes already erased: an erase names the
    /// passages and memos its store held, so one written on another device
    /// before that device heard of the erase (coded or noted offline) arrives
    /// after it, and would keep its words about the erased note. Erasing
    /// these finishes the erase (`strandedErasures`), wherever it is found.
    public static func strandedDependents(in store: Store) throws -> [VisibleRecord] {
        let erased = Set(try store.erasedIDs(type: Note.type))
        guard !erased.isEmpty else { return [] }
        func target(_ record: VisibleRecord, _ field: String) -> RecordID? { record.value(field)?.text.flatMap(RecordID.init(hex:)) }
        var passageFilter = RecordFilter(type: Passage.type)
        passageFilter.includeDeleted = true
        let passages = try store.list(passageFilter).filter { !$0.erased && (target($0, "note").map(erased.contains) ?? false) }
        // Erased passages too (an erase leaves no values, so not their note): a memo
        // on one may have been written before its erase arrived.
        let targets = erased.union(passages.map(\.id)).union(try store.erasedIDs(type: Passage.type))
        var memoFilter = RecordFilter(type: Memo.type)
        memoFilter.includeDeleted = true
        let memos = try store.list(memoFilter).filter { !$0.erased && (target($0, "target").map(targets.contains) ?? false) }
        return passages + memos
    }

    /// The changes that erase `strandedDependents`.
    public static func strandedErasures(in store: Store) throws -> [Change] {
        try strandedDependents(in: store).map { .erase($0.id, reason: "written about a note erased on another device") }
    }

    /// The changes that erase `notes` and everything that goes with them, for `reason`.
    public static func erasures(of notes: [VisibleRecord], reason: String, in store: Store) throws -> [Change] {
        let (passages, memos) = try dependents(of: Set(notes.map(\.id)), in: store)
        return (notes + passages + memos).map { .erase($0.id, reason: reason) }
    }

    /// A retention period as people write it: `24m` (months), `2y`, `90d`.
    /// Returns the cutoff moment (canonical UTC): notes that occurred before
    /// it are past the period. Nil for text that is no period.
    public static func cutoff(_ period: String, nowSeconds: Int64) -> String? {
        let text = period.trimmingSpaces.lowercased()
        guard let unit = text.last, "dmy".contains(unit), let count = Int(text.dropLast()), count > 0, count <= 1200 else { return nil }
        let today = nowSeconds >= 0 ? nowSeconds / 86_400 : (nowSeconds - 86_399) / 86_400
        let secondsOfDay = nowSeconds - today * 86_400
        let day: Int64
        switch unit {
        case "d":
            day = today - Int64(count)
        default:
            // The same day of the month, `count` months back (the month's last day if it is shorter).
            let months = unit == "y" ? count * 12 : count
            let (year, month, dayOfMonth) = ISO8601.civilFromDays(Int(today))
            let total = year * 12 + (month - 1) - months
            let newYear = total >= 0 ? total / 12 : (total - 11) / 12
            let newMonth = total - newYear * 12 + 1
            let first = ISO8601.daysFromCivil(year: newYear, month: newMonth, day: 1)
            let next = newMonth == 12 ? ISO8601.daysFromCivil(year: newYear + 1, month: 1, day: 1) : ISO8601.daysFromCivil(year: newYear, month: newMonth + 1, day: 1)
            day = Int64(first + min(dayOfMonth, next - first) - 1)
        }
        return ISO8601.format(seconds: day * 86_400 + secondsOfDay)
    }

    /// Live and deleted notes that occurred before `cutoff`; notes with no date are not judged.
    public static func notes(occurredBefore cutoff: String, in store: Store) throws -> [VisibleRecord] {
        var filter = RecordFilter(type: Note.type)
        filter.includeDeleted = true
        filter.rangeField = "occurred_at"
        filter.before = cutoff
        return try store.list(filter).filter { !$0.erased && $0.value("occurred_at")?.text != nil }
    }
}
