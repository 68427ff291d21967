import Analysis
import CRDT
import Formats
import Store

/// One audit event as `fieldnotes audit` lists it.
public struct AuditEntry: Sendable, Equatable {
    public let id: RecordID
    /// `export`, or `allow-identifiers` when identifiers were deliberately let through.
    public let action: String
    public let format: String
    /// The filters, as `ExportFilter.summary` writes them.
    public let filters: String
    /// What was exported (`notes=12 withheld=1 …`) or allowed (`email=1 phone=2`).
    public let counts: String
    public let path: String
    /// Who: the person's configured name and the device's (`Jo Bloggs on field-laptop`), or the device's alone.
    public let by: String
    /// When, ISO 8601 UTC.
    public let at: String
    /// Why, and for whom, as given with --purpose and --recipient ("" if not).
    public let purpose: String
    public let recipient: String
    /// On a hub, the enrolled device whose replica wrote the event: `by` is
    /// what that device's store says of itself, this is who the hub let in.
    /// Nil where the store knows no enrolment for it (a laptop, the hub's own).
    public var device: String? = nil
}

/// The audit trail: records of type "audit", one per export and one more for
/// each `--allow-identifiers`. They replicate like any record, so the hub
/// holds every device's trail.
public enum AuditTrail {
    /// Every audit event this store holds, oldest first (by `at`, then by
    /// the clock of the write that recorded it, so events of one second keep their order).
    public static func entries(in store: Store) throws -> [AuditEntry] {
        let records = try store.list(RecordFilter(type: AuditEvent.type)).sorted { a, b in
            let (atA, atB) = (a.value("at")?.text ?? "", b.value("at")?.text ?? "")
            if atA != atB { return atA < atB }
            let (clockA, clockB) = (a.heads("action").first?.timestamp.packed ?? 0, b.heads("action").first?.timestamp.packed ?? 0)
            return clockA != clockB ? clockA < clockB : a.id < b.id
        }
        let enrolled = try store.enrolledDevices()
        return records.map { record in
            func text(_ field: String) -> String {
                switch record.value(field) {
                case .text(let text)?: return text
                case .number(let number)?: return DecimalText.format(number)
                default: return ""
                }
            }
            var entry = AuditEntry(id: record.id, action: text("action"), format: text("format"), filters: text("filters"),
                                   counts: text("counts"), path: text("path"), by: text("by"), at: text("at"),
                                   purpose: text("purpose"), recipient: text("recipient"))
            entry.device = record.heads("action").first.flatMap { enrolled[$0.id.origin] }
            return entry
        }
    }

    /// The changes that record one event; an empty purpose or recipient is left unset.
    public static func changes(action: String, format: String, filters: String, counts: String, path: String, by: String, at: String,
                               purpose: String = "", recipient: String = "") throws -> [Change] {
        let id = try Store.newRecordID()
        let values = [action, format, filters, counts, path, by, at, purpose, recipient]
        return [.create(id, type: AuditEvent.type)]
            + zip(AuditEvent.fields, values).filter { !$0.1.isEmpty || !["purpose", "recipient"].contains($0.0) }
                .map { .assign(id, field: $0.0, value: .text($0.1)) }
    }

    /// An erasure and its record, to commit together: the changes that
    /// erase `notes` with the passages and memos about them
    /// (`Governance.erasures`), then one event: `action` (`erase` for one
    /// note by id, `erase-participant`, `retention`), no format, `filters`
    /// saying which notes, counts `notes=N records=M` (M with their passages
    /// and memos), the store's path, who, now, and `reason` as the purpose.
    /// Every way of erasing goes through this, so none leaves no trace.
    /// `records` is how many records the erasure takes (M).
    public static func erasure(of notes: [VisibleRecord], reason: String, action: String, filters: String,
                               in store: Store) throws -> (changes: [Change], records: Int) {
        let erasures = try Governance.erasures(of: notes, reason: reason, in: store)
        let event = try changes(action: action, format: "-", filters: filters, counts: "notes=\(notes.count) records=\(erasures.count)",
                                path: store.path, by: try actor(store), at: ISO8601.format(seconds: Int64(Store.systemMillis() / 1000)),
                                purpose: reason)
        return (erasures + event, erasures.count)
    }

    /// Who is acting, as events name them: the person's configured name
    /// and the device's, or the device's alone when no name is configured.
    public static func actor(_ store: Store) throws -> String {
        let device = try store.name
        guard let user = try store.userName, !user.isEmpty else { return device }
        return "\(user) on \(device)"
    }
}
