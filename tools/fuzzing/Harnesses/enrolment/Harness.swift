import CFuzzer
import Sync

/// An enrolment code as pasted into `join`. A code parsed must print as text
/// that parses back to the same code.
func fuzzTarget(_ bytes: [UInt8]) {
    guard case .success(let code) = EnrolmentCode.parse(String(decoding: bytes, as: UTF8.self)) else { return }
    guard case .success(let again) = EnrolmentCode.parse(code.text), again == code else {
        fatalError("an enrolment code printed as \(code.text), which does not parse back to it")
    }
}

/// The executable's entry point (SwiftPM links `main` to it): libFuzzer's driver,
/// which runs `fuzzTarget` on each input it makes.
@_cdecl("fuzz_enrolment_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
