import CFuzzer
import Store

/// An NDJSON (or JSON array) import file: its rows, then every rule and limit
/// `import` checks before writing (no store is opened).
func fuzzTarget(_ bytes: [UInt8]) {
    guard let rows = try? NoteImport.rows(String(decoding: bytes, as: UTF8.self), format: .json) else { return }
    _ = try? NoteImport.notes(rows, existing: { _ in false }, nowSeconds: 1_717_243_200)
}

/// The executable's entry point (SwiftPM links `main` to it): libFuzzer's driver,
/// which runs `fuzzTarget` on each input it makes.
@_cdecl("fuzz_ndjson_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
