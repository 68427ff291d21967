/// Writes indented XML: elements with attributes in the order given, text
/// content escaped. Attributes whose value is nil are left out.
struct XMLBuilder {
    private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []

    private func attributes(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { " \(name)=\"\(XMLText.attribute($0))\"" } }.joined()
    }

    private var indent: String { String(repeating: "  ", count: open.count) }

    mutating func start(_ name: String, _ pairs: [(String, String?)] = []) {
        text += "\(indent)<\(name)\(attributes(pairs))>\n"
        open.append(name)
    }

    mutating func end() {
        let name = open.removeLast()
        text += "\(indent)</\(name)>\n"
    }

    /// An element with no children.
    mutating func empty(_ name: String, _ pairs: [(String, String?)] = []) {
        text += "\(indent)<\(name)\(attributes(pairs))/>\n"
    }

    /// An element holding only text; the text is written exactly (no added indentation).
    mutating func leaf(_ name: String, _ content: String, _ pairs: [(String, String?)] = []) {
        text += "\(indent)<\(name)\(attributes(pairs))>\(XMLText.content(content))</\(name)>\n"
    }
}
