import CFuzzer
import Wire

/// An operation batch as it follows the batch id in an Ops payload (every
/// operation kind, insertText and deleteText among them). A batch decoded
/// must re-encode to exactly the input: the encoding is canonical.
func fuzzTarget(_ bytes: [UInt8]) {
    guard let batch = try? OperationBatch.decode(bytes) else { return }
    guard let encoded = try? batch.encode(), encoded == bytes else {
        fatalError("a batch decoded from \(bytes.count) bytes does not re-encode to them")
    }
}

/// The executable's entry point (SwiftPM links `main` to it): libFuzzer's driver,
/// which runs `fuzzTarget` on each input it makes.
@_cdecl("fuzz_ops_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
