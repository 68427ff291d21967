import CRDT
import Glibc
import Store
import Testing

/// A store and the -wal and -shm files SQLite makes beside it are readable by their owner only.
@Suite struct StoreFileModeTests {
    static func mode(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode) & 0o777
    }

    @Test func aNewStoreAndItsWALAndSHMAreOwnerOnly() throws {
        try withTemporaryStore { store, _ throws in
            let note = try Store.newRecordID()
            try store.commit([.create(note, type: "note"), .assign(note, field: "title", value: .text("kept in the WAL"))])
            // The store is still open, so SQLite's -wal and -shm files exist.
            for suffix in ["", "-wal", "-shm"] {
                #expect(Self.mode(store.path + suffix) == 0o600, "\(suffix)")
            }
            #expect(Store.looseFileModes(at: store.path, includingDirectory: false).isEmpty)
            _ = chmod(store.path, 0o640)
            #expect(Store.looseFileModes(at: store.path, includingDirectory: false).map(\.path) == [store.path])
        }
    }

    @Test func createRefusesAnExistingFileAndLeavesItAlone() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/taken"
            try writeFile(path, Array("mine".utf8))
            #expect(throws: StoreError.self) { try Store.create(at: path, name: "x") }
            #expect(fileBytes(path) == Array("mine".utf8))
        }
    }
}
