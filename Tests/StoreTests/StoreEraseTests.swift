import CRDT
import Store
import Testing

/// Erase removes a record's text from every file SQLite writes, not just
/// from what queries return.
@Suite struct StoreEraseTests {
    /// Words that occur only in the erased note (and in the late edit that
    /// arrives after the erase), and distinctive pieces of them, so that a
    /// prefix-compressed index term would be caught too.
    static let secrets = ["zanzibarquokka", "quokka", "glebe road", "glebe", "xylophonic", "marmelwombat", "wombat",
                          "quokkaville", "brindlewhisker", "whisker"]

    /// The secrets found in the store's files, matched case-insensitively.
    static func secretsOnDisk(_ path: String) -> [String] {
        var found: Set<String> = []
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            guard let bytes = fileBytes(file) else { continue }
            let lowered = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
            for secret in secrets where contains(lowered, Array(secret.utf8)) { found.insert(secret) }
        }
        return found.sorted()
    }

    static func holdsNoValue(_ operation: Operation) -> Bool {
        switch operation.action {
        case .create, .erase: return true
        case .assign(_, let value, _): return value == .null
        case .add(_, let element), .remove(_, let element, _): return element == .null
        case .insertText(_, let run): return run.text == nil
        case .deleteText: return true
        }
    }

    @Test func eraseLeavesNoTraceInTheDatabaseOrWALFiles() throws {
        try withTemporaryDirectory { directory throws in
            let pathA = directory + "/a.fieldnotes", pathB = directory + "/b.fieldnotes"
            var a: Store? = try Store.create(at: pathA, name: "a")
            var b: Store? = try Store.create(at: pathB, name: "b")
            guard let storeA = a, let storeB = b else { return }

            // Neighbours, so the index and the pages hold other text too.
            for index in 0..<30 {
                let id = try Store.newRecordID()
                try storeA.commit([.create(id, type: "note"), .assign(id, field: "title", value: .text("market visit \(index)")),
                                   .assign(id, field: "body", value: .text("stalls, prices and the weather on day \(index)")),
                                   .add(id, set: "tags", element: .text("market"))])
            }
            let note = try Store.newRecordID()
            try storeA.commit([
                .create(note, type: "note"),
                .assign(note, field: "title", value: .text("Quokkaville interview")),
                .assign(note, field: "body", value: .text("Zanzibarquokka lives at 12 Glebe Road")),
                .add(note, set: "tags", element: .text("Marmelwombat")),
            ])
            try storeA.commit([.assign(note, field: "body", value: .text("Zanzibarquokka lives at 12 Glebe Road, in the Xylophonic flat"))])
            try storeA.commit([.assign(note, field: "place", value: .text("Glebe Road")),
                               .add(note, set: "tags", element: .text("wombat-sighting"))])
            try storeA.commit([.remove(note, set: "tags", element: .text("wombat-sighting"))])

            // The test proves something only if the words were on disk and findable before.
            #expect(try storeA.search("zanzibarquokka").map(\.record.id) == [note])
            #expect(try storeA.search("marmelwombat").map(\.record.id) == [note])
            #expect(Self.secretsOnDisk(pathA).contains("zanzibarquokka"))
            #expect(Self.secretsOnDisk(pathA).contains("xylophonic"))

            // B holds the note and keeps editing it offline.
            try storeA.send(to: storeB)
            let late = try storeB.commit([.assign(note, field: "title", value: .text("Quokkaville second visit with Brindlewhisker")),
                                          .add(note, set: "tags", element: .text("brindlewhisker"))])

            try storeA.commit([.erase(note, reason: "participant withdrew")])
            let erased = try #require(try storeA.record(note))
            #expect(erased.erased && erased.fields.isEmpty && erased.sets.isEmpty)
            for word in ["zanzibarquokka", "glebe", "quokkaville", "marmelwombat", "xylophonic", "zanzibar*"] {
                #expect(try storeA.search(word, includeDeleted: true).isEmpty, "search still finds \(word)")
            }
            #expect(try storeA.search("market").count == 30, "the neighbours are still indexed")
            #expect(Self.secretsOnDisk(pathA) == [], "erased text left in A's files")

            // B's edits arrive after the erase and are stored purged: the words never reach A's disk.
            try storeB.send(to: storeA)
            for operation in late {
                let stored = try #require(try storeA.allOperations().first { $0.id == operation.id })
                #expect(stored == operation.purged)
            }
            #expect(try storeA.allOperations().filter { $0.record == note }.allSatisfy(Self.holdsNoValue))
            #expect(try storeA.record(note)?.fields.isEmpty == true)
            #expect(Self.secretsOnDisk(pathA) == [], "a late edit of an erased note reached A's files")

            // The erase reaches B, which purges too.
            #expect(Self.secretsOnDisk(pathB).contains("brindlewhisker"))
            try storeA.send(to: storeB)
            #expect(try storeB.search("brindlewhisker", includeDeleted: true).isEmpty)
            #expect(try storeB.allOperations().filter { $0.record == note }.allSatisfy(Self.holdsNoValue))
            #expect(Self.secretsOnDisk(pathB) == [], "erased text left in B's files")
            #expect(try storeA.digest() == storeB.digest())

            // And after both close.
            a = nil
            b = nil
            #expect(Self.secretsOnDisk(pathA) == [])
            #expect(Self.secretsOnDisk(pathB) == [])
            let reopened = try Store.open(at: pathA)
            #expect(try reopened.record(note)?.erased == true)
            #expect(try reopened.search("market").count == 30)
        }
    }

    @Test func changesCommittedToAnErasedNoteAreStoredPurged() throws {
        try withTemporaryStore { store, _ throws in
            let note = try Store.newRecordID()
            try store.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("ordinary")),
                              .erase(note, reason: "mistake")])
            let after = try store.commit([.assign(note, field: "body", value: .text("Zanzibarquokka")),
                                          .add(note, set: "tags", element: .text("marmelwombat"))])
            let logged = try store.allOperations()
            for operation in after {
                #expect(logged.first { $0.id == operation.id } == operation.purged)
            }
            #expect(try store.record(note)?.fields.isEmpty == true)
            #expect(try store.search("zanzibarquokka", includeDeleted: true).isEmpty)
            // No erase ran in that last transaction, so nothing was checkpointed: the WAL must not hold the words either.
            #expect(Self.secretsOnDisk(store.path) == [])
        }
    }

    @Test func eraseWinsOverAConcurrentRestoreInBothStores() throws {
        try withTemporaryDirectory { directory throws in
            let clock = ManualClock(1_700_000_000_000)
            let a = try Store.create(at: directory + "/a.fieldnotes", name: "a", wallClock: clock.read)
            let b = try Store.create(at: directory + "/b.fieldnotes", name: "b", wallClock: clock.read)
            let note = try Store.newRecordID()
            try a.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("to go")),
                          .assign(note, field: "deleted", value: .bool(true))])
            try a.send(to: b)
            clock.advance()
            try a.commit([.erase(note, reason: "requested")])
            clock.advance(1_000)
            // B restores later in time, never having seen the erase.
            try b.commit([.assign(note, field: "deleted", value: .bool(false))])
            try a.send(to: b)
            try b.send(to: a)
            for store in [a, b] {
                let record = try #require(try store.record(note))
                #expect(record.erased && record.fields.isEmpty)
                #expect(try store.list(RecordFilter(type: "note")).isEmpty)
                #expect(try store.status().counts["note"]?.erased == 1)
            }
            #expect(try a.digest() == b.digest())
        }
    }
}
