import Dispatch
import Formats
import Synchronization

/// A JSON array, as `JSON.prettyArray` writes it, made on another thread
/// from elements handed over in order: `list` reads the next notes from the
/// store while the last ones are turned into text (and let go of, there).
/// The text is kept until `finish`, so a command that fails part-way has
/// written none of it, as when every note was read first; it is kept as
/// strings, made from the bytes there too (a check of their UTF-8).
final class BackgroundJSONArray<Element: Sendable>: Sendable {
    private let queue = DispatchQueue(label: "fieldnotes.json-array")
    private let transform: @Sendable (Element) -> JSON
    /// Touched only by the blocks of `queue`, and by `finish` once they are done.
    private let text = Mutex<(writer: JSON.PrettyArrayWriter, pieces: [String])>((JSON.PrettyArrayWriter(), []))

    init(_ transform: @escaping @Sendable (Element) -> JSON) {
        self.transform = transform
    }

    /// Writes `elements` after those handed over before, on the other thread.
    func append(_ elements: [Element]) {
        queue.async { [self] in
            text.withLock { text in
                for element in elements {
                    if let piece = text.writer.append(transform(element)) { text.pieces.append(String(decoding: piece, as: UTF8.self)) }
                }
            }
        }
    }

    /// Waits until every element handed over is written; returns the whole
    /// text in pieces of about 64 KiB, each ending between elements.
    func finish() -> [String] {
        queue.sync {}
        return text.withLock { text in text.pieces + [String(decoding: text.writer.finish(), as: UTF8.self)] }
    }
}
