/// Writes indented XML: elements with attributes in the order given, text
/// content escaped. Attributes whose value is nil are left out. The document
/// is built as UTF-8 bytes (appending a string's bytes is a copy; appending
/// to a string checks and counts them again).
///
/// Built with `init(chunks:to:)`, the document is handed on in pieces of at
/// least `chunks` bytes as it grows (each when an element ends), and `bytes`
/// holds only what has not been handed on yet (`finish` hands that on too).
struct XMLBuilder {
    private(set) var bytes = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)
    private var open: [String] = []
    private let chunk: Int
    private let sink: (([UInt8]) -> Void)?

    init() {
        chunk = Int.max
        sink = nil
    }

    init(chunks: Int, to sink: @escaping ([UInt8]) -> Void) {
        chunk = chunks
        self.sink = sink
        bytes.reserveCapacity(chunks + chunks / 4)
    }

    /// A piece of a document to be put inside `depth` open elements with
    /// `append(fragment:)`: no XML declaration, indented as at that depth.
    init(fragmentAt depth: Int) {
        bytes = []
        open = Array(repeating: "", count: depth)
        chunk = Int.max
        sink = nil
    }

    /// Appends the bytes of a fragment (`init(fragmentAt:)`) made at this builder's depth.
    mutating func append(fragment: [UInt8]) {
        guard let sink else {
            bytes += fragment
            return
        }
        // What is held goes first, then the fragment as it is, uncopied.
        if !bytes.isEmpty { sink(bytes) }
        bytes.removeAll(keepingCapacity: true)
        sink(fragment)
    }

    /// Hands on what is left (with `init(chunks:to:)`).
    mutating func finish() {
        guard let sink, !bytes.isEmpty else { return }
        sink(bytes)
        bytes = []
    }

    /// The document as text.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func append(_ string: String) { bytes.append(contentsOf: string.utf8) }

    /// Appends the attributes, each escaped, straight onto `bytes` (no
    /// string per attribute or per element: a project has one per selection).
    private mutating func appendAttributes(_ pairs: [(String, String?)]) {
        for (name, value) in pairs {
            guard let value else { continue }
            bytes.append(0x20)
            append(name)
            bytes.append(0x3D)
            bytes.append(0x22)
            append(XMLText.attribute(value))
            bytes.append(0x22)
        }
    }

    private mutating func appendIndent() {
        for _ in 0 ..< open.count { bytes.append(0x20); bytes.append(0x20) }
    }

    private mutating func appendTag(_ name: String, _ pairs: [(String, String?)], close: String) {
        appendIndent()
        bytes.append(0x3C)
        append(name)
        appendAttributes(pairs)
        append(close)
    }

    mutating func start(_ name: String, _ pairs: [(String, String?)] = []) {
        appendTag(name, pairs, close: ">\n")
        open.append(name)
    }

    mutating func end() {
        let name = open.removeLast()
        appendIndent()
        append("</")
        append(name)
        append(">\n")
        if bytes.count >= chunk, let sink {
            sink(bytes)
            bytes = []
            bytes.reserveCapacity(chunk + chunk / 4)
        }
    }

    /// An element with no children.
    mutating func empty(_ name: String, _ pairs: [(String, String?)] = []) {
        appendTag(name, pairs, close: "/>\n")
    }

    /// An element holding only text; the text is written exactly (no added indentation).
    mutating func leaf(_ name: String, _ content: String, _ pairs: [(String, String?)] = []) {
        appendTag(name, pairs, close: ">")
        append(XMLText.content(content))
        append("</")
        append(name)
        append(">\n")
    }
}
