import Formats
import Store

/// A minimal ZIP archive writer (PKWARE APPNOTE.TXT 6.3): stored entries (no
/// compression) and entries deflated beforehand (method 8, `add(_:deflated:)`),
/// with CRC-32, a local header before each, a central directory
/// and the end-of-central-directory record. More than 65,534 entries (a store
/// of 100,000 notes) get the ZIP64 end records (APPNOTE 4.3.14, 4.3.15); the
/// archive, and each entry, must stay under 4 GiB, which `add` and `finish` check.
struct ZIPWriter {
    private struct Entry {
        let name: [UInt8]
        let method: UInt16
        let flags: UInt16
        let crc: UInt32
        let compressedSize: UInt32
        let size: UInt32
        let offset: UInt32
    }

    /// General purpose flags: bit 11, names are UTF-8.
    private static let utf8Names: UInt16 = 0x0800
    /// With method 8, bits 1 and 2 set: deflated by the fastest level ("super fast").
    private static let superFast: UInt16 = 0x0006

    private(set) var bytes: [UInt8] = []
    private var entries: [Entry] = []
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// `modified` (seconds since the Unix epoch, UTC) stamps every entry;
    /// a fixed time makes the archive's bytes a function of its contents.
    init(modified seconds: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        let (dateYear, month, day) = ISO8601.civilFromDays(Int(days))
        // MS-DOS dates count years from 1980; clamp times outside 1980-2107.
        let year = min(max(dateYear, 1980), 2107)
        dosDate = UInt16((year - 1980) << 9 | month << 5 | day)
        dosTime = UInt16((rest / 3600) << 11 | (rest / 60 % 60) << 5 | (rest % 60) / 2)
    }

    struct TooLarge: Error, Equatable {}

    /// Room for `bytes` more bytes of archive, so appending the entries
    /// copies nothing already written (a project of 100,000 notes is
    /// hundreds of megabytes).
    mutating func reserve(_ count: Int) {
        bytes.reserveCapacity(bytes.count + count)
    }

    /// The bytes an entry named `name` adds to the archive besides its
    /// content: its local header and its central directory header, each with the name.
    static func entryOverhead(name: String) -> Int { 30 + 46 + 2 * name.utf8.count }

    /// The end records' bytes, at most (with the ZIP64 ones).
    static let endOverhead = 56 + 20 + 22

    /// Appends one stored file. `name` uses `/` between folders.
    mutating func add(_ name: String, _ content: [UInt8]) throws(TooLarge) {
        try add(name, size: content.count) { $0 += content }
    }

    /// Appends one stored file holding `text` in UTF-8, with no copy of it made first.
    mutating func add(_ name: String, text: String) throws(TooLarge) {
        try add(name, size: text.utf8.count) { $0.append(contentsOf: text.utf8) }
    }

    /// Appends one entry whose content is `deflated`, one raw DEFLATE stream
    /// made at zlib's level 1 (`DeflateStream(level: 1)`) of `size` bytes whose
    /// CRC-32 is `crc`, given as the segments it was made in, laid end to end.
    mutating func add(_ name: String, deflated segments: [[UInt8]], size: Int, crc: UInt32) throws(TooLarge) {
        let count = segments.reduce(0) { $0 + $1.count }
        guard size < Int(UInt32.max), count < Int(UInt32.max), bytes.count < Int(UInt32.max) - count - 1024 else { throw TooLarge() }
        let nameBytes = Array(name.utf8)
        let entry = Entry(name: nameBytes, method: 8, flags: ZIPWriter.utf8Names | ZIPWriter.superFast, crc: crc,
                          compressedSize: UInt32(count), size: UInt32(size), offset: UInt32(bytes.count))
        appendLocalHeader(entry)
        for segment in segments { bytes += segment }
        entries.append(entry)
    }

    /// Appends the entries of `part`, an archive begun elsewhere (on another
    /// thread) and not finished, as they are: the same bytes, each entry's
    /// offset moved to where the part now starts.
    mutating func append(_ part: ZIPWriter) throws(TooLarge) {
        let start = bytes.count
        guard start < Int(UInt32.max) - part.bytes.count - 1024 else { throw TooLarge() }
        bytes += part.bytes
        entries.reserveCapacity(entries.count + part.entries.count)
        for entry in part.entries {
            entries.append(Entry(name: entry.name, method: entry.method, flags: entry.flags, crc: entry.crc,
                                 compressedSize: entry.compressedSize, size: entry.size, offset: UInt32(start) + entry.offset))
        }
    }

    /// The bytes the entries added so far will take in the central directory.
    var centralDirectorySize: Int { entries.reduce(0) { $0 + 46 + $1.name.count } }

    /// Writes the local header, then the `size` bytes `append` adds, then
    /// puts their CRC-32 into the header.
    private mutating func add(_ name: String, size: Int, _ append: (inout [UInt8]) -> Void) throws(TooLarge) {
        guard size < Int(UInt32.max), bytes.count < Int(UInt32.max) - size - 1024 else { throw TooLarge() }
        let nameBytes = Array(name.utf8)
        let offset = bytes.count
        appendLocalHeader(Entry(name: nameBytes, method: 0, flags: ZIPWriter.utf8Names, crc: 0,
                                compressedSize: UInt32(size), size: UInt32(size), offset: UInt32(offset)))
        let start = bytes.count
        append(&bytes)
        let crc = CRC32.checksum(bytes[start...])
        for index in 0..<4 { bytes[offset + 14 + index] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * index)) }
        entries.append(Entry(name: nameBytes, method: 0, flags: ZIPWriter.utf8Names, crc: crc,
                             compressedSize: UInt32(size), size: UInt32(size), offset: UInt32(offset)))
    }

    private mutating func appendLocalHeader(_ entry: Entry) {
        append32(0x0403_4B50)          // local file header signature
        append16(20)                   // version needed to extract: 2.0 (stored or deflated)
        append16(entry.flags)
        append16(entry.method)         // 0 stored, 8 deflated
        append16(dosTime)
        append16(dosDate)
        append32(entry.crc)            // CRC-32 (of a stored entry: written once its content is in)
        append32(entry.compressedSize)
        append32(entry.size)           // uncompressed size
        append16(UInt16(entry.name.count))
        append16(0)                    // extra field length
        bytes += entry.name
    }

    /// Writes the central directory and the end record; returns the archive.
    mutating func finish() throws(TooLarge) -> [UInt8] {
        let start = bytes.count
        for entry in entries {
            append32(0x0201_4B50)      // central directory header signature
            append16(0x0314)           // version made by: 2.0, Unix
            append16(20)
            append16(entry.flags)
            append16(entry.method)
            append16(dosTime)
            append16(dosDate)
            append32(entry.crc)
            append32(entry.compressedSize)
            append32(entry.size)
            append16(UInt16(entry.name.count))
            append16(0)                // extra field length
            append16(0)                // comment length
            append16(0)                // disk number start
            append16(0)                // internal attributes
            append32(0o100644 << 16)   // external attributes: a regular file, rw-r--r--
            append32(entry.offset)
            bytes += entry.name
        }
        let size = bytes.count - start
        guard bytes.count < Int(UInt32.max) else { throw TooLarge() }
        let zip64 = entries.count >= 0xFFFF
        if zip64 {
            let record = bytes.count
            append32(0x0606_4B50)      // ZIP64 end of central directory signature
            append64(44)               // size of the rest of this record
            append16(0x032D)           // version made by: 4.5, Unix
            append16(45)               // version needed: 4.5 (ZIP64)
            append32(0)                // this disk
            append32(0)                // disk with the central directory
            append64(UInt64(entries.count))
            append64(UInt64(entries.count))
            append64(UInt64(size))
            append64(UInt64(start))
            append32(0x0706_4B50)      // ZIP64 end of central directory locator signature
            append32(0)                // disk with the ZIP64 end record
            append64(UInt64(record))
            append32(1)                // total disks
        }
        append32(0x0605_4B50)          // end of central directory signature
        append16(0)                    // this disk
        append16(0)                    // disk with the central directory
        append16(zip64 ? 0xFFFF : UInt16(entries.count))
        append16(zip64 ? 0xFFFF : UInt16(entries.count))
        append32(UInt32(size))
        append32(UInt32(start))
        append16(0)                    // comment length
        return bytes
    }

    private mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private mutating func append64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private mutating func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
