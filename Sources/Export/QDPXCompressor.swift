import Deflate
import Dispatch

/// Deflates `project.qde` on another thread while the main thread goes on
/// making the XML: each piece `append` is given is compressed (and its CRC-32
/// taken) in order, on one serial queue; `finish` waits for the last.
///
/// `@unchecked Sendable`: its one mutable thing, `stream` (a zlib stream,
/// not `Sendable`), is only ever used on `queue`, a serial queue, so by one
/// thread at a time; pieces are handed over as `[UInt8]` values.
final class QDPXCompressor: @unchecked Sendable {
    private let queue = DispatchQueue(label: "fieldnotes.qdpx.deflate")
    private let stream = DeflateStream(level: 1)

    func append(_ bytes: [UInt8]) {
        queue.async { self.stream.append(bytes) }
    }

    /// The whole stream, with the size and CRC-32 of what went in.
    func finish() -> (deflated: [UInt8], size: Int, crc: UInt32) {
        queue.sync { (stream.finish(), stream.inputCount, stream.crc) }
    }
}
