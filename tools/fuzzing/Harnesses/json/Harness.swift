import CFuzzer
import Formats

/// One JSON document, as `import` reads a .json file; one that parses is
/// written out again (both writers: the text and the bytes, where the escape
/// check reads bytes in place) and must read back as the same value.
func fuzzTarget(_ bytes: [UInt8]) {
    guard let value = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self)) else { return }
    let text = value.serialized()
    var written: [UInt8] = []
    value.serialize(into: &written)
    guard written.elementsEqual(text.utf8) else { fatalError("serialize(into:) and serialized() differ for \(text)") }
    guard let again = try? JSONParser.parse(text), again == value else { fatalError("written JSON does not read back: \(text)") }
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
