import Analysis
import CRDT
import Formats
import Store

/// A subject access request: everything this store holds about one
/// participant, in one JSON document written like an export (whole or not
/// at all, owner-only) and recorded in the audit trail. Words withheld from
/// exports for consent are included: they are the person's own.
public enum SubjectAccess {
    /// What the document held.
    public struct Summary: Sendable {
        public let path: String
        public let notes: Int
        public let passages: Int
        public let memos: Int
        public let cases: Int
        public let insights: Int
    }

    public static func write(_ store: Store, pseudonym: String, to path: String, force: Bool = false,
                             purpose: String = "", recipient: String = "", nowSeconds: Int64) throws -> Summary {
        let notes = try Governance.notes(ofParticipant: pseudonym, in: store)
        let ids = Set(notes.map(\.id))
        let (passages, memos) = try Governance.dependents(of: ids, in: store)
        var caseFilter = RecordFilter(type: Case.type)
        caseFilter.includeDeleted = true
        let cases = try store.list(caseFilter).filter { Codebook.key($0.value("pseudonym")?.text ?? "") == Codebook.key(pseudonym) }
        let caseIDs = Set(cases.map(\.id))
        var memoFilter = RecordFilter(type: Memo.type)
        memoFilter.includeDeleted = true
        let caseMemos = try store.list(memoFilter).filter { $0.value("target")?.text.flatMap(RecordID.init(hex:)).map(caseIDs.contains) ?? false }
        var insightFilter = RecordFilter(type: Insight.type)
        insightFilter.includeDeleted = true
        let insights = try store.list(insightFilter).filter { !Set(Evidence.ids($0, Insight.evidenceSet)).isDisjoint(with: ids) }
        let names = try store.replicaNames()
        let words: (VisibleRecord) -> JSON = { ExportJSON.record($0, names: names) }
        let document = JSON.object([
            ("participant", .string(pseudonym.trimmingSpaces)),
            ("generated_at", .string(ISO8601.format(seconds: nowSeconds))),
            ("held_by", .string(try AuditTrail.actor(store))),
            ("about", .string("Everything this fieldnotes store holds about the participant: notes whose participant is this pseudonym "
                              + "(ignoring case), their coded passages with the words they cover, memos on them, the case record and its memos, "
                              + "and the insights that cite the notes (statement only). Erased notes hold nothing and are not listed.")),
            ("notes", .array(notes.map(words))),
            ("passages", .array(try passages.map { passage in
                guard case .object(var members) = words(passage) else { return words(passage) }
                let text = try Passages.resolve(passage, in: store)?.span?.text
                members.append(("text", text.map(JSON.string) ?? .null))
                return .object(members)
            })),
            ("memos", .array((memos + caseMemos).map(words))),
            ("cases", .array(cases.map(words))),
            ("insights_citing", .array(insights.map { .object([("id", .string($0.id.hex)), ("statement", RecordJSON.value($0.value("statement")))]) })),
        ])
        let target = try OutputTarget(path, directory: false, force: force, store: store.path)
        try target.write(Array((document.pretty() + "\n").utf8))
        let counts = "notes=\(notes.count) passages=\(passages.count) memos=\(memos.count + caseMemos.count) cases=\(cases.count) insights=\(insights.count)"
        try store.commit(try AuditTrail.changes(action: "subject-access", format: "json", filters: "participant=\(pseudonym.trimmingSpaces)",
                                                counts: counts, path: target.absolutePath, by: try AuditTrail.actor(store),
                                                at: ISO8601.format(seconds: nowSeconds), purpose: purpose, recipient: recipient))
        try target.commit()
        return Summary(path: target.absolutePath, notes: notes.count, passages: passages.count, memos: memos.count + caseMemos.count,
                       cases: cases.count, insights: insights.count)
    }
}
