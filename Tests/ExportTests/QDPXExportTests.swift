import Analysis
import CRDT
@testable import Export
import Foundation
import Store
import Synthetic
import Testing
import TestSupport

@Suite struct QDPXExportTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Project.xsd").path

    /// Writes the fixture's QDPX and unpacks it with Python's zipfile (or unzip), which also checks every CRC.
    static func unpacked(_ fixture: Fixture) throws -> (archive: String, directory: String) {
        let archive = fixture.path("project.qdpx")
        try fixture.exporter.write(format: .qdpx, to: archive)
        let directory = fixture.path("unpacked")
        if let result = try runTool("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); bad = z.testzip(); "
                                                + "sys.exit('bad entry: %s' % bad) if bad else z.extractall(sys.argv[2])", archive, directory]) {
            #expect(result.status == 0, "python3 zipfile: \(result.output)")
        } else if let result = try runTool("unzip", ["-q", archive, "-d", directory]) {
            #expect(result.status == 0, "unzip: \(result.output)")
        } else {
            Issue.record("neither python3 nor unzip is installed, so the QDPX archive cannot be checked; apt-get install -y unzip")
        }
        return (archive, directory)
    }

    @Test func theArchiveIsAValidZIP() throws {
        try Fixture.with { fixture throws in
            let (archive, directory) = try Self.unpacked(fixture)
            var checked = false
            if let result = try runTool("python3", ["-m", "zipfile", "-t", archive]) {
                #expect(result.status == 0 && result.output.contains("Done testing"), "\(result.output)")
                checked = true
            }
            if let result = try runTool("unzip", ["-t", archive]) {
                #expect(result.status == 0 && result.output.contains("No errors detected"), "\(result.output)")
                checked = true
            }
            #expect(checked, "no ZIP tester (python3 or unzip) is installed")
            let names = try files(under: directory).map(\.0)
            #expect(names.contains("project.qde"))
            // One text file per source and per note (insights and decisions), each named by its GUID.
            let qde = try readText(directory + "/project.qde")
            let referenced = qde.components(separatedBy: "plainTextPath=\"internal://").dropFirst().map { "Sources/" + $0.prefix(40) }
            #expect(Set(names.filter { $0.hasPrefix("Sources/") && $0.hasSuffix(".txt") }) == Set(referenced))
            #expect(referenced.count == 9, "4 notes (the withdrawn one left out) and 5 journals")
        }
    }

    @Test func zipWriterEntriesCarryTheirCRC32() throws {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        var zip = ZIPWriter(modified: 1_796_904_000)
        try zip.add("a.txt", Array("hello".utf8))
        let bytes = try zip.finish()
        #expect(Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
        #expect(Array(bytes.suffix(22).prefix(4)) == [0x50, 0x4B, 0x05, 0x06])
        #expect(Array(bytes[14..<18]) == [0x86, 0xA6, 0x10, 0x36])   // CRC-32 of "hello", little-endian
    }

    /// zlib's CRC-32 against the bitwise definition, at every length to 40 and
    /// every start offset to 9 (unaligned starts and short tails), and on a
    /// text entry, whose CRC is patched into its header.
    @Test func crc32MatchesTheBitwiseDefinition() throws {
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return ~crc
        }
        var generator = SplitMix64(seed: 7)
        let bytes = (0..<64).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for start in 0..<9 {
            for length in 0...40 {
                let slice = bytes[start..<(start + length)]
                #expect(CRC32.checksum(slice) == bitwise(slice), "start \(start), length \(length)")
            }
        }
        var running = CRC32()
        running.update(bytes[0..<13])
        running.update(bytes[13...])
        #expect(running.value == bitwise(bytes[...]))
        var zip = ZIPWriter(modified: 1_796_904_000)
        try zip.add("a.txt", text: "Talked about the bus to Grimsby, twice.")
        let archive = try zip.finish()
        let crc = bitwise(Array("Talked about the bus to Grimsby, twice.".utf8)[...])
        #expect(Array(archive[14..<18]) == (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(8 * $0)) })
    }

    @Test func zipWriterUsesZIP64PastSixtyFiveThousandEntries() throws {
        var zip = ZIPWriter(modified: 1_796_904_000)
        for index in 0..<70_000 { try zip.add("Sources/\(index).txt", Array("n\(index)".utf8)) }
        let bytes = try zip.finish()
        let temporary = try TemporaryDirectory.make(prefix: "zip64")
        defer { temporary.remove() }
        let path = temporary.path("archive.zip")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // Python's zipfile reads ZIP64 end records, as QualCoder does.
        let check = "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; n=z.namelist(); "
            + "assert len(n)==70000, len(n); assert z.read('Sources/69999.txt')==b'n69999'; print('ok')"
        let result = try #require(try runTool("python3", ["-c", check, path]), "python3 is needed to read the archive back")
        #expect(result.status == 0 && result.output.contains("ok"), "\(result.output)")
    }

    /// The TextSources are made in parts on two threads (`QDPXExport.inParts`):
    /// cut into parts of 1, 2 or 3 notes, the project is byte for byte the one made in one part.
    @Test func projectIsTheSameMadeInPartsOnTwoThreads() throws {
        try Fixture.with { fixture throws in
            try QDPXPassageTests.code("the number 9 bus was cut", of: Fixture.busCut, Fixture.transport, on: fixture.store)
            let data = try ExportDataset.load(fixture.store, filter: ExportFilter(), now: Int64(Fixture.exportMillis / 1000))
            #expect(data.notes.count >= 4)
            let whole = QDPXExport.project(data, partSize: data.notes.count)
            #expect(whole.passages.exported == 1)
            for size in [1, 2, 3] {
                let parted = QDPXExport.project(data, partSize: size)
                #expect(parted.xmlBytes == whole.xmlBytes, "parts of \(size)")
                #expect(parted.files.map(\.path) == whole.files.map(\.path) && parted.files.map(\.text) == whole.files.map(\.text))
                #expect(parted.passages == whole.passages)
            }
        }
    }

    @Test func partsAreTakenInOrderWhicheverThreadMadeThem() {
        var taken: [Range<Int>] = []
        QDPXExport.inParts(10_007, size: 10, { { $0 } }) { taken.append($0) }
        #expect(taken.count == 1_001)
        #expect(taken.first == 0 ..< 10 && taken.last == 10_000 ..< 10_007)
        #expect(zip(taken, taken.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        var none: [Range<Int>] = []
        QDPXExport.inParts(0, { { $0 } }) { none.append($0) }
        #expect(none.isEmpty)
    }

    /// project.qde is deflated (method 8) and inflates to exactly the project's
    /// XML, read back by Python's zipfile as QualCoder reads it; the sources are stored.
    @Test func projectQDEIsDeflatedAndInflatesToTheProject() throws {
        try Fixture.with { fixture throws in
            let data = try ExportDataset.load(fixture.store, filter: ExportFilter(), now: Int64(Fixture.exportMillis / 1000))
            let archive = fixture.path("deflated.qdpx"), xml = fixture.path("project.xml")
            try Data(try QDPXExport.archive(data)).write(to: URL(fileURLWithPath: archive))
            try Data(QDPXExport.project(data).xmlBytes).write(to: URL(fileURLWithPath: xml))
            let check = "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; i=z.getinfo('project.qde'); "
                + "assert i.compress_type==zipfile.ZIP_DEFLATED, i.compress_type; assert z.read('project.qde')==open(sys.argv[2],'rb').read(); "
                + "s=[x for x in z.infolist() if x.filename!='project.qde']; assert s and all(x.compress_type==zipfile.ZIP_STORED for x in s); print('ok')"
            let result = try #require(try runTool("python3", ["-c", check, archive, xml]), "python3 is needed to read the archive back")
            #expect(result.status == 0 && result.output.contains("ok"), "\(result.output)")
        }
    }

    /// Made in parts of 1 and 2 notes (each part's XML deflated as a segment by the thread that
    /// made it, its files' entries made there too), the archive holds project.qde as one deflated
    /// entry that inflates to the project, then every file with its text, in the project's order.
    @Test func archiveMadeInPartsInflatesToTheProjectAndItsFiles() throws {
        try Fixture.with { fixture throws in
            let data = try ExportDataset.load(fixture.store, filter: ExportFilter(), now: Int64(Fixture.exportMillis / 1000))
            #expect(data.notes.count >= 4)
            let project = QDPXExport.project(data)
            let xml = fixture.path("project.xml"), names = fixture.path("names.txt"), texts = fixture.path("texts")
            try Data(project.xmlBytes).write(to: URL(fileURLWithPath: xml))
            try Data((["project.qde"] + project.files.map(\.path)).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: names))
            try FileManager.default.createDirectory(atPath: texts + "/Sources", withIntermediateDirectories: true)
            for file in project.files { try Data(file.text.utf8).write(to: URL(fileURLWithPath: texts + "/" + file.path)) }
            for size in [1, 2] {
                let archive = fixture.path("parts-\(size).qdpx")
                try Data(try QDPXExport.archive(data, partSize: size)).write(to: URL(fileURLWithPath: archive))
                let check = "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; "
                    + "assert z.read('project.qde')==open(sys.argv[2],'rb').read(); n=open(sys.argv[3]).read().split('\\n'); "
                    + "assert z.namelist()==n, z.namelist()[:3]; assert all(z.read(x)==open(sys.argv[4]+'/'+x,'rb').read() for x in n[1:]); print('ok')"
                let result = try #require(try runTool("python3", ["-c", check, archive, xml, names, texts]), "python3 is needed to read the archive back")
                #expect(result.status == 0 && result.output.contains("ok"), "parts of \(size): \(result.output)")
            }
        }
    }

    @Test func projectIsValidAgainstTheREFIQDASchema() throws {
        try Fixture.with { fixture throws in
            // With coded passages too, one of them on a note whose text is withheld.
            try QDPXPassageTests.code("the number 9 bus was cut", of: Fixture.busCut, Fixture.transport, on: fixture.store)
            try QDPXPassageTests.code("naïve 😀", of: Fixture.evenings, Fixture.bereavement, on: fixture.store)
            try fixture.store.commit(try Passages.code(.range(0 ..< 6), of: Fixture.declined, theme: Fixture.transport, coder: "analyst-laptop",
                                                       now: "2026-12-09T10:00:00Z", in: fixture.store, id: try Store.newRecordID()))
            let (_, directory) = try Self.unpacked(fixture)
            #expect(try readText(directory + "/project.qde").components(separatedBy: "name=\"passage\"").count == 3)
            guard let result = try runTool("xmllint", ["--noout", "--schema", Self.schema, directory + "/project.qde"]) else {
                Issue.record("xmllint is not installed, so project.qde was NOT validated against Project.xsd; apt-get install -y libxml2-utils")
                return
            }
            #expect(result.status == 0, "xmllint: \(result.output)")
            #expect(result.output.contains("validates"), "\(result.output)")
        }
    }

    @Test func selectionsSpanEachSourceInUnicodeCodePoints() throws {
        try Fixture.with { fixture throws in
            let (_, directory) = try Self.unpacked(fixture)
            let qde = try readText(directory + "/project.qde")
            for note in [Fixture.busCut, Fixture.evenings, Fixture.gpOnline] {
                let guid = GUID.of(note)
                let text = try readText(directory + "/Sources/\(guid).txt")
                #expect(qde.contains("plainTextPath=\"internal://\(guid).txt\""))
                let source = try #require(qde.range(of: "<TextSource guid=\"\(guid)\"")).upperBound
                let selection = try #require(qde.range(of: "startPosition=\"0\" endPosition=\"\(text.unicodeScalars.count)\"", range: source..<qde.endIndex))
                #expect(qde[source..<selection.lowerBound].components(separatedBy: "</TextSource>").count == 1)
            }
            // The evenings note holds an emoji (one code point, two UTF-16 units, four bytes) and a CRLF, written
            // as LF: QualCoder reads sources with universal newlines, so a CRLF would be one character there.
            let evenings = try readText(directory + "/Sources/\(GUID.of(Fixture.evenings)).txt")
            #expect(evenings == "Evenings are the worst, he says\n\n" + Fixture.evenningsBody.replacingOccurrences(of: "\r\n", with: "\n"))
            #expect(evenings.unicodeScalars.count == 114)
        }
    }

    @Test func declinedNotesAreSourcesWithNoText() throws {
        try Fixture.with { fixture throws in
            let (_, directory) = try Self.unpacked(fixture)
            #expect(try readBytes(directory + "/Sources/\(GUID.of(Fixture.declined)).txt").isEmpty)
            let qde = try readText(directory + "/project.qde")
            #expect(qde.contains("name=\"Note 00000000 (text withheld: consent declined)\""))
            for secret in Fixture.secrets { #expect(!qde.contains(secret), "\(secret)") }
        }
    }

    @Test func themesUsersCasesVariablesAndInsightsAreMapped() throws {
        try Fixture.with { fixture throws in
            let (_, directory) = try Self.unpacked(fixture)
            let qde = try readText(directory + "/project.qde")
            // Themes nest; Transport sits inside Isolation.
            let isolation = try #require(qde.range(of: "<Code guid=\"\(GUID.of(Fixture.isolation))\" name=\"Isolation\" isCodable=\"true\" color=\"#336699\">"))
            let transport = try #require(qde.range(of: "<Code guid=\"\(GUID.of(Fixture.transport))\" name=\"Transport\""))
            let closing = try #require(qde.range(of: "</Code>", range: isolation.upperBound..<qde.endIndex))
            #expect(transport.lowerBound < closing.lowerBound)
            #expect(qde.contains("name=\"Tags without a theme\" isCodable=\"false\""))
            #expect(qde.contains("<User guid=\"\(GUID.of(RecordID(bytes: Fixture.bob.bytes)!))\" name=\"bob-laptop\"/>"))
            #expect(qde.contains("<Case guid=\"\(GUID.named("case", "P-017"))\" name=\"P-017\">"))
            for variable in ["area", "kind", "consent", "participant", "occurred_at", "measures.ucla3", "measures.ons_lonely", "measures.steps"] {
                #expect(qde.contains("name=\"\(variable)\""), "\(variable)")
            }
            #expect(qde.contains("<FloatValue>2.5</FloatValue>") && qde.contains("<IntegerValue>7</IntegerValue>"))
            #expect(qde.contains("<Note guid=\"\(GUID.of(Fixture.busInsight))\" name=\"Insight: Losing a bus route stops people going to social activities\" "
                                 + "plainTextPath=\"internal://\(GUID.of(Fixture.busInsight)).txt\""))
            #expect(qde.contains("<NoteRef targetGUID=\"\(GUID.of(Fixture.busInsight))\"/>"))
            // Every GUID has the schema's 8-4-4-4-12 form.
            let guids = qde.components(separatedBy: "uid=\"").dropFirst().map { String($0.prefix(36)) }
            #expect(!guids.isEmpty)
            for guid in guids {
                let parts = guid.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
                #expect(parts == [8, 4, 4, 4, 12] && guid.allSatisfy { $0.isHexDigit || $0 == "-" }, "\(guid)")
            }
        }
    }

    @Test func projectQDEMatchesItsGoldenFile() throws {
        try Fixture.with { fixture throws in
            let data = try ExportDataset.load(fixture.store, filter: ExportFilter(), now: Int64(Fixture.exportMillis / 1000))
            try expectGolden(fixture.normalised(QDPXExport.project(data).xml), "project.qde")
        }
    }
}
