import Deflate

/// `project.qde` deflated as it is made, as segments of one DEFLATE stream
/// (`DeflateStream.segment()`): what this thread writes (the codebook, the
/// cases, the notes) goes through its own stream, and the TextSources come
/// as segments deflated by the threads that made them (`inParts`), so the
/// deflating is shared by both cores instead of waiting on one. Laid end to
/// end, the segments are one stream of the whole document.
///
/// Not `Sendable`: it owns a zlib stream; one thread (the one writing the
/// project) uses it.
final class QDPXCompressor {
    /// zlib's level for `project.qde`: 1, the fastest (about 7 to 1 on a
    /// project's XML; levels 2 and 3 are no faster here and gain 2%).
    static let level: Int32 = 1

    private let stream = DeflateStream(level: QDPXCompressor.level)
    private var segments: [[UInt8]] = []
    private var size = 0
    private var crc: UInt32 = 0

    /// Deflates the next bytes of the document.
    func append(_ bytes: [UInt8]) { stream.append(bytes) }

    /// The next bytes of the document, deflated elsewhere as a segment (`DeflateStream.segment()`).
    func append(segment: (deflated: [UInt8], size: Int, crc: UInt32)) {
        add(stream.segment())
        add(segment)
    }

    private func add(_ segment: (deflated: [UInt8], size: Int, crc: UInt32)) {
        guard segment.size > 0 else { return }
        segments.append(segment.deflated)
        crc = Deflate.crc32Combine(crc, segment.crc, secondLength: segment.size)
        size += segment.size
    }

    /// The whole stream, in its segments, with the size and CRC-32 of the document.
    func finish() -> (segments: [[UInt8]], size: Int, crc: UInt32) {
        let last = (crc: stream.crc, size: stream.inputCount)
        segments.append(stream.finish())
        crc = Deflate.crc32Combine(crc, last.crc, secondLength: last.size)
        size += last.size
        return (segments, size, crc)
    }
}
