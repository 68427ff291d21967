import CRDT
import Store

/// What is wrong with the evidence behind an insight or a decision, in
/// words a commissioning board reads. The report and `insight list` /
/// `decision list` both say these, from here.
public enum EvidenceFlag: Equatable, Sendable {
    /// An agreed insight with no evidence notes linked.
    case agreedWithoutEvidence
    /// Every evidence note has consent withdrawn or declined (or was erased or deleted): nothing usable remains.
    case noUsableEvidence(linked: Int)
    /// A decision recorded as following the evidence with no insights linked.
    case followsEvidenceWithoutInsights
    /// A decision whose linked insights are none of them agreed.
    case noAgreedInsights(linked: Int)

    public var text: String {
        switch self {
        case .agreedWithoutEvidence:
            return "agreed, but no evidence notes are linked"
        case .noUsableEvidence(let linked):
            return "all \(linked) evidence note\(linked == 1 ? " is" : "s are") withdrawn, declined, deleted or erased: no usable evidence"
        case .followsEvidenceWithoutInsights:
            return "recorded as following the evidence, but no insights are linked"
        case .noAgreedInsights(let linked):
            return "none of its \(linked) linked insight\(linked == 1 ? " is" : "s are") agreed"
        }
    }

    /// A short form for table cells.
    public var short: String {
        switch self {
        case .agreedWithoutEvidence: return "no evidence"
        case .noUsableEvidence: return "no usable evidence"
        case .followsEvidenceWithoutInsights: return "no insights"
        case .noAgreedInsights: return "no agreed insight"
        }
    }
}

public enum Evidence {
    /// The ids in a set of record-id texts.
    public static func ids(_ record: VisibleRecord, _ set: String) -> [RecordID] {
        record.elements(set).compactMap { $0.text.flatMap(RecordID.init(hex:)) }.sorted()
    }

    /// An evidence note that can carry weight: live, not erased, consent not withheld.
    public static func isUsable(_ note: VisibleRecord?) -> Bool {
        guard let note, note.type == Note.type, !note.erased, !note.isDeleted else { return false }
        return !Note.withholdsText(note)
    }

    /// Flags for an insight; `note` looks an evidence note up (nil: not in this store).
    public static func flags(insight: VisibleRecord, note: (RecordID) throws -> VisibleRecord?) rethrows -> [EvidenceFlag] {
        let evidence = ids(insight, Insight.evidenceSet)
        if evidence.isEmpty {
            return insight.value("status")?.text == "agreed" ? [.agreedWithoutEvidence] : []
        }
        var usable = 0
        for id in evidence where isUsable(try note(id)) { usable += 1 }
        return usable == 0 ? [.noUsableEvidence(linked: evidence.count)] : []
    }

    /// Flags for a decision; `insight` looks a linked insight up.
    public static func flags(decision: VisibleRecord, insight: (RecordID) throws -> VisibleRecord?) rethrows -> [EvidenceFlag] {
        let linked = ids(decision, Decision.insightSet)
        if linked.isEmpty {
            let follows = decision.value("follows_evidence")?.text
            return follows == "yes" || follows == "partly" ? [.followsEvidenceWithoutInsights] : []
        }
        var agreed = 0
        for id in linked {
            if let record = try insight(id), !record.isDeleted, !record.erased, record.value("status")?.text == "agreed" { agreed += 1 }
        }
        return agreed == 0 ? [.noAgreedInsights(linked: linked.count)] : []
    }
}
