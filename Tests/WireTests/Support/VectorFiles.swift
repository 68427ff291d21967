import CRDT
import Formats
import Foundation
import Wire

/// Reads the committed vectors in `Protocol/vectors/`, found from this
/// file's path so tests need no resources.
enum VectorFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol").appendingPathComponent("vectors")

    static var isRecording: Bool { ProcessInfo.processInfo.environment["FIELDNOTES_RECORD_VECTORS"] == "1" }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name + ".json") }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }

    /// The `vectors` array of a committed file.
    static func vectors(_ name: String) throws -> [JSON] {
        guard let vectors = try JSONParser.parse(text(name))["vectors"]?.arrayValue else {
            throw VectorFileError(reason: "\(name).json has no vectors array")
        }
        return vectors
    }

    static func bytes(_ vector: JSON, _ key: String = "hex") throws -> [UInt8] {
        guard let hex = vector[key]?.stringValue, let bytes = Hex.decode(hex) else {
            throw VectorFileError(reason: "vector has no valid \(key)")
        }
        return bytes
    }

    /// The names of the `.json` files in the directory.
    static func jsonFileNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
    }

    static func write(_ file: VectorFile) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(file.text.utf8).write(to: url(file.fileName), options: .atomic)
    }
}

struct VectorFileError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
