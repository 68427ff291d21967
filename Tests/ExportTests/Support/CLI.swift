import Foundation
import TestSupport

enum FieldnotesBinary {
    /// Runs `fieldnotes --store STORE arguments…` with a clean environment
    /// (HOME and XDG_DATA_HOME under `home`, no FIELDNOTES_STORE) and
    /// standard input at end of file.
    static func run(store: String, _ arguments: [String], home: String) throws -> Execution {
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDNOTES_STORE"] = nil
        environment["HOME"] = home
        environment["XDG_DATA_HOME"] = home + "/xdg"
        return try Fieldnotes.start(["--store", store] + arguments, environment: environment).wait()
    }
}
