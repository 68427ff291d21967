import CRDT
import Formats
import Store

/// The users of a REFI-QDA project and who made what: every device is a
/// User (its GUID is its record id, which is its replica id), and every
/// source, selection, coding and note names one of them with a date, so a
/// QDA tool can compare coders.
///
/// The store keeps who wrote each field, not who created a record, so a
/// record's author is the device that wrote the oldest value it shows, at
/// that time (`author(of:)`); a note's tag codings are its author's. A passage's coder is the device name
/// recorded with it, as the dataset holds it (scanned, and with `--redact` redacted, as memo authors
/// and device names are: `ExportDataset`), so it still matches its device's redacted name. Replicas and coders no device record names (a device
/// not synced yet, a device since renamed) still get a User, so every
/// reference resolves.
struct QDPXUsers {
    struct User: Equatable {
        let guid: String
        let name: String
    }

    /// Who made something, and when (ISO 8601 UTC, seconds).
    struct Stamp: Equatable {
        let user: String
        let date: String
    }

    /// In the order of the Users element: devices by name, then the rest as met.
    private(set) var all: [User] = []
    private var byReplica: [ReplicaID: String] = [:]
    private var byCoder: [String: String] = [:]

    /// Every user the project refers to: the devices, the authors of the
    /// notes, insights and decisions, the writers of participants, the
    /// coders of passages and the exporting device.
    init(_ data: ExportDataset) {
        let devices = data.devices.compactMap { device -> (ReplicaID, String, RecordID)? in
            guard let name = device.value("name")?.text, let replica = ReplicaID(bytes: device.id.bytes) else { return nil }
            return (replica, name, device.id)
        }.sorted { a, b in a.1 != b.1 ? a.1 < b.1 : a.2 < b.2 }
        for (replica, name, id) in devices {
            let guid = GUID.of(id)
            all.append(User(guid: guid, name: name))
            byReplica[replica] = guid
            if byCoder[name] == nil { byCoder[name] = guid }
        }
        add(replica: data.replica, name: data.exportedBy)
        // Each list on its own (not `notes + insights + decisions`, a copy of every record).
        for records in [\ExportDataset.notes, \.insights, \.decisions] {
            for record in data[keyPath: records] {
                if let author = QDPXUsers.author(of: record) { add(replica: author.id.origin) }
            }
        }
        for note in data.notes {
            if let head = note.heads("participant").first { add(replica: head.id.origin) }
        }
        for passage in data.passages { add(coder: passage.coder) }
    }

    private mutating func add(replica: ReplicaID, name: String? = nil) {
        guard byReplica[replica] == nil, let id = RecordID(bytes: replica.bytes) else { return }
        let guid = GUID.of(id)
        byReplica[replica] = guid
        all.append(User(guid: guid, name: name ?? "device \(replica.hex.prefix(8))"))
    }

    private mutating func add(coder: String) {
        guard byCoder[coder] == nil else { return }
        let guid = GUID.named("coder", coder)
        byCoder[coder] = guid
        all.append(User(guid: guid, name: coder))
    }

    func guid(replica: ReplicaID) -> String? { byReplica[replica] }

    func guid(coder: String) -> String? { byCoder[coder] }

    /// The field head that stands for a record's making: the oldest value it
    /// shows (a field's winner; a conflicting value written offline with an
    /// older clock is someone's concurrent edit, not the making).
    /// (A loop, not `compactMap(\.heads.first).min`: it runs twice per note, and key paths and the array cost more than the rest.)
    static func author(of record: VisibleRecord) -> FieldHead? {
        var oldest: FieldHead?
        for field in record.fields {
            guard let head = field.heads.first else { continue }
            if let current = oldest, current.timestamp != head.timestamp ? current.timestamp < head.timestamp : current.id <= head.id { continue }
            oldest = head
        }
        return oldest
    }

    /// Who wrote `head`, and when.
    func stamp(_ head: FieldHead) -> Stamp? {
        guid(replica: head.id.origin).map { Stamp(user: $0, date: ISO8601.format(millis: head.timestamp.physical)) }
    }

    /// Who made `record` (see `author(of:)`).
    func stamp(of record: VisibleRecord) -> Stamp? { QDPXUsers.author(of: record).flatMap(stamp) }
}
