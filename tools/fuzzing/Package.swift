// swift-tools-version:6.0
// libFuzzer harnesses for fieldnotes' parsers of untrusted bytes. Not part of the
// root package: build and run them with `tools/fuzz` (see README.md, "Fuzzing").
// Each harness is one executable: its entry point starts libFuzzer's driver
// (LLVMFuzzerRunDriver, see CFuzzer/shim.h), which feeds one small function, `fuzzTarget`.
import PackageDescription

let harnesses = ["frame", "ops", "json", "ndjson", "csv", "iso8601", "enrolment"]

let package = Package(
    name: "fieldnotes-fuzz",
    dependencies: [.package(name: "fieldnotes", path: "../..")],
    targets: [.systemLibrary(name: "CFuzzer", path: "CFuzzer")] + harnesses.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["CFuzzer", .product(name: "FieldnotesParsers", package: "fieldnotes")],
            path: "Harnesses/\(name)"
        )
    }
)
