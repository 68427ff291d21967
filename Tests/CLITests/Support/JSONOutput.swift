import Foundation
import Testing

/// Parses `--format json` output that must be one object.
func parseObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
}

/// Parses `--format json` output that must be one array of objects.
func parseArray(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [[String: Any]], "not a JSON array of objects: \(text)", sourceLocation: sourceLocation)
}

/// A parsed JSON value re-serialised with sorted keys, for comparing two outputs
/// as values whatever their layout.
func canonicalJSON(_ value: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
}

/// The keys of every object nested exactly `depth` brackets deep, in the order
/// they are written (1: a top-level object's keys; 2: the keys of the objects in
/// a top-level array). JSONSerialization forgets order, and order is part of
/// the stable output scripts rely on.
func objectKeys(_ text: String, depth wanted: Int) -> [String] {
    var keys: [String] = []
    var depth = 0
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
        switch character {
        case "{", "[": depth += 1
        case "}", "]": depth -= 1
        case "\"":
            var string = ""
            while let next = characters.popFirst(), next != "\"" {
                string.append(next)
                if next == "\\", let escaped = characters.popFirst() { string.append(escaped) }
            }
            let rest = characters.drop(while: \.isWhitespace)
            if rest.first == ":", depth == wanted { keys.append(string) }
        default: break
        }
    }
    return keys
}

/// The stable keys of a note in `show`, `list` and `search` JSON, in order.
let noteKeys = ["id", "type", "title", "body", "kind", "area", "occurred_at", "participant", "consent",
                "tags", "measures", "deleted", "erased", "conflicts"]

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func strings(_ key: String) -> [String]? { self[key] as? [String] }
    func bool(_ key: String) -> Bool? { self[key] as? Bool }
    func isNull(_ key: String) -> Bool { self[key] is NSNull }
    /// The measures object as numbers by name.
    var measures: [String: Double]? {
        (self["measures"] as? [String: Any])?.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}
