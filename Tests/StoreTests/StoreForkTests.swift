import CRDT
import Foundation
import Store
import Testing

/// Two copies of one store that go on writing (a restored backup, a copied
/// file) hold different operations under the same ids. Applying one copy's
/// operations to the other never drops them as duplicates.
@Suite struct StoreForkTests {
    /// Two copies of a store that each wrote `count` notes after the copy was taken.
    static func forkedPair(_ directory: String, count: Int = 3) throws -> (original: Store, copy: Store) {
        let original = try Store.create(at: "\(directory)/a.fieldnotes", name: "field")
        try original.commit([.create(try Store.newRecordID(), type: "note")])
        // The original is open: its last commits may still be in its write-ahead log.
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: "\(directory)/a.fieldnotes\(suffix)", toPath: "\(directory)/b.fieldnotes\(suffix)")
        }
        let copy = try Store.open(at: "\(directory)/b.fieldnotes")
        for index in 0 ..< count {
            for store in [original, copy] {
                let note = try Store.newRecordID()
                try store.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("\(store.path) \(index)"))])
            }
        }
        return (original, copy)
    }

    @Test func aStoreThatReceivesItsOwnIdsWithOtherContentReissuesItsSide() throws {
        try withTemporaryDirectory { directory in
            let (original, copy) = try Self.forkedPair(directory)
            let replica = original.replica
            #expect(copy.replica == replica)
            let forkPoint = try original.versionVector()[replica] - 5
            let result = try copy.applyReporting(try original.allOperations())
            let reissue = try #require(result.reissue)
            #expect(reissue.previous == replica && reissue.replica != replica && copy.replica == reissue.replica)
            #expect(reissue.fromSeq == forkPoint && reissue.moved == 6 && reissue.records == 3)
            // The copy now holds the original's history of the old id and its own under the new one.
            #expect(try copy.versionVector()[replica] == (try original.versionVector()[replica]))
            #expect(try copy.versionVector()[reissue.replica] == 6)
            #expect(try copy.list(RecordFilter(type: "note")).count == 1 + 3 + 3)
            // Sent back, the original takes the re-issued operations as new: both converge.
            try copy.send(to: original)
            #expect(try original.digest() == (try copy.digest()))
            #expect(try copy.previousReplicas() == [replica])
        }
    }

    @Test func anotherOriginsForkIsRefusedAndNothingOfTheBatchIsWritten() throws {
        try withTemporaryDirectory { directory in
            let (original, copy) = try Self.forkedPair(directory)
            let third = try Store.create(at: "\(directory)/c.fieldnotes", name: "hub")
            try third.apply(try original.allOperations())
            let before = try third.digest()
            #expect(throws: StoreError.self) { try third.apply(try copy.allOperations()) }
            #expect(try third.digest() == before)
            do {
                try third.apply(try copy.allOperations())
            } catch let error as StoreError {
                #expect(error.isFork && error.message.contains("different content"), "\(error)")
            }
        }
    }

    @Test func aPurgedCopyOfAnOperationIsTheSameOperation() throws {
        try withTemporaryDirectory { directory in
            let writer = try Store.create(at: "\(directory)/w.fieldnotes", name: "w")
            let note = try Store.newRecordID()
            try writer.commit([.create(note, type: "note"), .assign(note, field: "body", value: .text("private words"))])
            let whole = try writer.allOperations()
            try writer.commit([.erase(note, reason: "asked")])
            let purged = try writer.allOperations()
            let reader = try Store.create(at: "\(directory)/r.fieldnotes", name: "r")
            // The purged copies first (without the erase), then the whole ones: no fork either way.
            try reader.apply(Array(purged.filter { $0.record == note && !$0.isErase }))
            try reader.apply(whole)
            try reader.apply(purged)
            try reader.send(to: writer)
            #expect(try reader.digest() == (try writer.digest()))
        }
    }

    @Test func fingerprintsIgnoreValuesAndFindDivergence() throws {
        try withTemporaryDirectory { directory in
            let (original, copy) = try Self.forkedPair(directory)
            #expect(try original.divergentOrigins(from: try copy.syncVector()) == [original.replica])
            let common = try original.syncVector(ownUpTo: 1)
            #expect(try copy.divergentOrigins(from: common).isEmpty)
        }
    }
}

extension CRDT.Operation {
    var isErase: Bool { if case .erase = action { return true } else { return false } }
}

/// A re-issue must not take along what other devices said about the other
/// copy's operations: only the moved operations' own ids are renamed.
@Suite struct StoreForkCoverageTests {
    @Test func anotherDevicesOverwriteOfTheOtherCopysWriteStillCoversIt() throws {
        try withTemporaryDirectory { directory in
            let original = try Store.create(at: "\(directory)/a.fieldnotes", name: "field")
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: "\(directory)/a.fieldnotes\(suffix)", toPath: "\(directory)/b.fieldnotes\(suffix)")
            }
            let copy = try Store.open(at: "\(directory)/b.fieldnotes")
            // Each copy writes a different note under the same seqs.
            let x = try Store.newRecordID(), y = try Store.newRecordID()
            try original.commit([.create(x, type: "note"), .assign(x, field: "title", value: .text("from the original"))])
            try copy.commit([.create(y, type: "note"), .assign(y, field: "title", value: .text("from the copy"))])
            // A colleague sees the original's note and retitles it.
            let colleague = try Store.create(at: "\(directory)/c.fieldnotes", name: "colleague")
            try colleague.apply(try original.allOperations())
            try colleague.commit([.assign(x, field: "title", value: .text("retitled by a colleague"))])
            // The copy hears of the colleague's edit first, then of the original's operations.
            try copy.apply(try colleague.allOperations().filter { $0.id.origin == colleague.replica })
            let result = try copy.applyReporting(try original.allOperations())
            #expect(result.reissue != nil)
            #expect(try copy.record(x)?.value("title")?.text == "retitled by a colleague")
            #expect(try copy.record(x)?.conflicts.isEmpty == true, "the colleague's overwrite no longer covers the original's title")
            // Everyone converges.
            try copy.send(to: colleague)
            try colleague.send(to: copy)
            #expect(try copy.digest() == (try colleague.digest()))
        }
    }
}
