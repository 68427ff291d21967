import Export
import Formats
import Foundation
import Store
import Testing

@Suite struct OutputTests {
    static func leftovers(_ fixture: Fixture) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).filter { $0.contains("fieldnotes-tmp") || $0.contains("fieldnotes-old") }
    }

    @Test(arguments: ExportFormat.allCases)
    func anExistingPathIsRefusedWithoutForceAndLeftAlone(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("taken")
            try Data("precious".utf8).write(to: URL(fileURLWithPath: out))
            let error = try #require(throws: ExportError.self) { try fixture.exporter.write(format: format, to: out) }
            #expect(error.description == "\(out) already exists; choose another --out path, or pass --force to replace it")
            #expect(try readText(out) == "precious")
            #expect(try AuditTrail.entries(in: fixture.store).isEmpty)
        }
    }

    @Test func forceReplacesAFileAtomically() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("export.ndjson")
            try Data("old".utf8).write(to: URL(fileURLWithPath: out))
            try fixture.exporter.write(format: .json, to: out, options: ExportOptions(force: true))
            #expect(try readText(out).hasPrefix("{\"id\":"))
            #expect(try Self.leftovers(fixture).isEmpty)
        }
    }

    @Test func forceReplacesTheDirectoryOfAnEarlierCSVExport() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("tables")
            try fixture.exporter.write(format: .csv, to: out, filter: ExportFilter(area: "Scartho"))
            try fixture.exporter.write(format: .csv, to: out, options: ExportOptions(force: true))
            #expect(try CSVReader.records(try readText(out + "/notes.csv")).count == 5, "a header and the 4 notes (the withdrawn one left out)")
            #expect(try Self.leftovers(fixture).isEmpty)
        }
    }

    @Test func forceRefusesToReplaceADirectoryThatIsNotAnExport() throws {
        try Fixture.with { fixture throws in
            let out = fixture.path("documents")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try Data("keep me".utf8).write(to: URL(fileURLWithPath: out + "/letter.txt"))
            let csv = try #require(throws: ExportError.self) { try fixture.exporter.write(format: .csv, to: out, options: ExportOptions(force: true)) }
            #expect(csv.description.contains("is a directory that no CSV export wrote"))
            let file = try #require(throws: ExportError.self) { try fixture.exporter.write(format: .report, to: out, options: ExportOptions(force: true)) }
            #expect(file.description.contains("is a directory, so --force will not replace it"))
            #expect(try readText(out + "/letter.txt") == "keep me")
        }
    }

    /// What `--force` must never replace: only a regular file that is no
    /// store, or a directory an earlier CSV export wrote, may go.
    enum Unreplaceable: String, CaseIterable, Sendable {
        case theStore, theStoresWAL, anotherStore, anSQLiteDatabase, aFIFO, aSymbolicLinkToAFile, aSymbolicLinkToADevice
        case anEmptyDirectory, aDirectoryOfOtherCSVFiles

        /// Makes the thing in the fixture's directory; returns its path and the words the refusal uses.
        func make(_ fixture: Fixture) throws -> (path: String, why: String) {
            switch self {
            case .theStore:
                return (fixture.store.path, "is the store itself")
            case .theStoresWAL:
                let wal = fixture.store.path + "-wal"
                try #require(FileManager.default.fileExists(atPath: wal), "the open store has no WAL")
                return (wal, "is the store's write-ahead log")
            case .anotherStore:
                let path = fixture.path("other.sqlite")
                _ = try Store.create(at: path, name: "other")
                return (path, "is a fieldnotes store")
            case .anSQLiteDatabase:
                // An SQLite header and nothing else is enough to be refused.
                return (try Self.write(fixture.path("app.db"), Array("SQLite format 3\0".utf8) + [UInt8](repeating: 0, count: 84)), "is an SQLite database")
            case .aFIFO:
                let path = fixture.path("pipe")
                try #require(mkfifo(path, 0o600) == 0)
                return (path, "is a named pipe (FIFO)")
            case .aSymbolicLinkToAFile:
                let path = fixture.path("link.ndjson")
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: try Self.write(fixture.path("real.ndjson"), Array("old".utf8)))
                return (path, "is a symbolic link")
            case .aSymbolicLinkToADevice:
                let path = fixture.path("null")
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/null")
                return (path, "is a symbolic link")
            case .anEmptyDirectory:
                let path = fixture.path("empty")
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                return (path, "is a directory")
            case .aDirectoryOfOtherCSVFiles:
                let path = fixture.path("survey")
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                try Self.write(path + "/notes.csv", Array("respondent,answer\r\n1,yes\r\n".utf8))
                return (path, "is a directory")
            }
        }

        @discardableResult
        static func write(_ path: String, _ bytes: [UInt8]) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// Enough of `lstat` to tell that nothing was replaced or written into
    /// (the store itself is never opened here: that would drop its locks).
    static func identity(_ path: String) -> [Int] {
        var info = stat()
        guard lstat(path, &info) == 0 else { return [] }
        return [Int(info.st_ino), Int(info.st_mode), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }

    @Test(arguments: Unreplaceable.allCases, [ExportFormat.json, .csv])
    func forceReplacesNothingButAFileOrAnEarlierCSVExport(_ thing: Unreplaceable, _ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            let (out, why) = try thing.make(fixture)
            let before = Self.identity(out)
            let error = try #require(throws: ExportError.self) { try fixture.exporter.write(format: format, to: out, options: ExportOptions(force: true)) }
            #expect(error.description.hasPrefix("\(out) \(why)"), "\(error)")
            // The store's own files are refused whether or not they exist, so not as something --force would replace.
            let suffix = [.theStore, .theStoresWAL].contains(thing) ? "; choose another --out path; nothing was written"
                : ", so --force will not replace it; choose another --out path"
            #expect(error.description.hasSuffix(suffix), "\(error)")
            #expect(Self.identity(out) == before, "\(out) was changed")
            #expect(try AuditTrail.entries(in: fixture.store).isEmpty)
            #expect(try Self.leftovers(fixture).isEmpty)
        }
    }

    @Test(arguments: ["missing-directory/export.html", "store.sqlite/export.html"])
    func aPathThatCannotBeWrittenFailsWithNothingWritten(_ relative: String) throws {
        try Fixture.with { fixture throws in
            let out = fixture.path(relative)
            let error = try #require(throws: ExportError.self) { try fixture.exporter.write(format: .report, to: out) }
            #expect(error.description.hasPrefix("cannot write \(out) ("))
            #expect(error.description.hasSuffix("check that the directory exists and is writable; nothing was written"))
            #expect(try AuditTrail.entries(in: fixture.store).isEmpty)
        }
    }

    @Test(arguments: ExportFormat.allCases)
    func nothingTemporaryIsLeftBehind(_ format: ExportFormat) throws {
        try Fixture.with { fixture throws in
            try fixture.exporter.write(format: format, to: fixture.path("out"))
            #expect(try Self.leftovers(fixture).isEmpty)
        }
    }

    @Test func anUnknownThemeIsRefusedNamingTheThemes() throws {
        try Fixture.with { fixture throws in
            let error = try #require(throws: ExportError.self) {
                try fixture.exporter.write(format: .json, to: fixture.path("out"), filter: ExportFilter(theme: "weather"))
            }
            #expect(error.description == "no theme is named 'weather'; themes are: Bereavement, Isolation, Transport, Money worries")
            #expect(!exists(fixture.path("out")))
        }
    }

    @Test func filtersSelectNotesByDateAreaTagAndThemeWithItsDescendants() throws {
        try Fixture.with { fixture throws in
            func ids(_ filter: ExportFilter) throws -> [String] {
                try fixture.render(.json, filter: filter).split(separator: "\n").filter { $0.contains("\"type\":\"note\"") }.map { String($0.dropFirst(7).prefix(32)) }
            }
            let (bus, evenings, declined, withdrawn, gp) = (Fixture.busCut.hex, Fixture.evenings.hex, Fixture.declined.hex, Fixture.withdrawn.hex, Fixture.gpOnline.hex)
            // The withdrawn note is left out altogether unless its metadata is asked for.
            #expect(try ids(ExportFilter(since: "2026-11-04", until: "2026-11-20")) == [evenings, declined])
            #expect(try ids(ExportFilter(since: "2026-11-04", until: "2026-11-20", includeWithdrawnMetadata: true)) == [evenings, declined, withdrawn])
            #expect(try ids(ExportFilter(until: "2026-11-02T10:00")) == [bus])
            #expect(try ids(ExportFilter(area: "Heneage")) == [declined])
            #expect(try ids(ExportFilter(area: "heneage", includeWithdrawnMetadata: true)) == [declined, withdrawn], "an area in any case")
            #expect(try ids(ExportFilter(tag: "digital")) == [gp])
            #expect(try ids(ExportFilter(theme: "isolation")) == [bus, declined])
            #expect(try ids(ExportFilter(theme: "  TRANSPORT ")) == [bus, declined])
            #expect(try ids(ExportFilter(theme: "bereavement")) == [evenings], "tags match theme names ignoring case")
            #expect(try ids(ExportFilter(area: "East Marsh", theme: "Money worries")) == [])
        }
    }

    @Test func aBadDateIsRefused() throws {
        try Fixture.with { fixture throws in
            #expect(throws: StoreError.self) { try fixture.exporter.write(format: .json, to: fixture.path("out"), filter: ExportFilter(since: "last week")) }
            #expect(!exists(fixture.path("out")))
        }
    }
}
