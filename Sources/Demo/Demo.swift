import Analysis
import CRDT
import Crypto
import Export
import Formats
import Glibc
import Store
import Sync
import SystemCalls
import TLS
import Wire
import Synchronization
import Synthetic

/// `fieldnotes demo`: a team on one machine. A hub store and N device
/// stores, enrolled; the hub on an ephemeral loopback port; each device
/// filled offline with synthetic notes; concurrent conflicting edits; five
/// rounds of sync; equal digests; the conflicts left for people; a codebook,
/// insights and a decision; passages coded on two devices while both edit
/// the same bodies; and the report and a REFI-QDA project.
public struct Demo {
    public struct Options: Sendable {
        public var directory: String
        public var devices = 3
        public var notes = 40
        public var seed: UInt64 = 1

        public init(directory: String) { self.directory = directory }
    }

    public let options: Options
    /// Where the demo says what it is doing.
    public let say: (String) -> Void

    public init(options: Options, say: @escaping (String) -> Void) {
        self.options = options
        self.say = say
    }

    static let names = ["alice", "bilal", "chloe", "dev", "eve", "farah", "gareth", "hana", "ian", "jade"]

    public struct Result: Sendable {
        public let hubPath: String
        public let devicePaths: [String]
        public let digests: [String: String]
        public let conflicts: Int
        /// The HTML report, when one was written.
        public let reportPath: String?
        /// The REFI-QDA project, when one was written.
        public let projectPath: String?
        /// How many passages the two coders coded.
        public let passages: Int
    }

    public func run() throws -> Result {
        let directory = options.directory
        let hubPath = directory + "/hub.sqlite"
        let hubStore = try Store.create(at: hubPath, name: "hub")
        let hubIdentity = try KeyFile.loadOrCreate(forStore: hubPath, commonName: "fieldnotes hub")
        let hub = try Hub(storePath: hubPath, listen: Endpoint(host: "127.0.0.1", port: 0), identity: hubIdentity) { _ in }
        let stopped = Mutex(false)
        try hub.start { stopped.withLock { $0 = true } }
        defer {
            hub.stop()
            while !stopped.withLock({ $0 }) { Syscall.sleep(milliseconds: 10) }
        }
        say("hub:      \(hubPath), listening on \(hub.endpoint)")

        // Enrol the devices, each with its own key, and join them to the hub
        // with their one-time tokens, over TLS.
        var devices: [(name: String, path: String, store: Store, identity: Identity)] = []
        for index in 0..<options.devices {
            let name = index < Demo.names.count ? Demo.names[index] : "worker-\(index + 1)"
            let path = directory + "/\(name).sqlite"
            let store = try Store.create(at: path, name: name)
            let identity = try KeyFile.loadOrCreate(forStore: path, commonName: "fieldnotes device")
            let token = try EnrolmentToken.random()
            try hubStore.enroll(device: name, tokenHash: token.hash, expiresMillis: Store.systemMillis() + 3_600_000)
            let link = HubLink(address: hub.endpoint.description, device: name, hubFingerprint: hub.fingerprint)
            try DeviceSync(store: store, link: link, identity: identity).enrol(token: token)
            try store.setHubLink(link)
            devices.append((name, path, store, identity))
            say("device:   \(path) (replica \(store.replica.hex.prefix(8)), key \(path).key, enrolled as '\(name)')")
        }

        // Offline capture: each device writes its own notes.
        var generator = FieldNotesGenerator(seed: options.seed)
        let base = Int64(1_788_220_800) // 2026-09-01
        var written = 0
        for device in devices {
            var changes: [Change] = []
            for _ in 0..<options.notes {
                changes += try Note.changes(generator.next(baseSeconds: base), for: try Store.newRecordID(), creating: true, nowSeconds: base)
            }
            try device.store.commit(changes)
            written += options.notes
        }
        say("offline:  \(written) notes written on \(devices.count) devices with no connection")

        // Everyone syncs once, so they share notes.
        for device in devices { _ = try DeviceSync(store: device.store, link: try link(device.store), identity: device.identity).run() }
        say("sync 1:   every device sent its notes and fetched the others'")

        // Offline again: concurrent edits of the same note by different people.
        var filter = RecordFilter(type: Note.type)
        filter.limit = 3
        let shared = try devices[0].store.list(filter)
        for (offset, note) in shared.enumerated() {
            for (index, device) in devices.prefix(2).enumerated() {
                let area = FieldNotesGenerator.areas[(offset * 3 + index + 1) % FieldNotesGenerator.areas.count]
                try device.store.commit([.assign(note.id, field: "area", value: .text(area)),
                                         .add(note.id, set: Note.tagSet, element: .text(index == 0 ? "follow-up" : "safeguarding-check"))])
            }
            if devices.count > 2, let tag = note.elements(Note.tagSet).first {
                try devices[2].store.commit([.remove(note.id, set: Note.tagSet, element: tag)])
            }
        }
        if let erased = try devices[devices.count - 1].store.list(filter).last {
            try devices[devices.count - 1].store.commit([.erase(erased.id, reason: "participant withdrew consent")])
        }
        say("offline:  conflicting edits of \(shared.count) notes on two devices, tags removed on a third, one note erased")

        // Sync rounds 2 to 5. Before round 3 an analyst builds the codebook,
        // insights and a decision; before round 4 two people code passages
        // of the same notes offline while both edit those bodies. After
        // round 5, everyone holds everything.
        var coded: [(passage: RecordID, words: String)] = []
        for round in 2...5 {
            if round == 3 {
                let made = try analyse(devices[0].store)
                say("analysis: on \(devices[0].name)'s laptop: \(made.themes) themes, \(made.insights) insights, 1 decision")
            }
            if round == 4 {
                let coders = Array(devices.prefix(2))
                let notes = try codingNotes(devices[0].store, besides: Set(shared.map(\.id)))
                coded = try codePassages(notes, on: coders.map(\.store))
                let passages = coded.count == 1 ? "1 passage" : "\(coded.count) passages"
                say(coders.count == 2
                    ? "coding:   offline, \(coders[0].name) and \(coders[1].name) coded \(passages) of the same \(notes.count) notes while both edited those bodies"
                    : "coding:   offline, \(coders[0].name) coded \(passages) of \(notes.count) notes while editing those bodies")
            }
            var sent = 0
            var received = 0
            for device in devices {
                let result = try DeviceSync(store: device.store, link: try link(device.store), identity: device.identity).run()
                sent += result.sent
                received += result.received
            }
            say("sync \(round):   \(sent) operations sent, \(received) received")
        }

        // Every store shows every passage on the words it was coded on, around both people's edits.
        for store in [hubStore] + devices.map(\.store) {
            for (id, words) in coded {
                guard let record = try store.record(id), let passage = try Passages.resolve(record, in: store), passage.span?.text == words else {
                    throw StoreError.invalid("passage \(id.short) is not on the words \"\(words)\" in \(store.path) after sync", "this is a bug; please report it")
                }
            }
        }
        say(coded.count == 1 ? "passages: on every store, the passage still sits on the words it was coded on"
            : "passages: on every store, all \(coded.count) still sit on the words they were coded on")

        // The report and the REFI-QDA project, from the hub's store, as the
        // insights function would write them; their audit events then sync
        // to every device like any record.
        let reportPath = directory + "/report.html"
        let projectPath = directory + "/project.qdpx"
        try Exporter(store: hubStore).write(format: .report, to: reportPath)
        try Exporter(store: hubStore).write(format: .qdpx, to: projectPath)
        var carried = 0
        for device in devices { carried += try DeviceSync(store: device.store, link: try link(device.store), identity: device.identity).run().received }
        say("report:   \(reportPath)")
        say("qdpx:     \(projectPath) (REFI-QDA, the passages as coded selections); the audit events reached every device (\(carried) operations)")

        var digests: [String: String] = ["hub": try hubStore.digest()]
        for device in devices { digests[device.name] = try device.store.digest() }
        let conflicts = try hubStore.status().conflicts
        return Result(hubPath: hubPath, devicePaths: devices.map(\.path), digests: digests, conflicts: conflicts, reportPath: reportPath,
                      projectPath: projectPath, passages: coded.count)
    }

    /// Notes to code passages of: three with tags whose text may be
    /// exported, none of those the conflicting edits went to.
    func codingNotes(_ store: Store, besides: Set<RecordID>) throws -> [VisibleRecord] {
        let notes = try store.list(RecordFilter(type: Note.type)).filter { note in
            !besides.contains(note.id) && !note.erased && !Note.withholdsText(note) && !note.elements(Note.tagSet).isEmpty
                && Demo.secondSentence(note.value("body")?.text ?? "") != nil
        }
        return Array(notes.prefix(3))
    }

    /// Two people code the same notes offline, each on their own laptop,
    /// while both edit the bodies: the first codes a note's second sentence
    /// and then adds a line at the end; the second puts words at the start
    /// and then codes the first clause of that same sentence. Both code with
    /// the theme of the note's first tag. Returns each passage with its words.
    func codePassages(_ notes: [VisibleRecord], on stores: [Store]) throws -> [(passage: RecordID, words: String)] {
        var coded: [(passage: RecordID, words: String)] = []
        let now = ISO8601.format(seconds: Int64(Store.systemMillis() / 1000))
        for note in notes {
            guard let tag = note.elements(Note.tagSet).first?.text else { continue }
            for (index, store) in stores.enumerated() {
                guard let theme = try Codebook.load(store).named(tag).first else { continue }
                if index == 1 {
                    let body = try store.record(note.id)?.value("body")?.text ?? ""
                    try store.commit([.editText(note.id, field: "body", text: "Second visit. " + body)])
                }
                let body = try store.record(note.id)?.value("body")?.text ?? ""
                guard var words = Demo.secondSentence(note.value("body")?.text ?? "") else { continue }
                if index == 1, let clause = words.split(separator: ",").first, clause.count < words.count { words = String(clause) }
                guard let start = Demo.offset(of: words, in: body) else { continue }
                let id = try Store.newRecordID()
                let range = start ..< start + words.unicodeScalars.count
                try store.commit(try Passages.code(.range(range), of: note.id, theme: theme, coder: try store.name, now: now, in: store, id: id))
                coded.append((id, words))
                if index == 0 { try store.commit([.appendText(note.id, field: "body", text: "\n\nRang back a week later: no change yet.")]) }
            }
        }
        return coded
    }

    /// The sentence after the first ". " of `body`, up to and including its full stop.
    static func secondSentence(_ body: String) -> String? {
        let scalars = Array(body.unicodeScalars)
        guard let stop = scalars.indices.dropLast().first(where: { scalars[$0] == "." && scalars[$0 + 1] == " " }) else { return nil }
        let rest = scalars[(stop + 2)...]
        guard !rest.isEmpty else { return nil }
        let end = rest.firstIndex(of: ".") ?? rest.endIndex - 1
        return String(String.UnicodeScalarView(rest[...end]))
    }

    /// Where `words` first occur in `text`, in Unicode scalars.
    static func offset(of words: String, in text: String) -> Int? {
        let wanted = Array(words.unicodeScalars), scalars = Array(text.unicodeScalars)
        guard !wanted.isEmpty, wanted.count <= scalars.count else { return nil }
        return (0 ... scalars.count - wanted.count).first { scalars[$0 ..< $0 + wanted.count].elementsEqual(wanted) }
    }

    /// What an analyst does with the merged notes: a codebook from the tags
    /// people used, an insight per well-evidenced theme, and a decision.
    func analyse(_ store: Store) throws -> (themes: Int, insights: Int) {
        var changes: [Change] = []
        let people = try Store.newRecordID()
        changes += [.create(people, type: Theme.type), .assign(people, field: "name", value: .text("people-and-places")),
                    .assign(people, field: "description", value: .text("Why residents go out, or stop going out"))]
        var themeIDs: [String: RecordID] = [:]
        for (index, name) in FieldNotesGenerator.themes.enumerated() {
            let id = try Store.newRecordID()
            themeIDs[name] = id
            changes += [.create(id, type: Theme.type), .assign(id, field: "name", value: .text(name)),
                        .assign(id, field: "color", value: .text(Demo.palette[index % Demo.palette.count]))]
            if ["transport", "lunch-clubs", "befriending", "isolation"].contains(name) {
                changes.append(.assign(id, field: "parent", value: .text(people.hex)))
            }
        }
        var insights: [RecordID] = []
        let statements = [
            "transport": "Residents stop going to clubs and appointments when a bus route is cut or retimed",
            "digital-exclusion": "People without help to get online are cut off from GP booking and banking",
            "lunch-clubs": "Lunch clubs are, for many members, the only conversation of the week",
            "money-worries": "Heating and bus fares compete for the same money; going out loses",
        ]
        for (theme, statement) in statements.sorted(by: { $0.key < $1.key }) {
            var filter = RecordFilter(type: Note.type)
            filter.elements[Note.tagSet] = .text(theme)
            filter.limit = 4
            let evidence = try store.list(filter)
            guard !evidence.isEmpty, let themeID = themeIDs[theme] else { continue }
            let id = try Store.newRecordID()
            insights.append(id)
            changes += [.create(id, type: Insight.type), .assign(id, field: "statement", value: .text(statement)),
                        .assign(id, field: "status", value: .text(insights.count <= 3 ? "agreed" : "draft")),
                        .assign(id, field: "confidence", value: .text(evidence.count >= 3 ? "medium" : "low")),
                        .add(id, set: Insight.themeSet, element: .text(themeID.hex))]
            changes += evidence.map { .add(id, set: Insight.evidenceSet, element: .text($0.id.hex)) }
        }
        let decision = try Store.newRecordID()
        changes += [.create(decision, type: Decision.type),
                    .assign(decision, field: "title", value: .text("Sunday and evening service on the 9")),
                    .assign(decision, field: "status", value: .text("made")),
                    .assign(decision, field: "decided_at", value: .text("2026-11-12T00:00:00Z")),
                    .assign(decision, field: "suggested", value: .text("Restore the Sunday 9 between East Marsh and the town centre")),
                    .assign(decision, field: "made", value: .text("Fund a dial-a-ride minibus on Sundays for a six-month trial")),
                    .assign(decision, field: "follows_evidence", value: .text("partly"))]
        changes += insights.prefix(2).map { .add(decision, set: Decision.insightSet, element: .text($0.hex)) }
        try store.commit(changes)
        return (themeIDs.count + 1, insights.count)
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    private func link(_ store: Store) throws -> HubLink {
        guard let link = try store.hubLink() else { throw StoreError.invalid("demo device has no hub link", "") }
        return link
    }
}
