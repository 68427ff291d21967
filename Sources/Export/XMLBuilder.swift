/// Writes indented XML: elements with attributes in the order given, text
/// content escaped. Attributes whose value is nil are left out.
struct XMLBuilder {
    private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []

    /// Appends the attributes, each escaped, straight onto `text` (no
    /// string per attribute or per element: a project has one per selection).
    private mutating func appendAttributes(_ pairs: [(String, String?)]) {
        for (name, value) in pairs {
            guard let value else { continue }
            text += " "
            text += name
            text += "=\""
            text += XMLText.attribute(value)
            text += "\""
        }
    }

    private mutating func appendIndent() {
        for _ in 0 ..< open.count { text += "  " }
    }

    private mutating func appendTag(_ name: String, _ pairs: [(String, String?)], close: String) {
        appendIndent()
        text += "<"
        text += name
        appendAttributes(pairs)
        text += close
    }

    mutating func start(_ name: String, _ pairs: [(String, String?)] = []) {
        appendTag(name, pairs, close: ">\n")
        open.append(name)
    }

    mutating func end() {
        let name = open.removeLast()
        appendIndent()
        text += "</"
        text += name
        text += ">\n"
    }

    /// An element with no children.
    mutating func empty(_ name: String, _ pairs: [(String, String?)] = []) {
        appendTag(name, pairs, close: "/>\n")
    }

    /// An element holding only text; the text is written exactly (no added indentation).
    mutating func leaf(_ name: String, _ content: String, _ pairs: [(String, String?)] = []) {
        appendTag(name, pairs, close: ">")
        text += XMLText.content(content)
        text += "</"
        text += name
        text += ">\n"
    }
}
