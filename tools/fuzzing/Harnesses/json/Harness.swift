import CFuzzer
import Formats

/// One JSON document, as `import` reads a .json file.
func fuzzTarget(_ bytes: [UInt8]) {
    _ = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self))
}

/// The executable's entry point (SwiftPM links `main` to it): libFuzzer's driver,
/// which runs `fuzzTarget` on each input it makes.
@_cdecl("fuzz_json_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
