import CFuzzer
import Formats

/// A date or time as a person types it (`--until`, `occurred_at`). A moment
/// parsed must print as text that parses back to the same moment, unless an
/// offset took it outside the years 0000 to 9999 (printed "-0001-…" or
/// "10000-…", which `parse` refuses and `Note.date` rejects).
func fuzzTarget(_ bytes: [UInt8]) {
    guard let moment = ISO8601.parse(String(decoding: bytes, as: UTF8.self)) else { return }
    let text = moment.text
    if let again = ISO8601.parse(text) {
        guard again.seconds == moment.seconds, !again.dateOnly else {
            fatalError("\(moment.seconds) printed as \(text), which parses as \(again.seconds)")
        }
    } else {
        guard text.hasPrefix("-") || text.utf8.dropFirst(4).first != UInt8(ascii: "-") else {
            fatalError("\(moment.seconds) printed as \(text), which does not parse")
        }
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
