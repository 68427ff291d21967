import CFuzzer
import Store

/// A date or time as a person types it (`--until`, `occurred_at`). A moment
/// parsed must print as text that parses back to the same moment.
func fuzzTarget(_ bytes: [UInt8]) {
    guard let moment = ISO8601.parse(String(decoding: bytes, as: UTF8.self)) else { return }
    guard let again = ISO8601.parse(moment.text), again.seconds == moment.seconds else {
        fatalError("\(moment.seconds) printed as \(moment.text), which does not parse back to it")
    }
}

/// The executable's entry point (SwiftPM links `main` to it): libFuzzer's driver,
/// which runs `fuzzTarget` on each input it makes.
@_cdecl("fuzz_iso8601_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
