/// Writes indented XML: elements with attributes in the order given, text
/// content escaped. Attributes whose value is nil are left out. The document
/// is built as UTF-8 bytes (appending a string's bytes is a copy; appending
/// to a string checks and counts them again). Element and attribute names
/// are `StaticString`s, copied from where the compiler put them; values are
/// copied from their strings' own UTF-8 (no walk through a view, byte by byte).
///
/// Built with `init(chunks:to:)`, the document is handed on in pieces of at
/// least `chunks` bytes as it grows (each when an element ends), and `bytes`
/// holds only what has not been handed on yet (`finish` hands that on too).
struct XMLBuilder {
    private(set) var bytes = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)
    private var open: [StaticString] = []
    /// The element `tag` began, for `opened`.
    private var pending: StaticString = ""
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
    init(fragmentAt depth: Int, reserving capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
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

    /// Hands on what is held so far (with `init(chunks:to:)`), as before
    /// something is put beside the document's bytes that passes them by.
    mutating func handOn() {
        guard let sink, !bytes.isEmpty else { return }
        sink(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Hands on what is left (with `init(chunks:to:)`).
    mutating func finish() {
        handOn()
        // Its room too: nothing more is written.
        if sink != nil { bytes = [] }
    }

    /// Forgets the bytes written, keeping their room, to write another fragment at the same depth.
    mutating func removeAll() {
        precondition(sink == nil, "XMLBuilder.removeAll on a builder that hands its bytes on")
        bytes.removeAll(keepingCapacity: true)
    }

    /// The document as text.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func append(_ string: String) {
        // Native and small strings hold their UTF-8 contiguously (so always, but bridged ones).
        if string.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil { bytes.append(contentsOf: string.utf8) }
    }

    private mutating func append(_ name: StaticString) {
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends the attributes, each escaped, straight onto `bytes` (no
    /// string per attribute or per element: a project has one per selection).
    private mutating func appendAttributes(_ pairs: [(StaticString, String?)]) {
        for (name, value) in pairs {
            guard let value else { continue }
            attribute(name, value)
        }
    }

    /// Begins a start tag, `<name`, at the current depth: the attributes
    /// follow, one `attribute` call each (no array of pairs to make, as
    /// `start` and `empty` take), then `opened()` or `closed()`.
    mutating func tag(_ name: StaticString) {
        appendIndent()
        bytes.append(0x3C)
        append(name)
        pending = name
    }

    /// ` name="value"`, the value escaped.
    mutating func attribute(_ name: StaticString, _ value: String) {
        bytes.append(0x20)
        append(name)
        bytes.append(0x3D)
        bytes.append(0x22)
        XMLText.append(value, attribute: true, to: &bytes)
        bytes.append(0x22)
    }

    /// ` name="value"` for a value with nothing to escape by its making (a
    /// GUID, an ISO 8601 time), written without looking.
    mutating func attribute(_ name: StaticString, plain value: String) {
        assert(XMLText.attribute(value) == value, "\(value) needs escaping")
        bytes.append(0x20)
        append(name)
        bytes.append(0x3D)
        bytes.append(0x22)
        append(value)
        bytes.append(0x22)
    }

    /// ` name="value"`, the number in decimal.
    mutating func attribute(_ name: StaticString, _ value: Int) {
        bytes.append(0x20)
        append(name)
        bytes.append(0x3D)
        bytes.append(0x22)
        appendDecimal(value)
        bytes.append(0x22)
    }

    /// `value` in decimal, as `String(value)` writes it, with no string made.
    private mutating func appendDecimal(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }

    /// Ends the start tag `tag` began: the element stays open until `end()`.
    mutating func opened() {
        bytes.append(0x3E)
        bytes.append(0x0A)
        open.append(pending)
    }

    /// Ends the tag `tag` began as an element with no children.
    mutating func closed() {
        append("/>\n")
    }

    private mutating func appendIndent() {
        bytes.append(contentsOf: repeatElement(0x20, count: 2 * open.count))
    }

    private mutating func appendTag(_ name: StaticString, _ pairs: [(StaticString, String?)], close: StaticString) {
        appendIndent()
        bytes.append(0x3C)
        append(name)
        appendAttributes(pairs)
        append(close)
    }

    mutating func start(_ name: StaticString, _ pairs: [(StaticString, String?)] = []) {
        appendTag(name, pairs, close: ">\n")
        open.append(name)
    }

    mutating func end() {
        let name = open.removeLast()
        appendIndent()
        append("</")
        append(name)
        append(">\n")
        // The sink is done with the bytes when it returns: the buffer is used again.
        if bytes.count >= chunk, let sink {
            sink(bytes)
            bytes.removeAll(keepingCapacity: true)
        }
    }

    /// An element with no children.
    mutating func empty(_ name: StaticString, _ pairs: [(StaticString, String?)] = []) {
        appendTag(name, pairs, close: "/>\n")
    }

    /// An element holding only text; the text is written exactly (no added indentation).
    mutating func leaf(_ name: StaticString, _ content: String, _ pairs: [(StaticString, String?)] = []) {
        appendTag(name, pairs, close: ">")
        XMLText.append(content, attribute: false, to: &bytes)
        append("</")
        append(name)
        append(">\n")
    }
}
