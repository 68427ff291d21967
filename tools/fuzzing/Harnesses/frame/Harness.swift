import CFuzzer
import Wire

/// A peer's byte stream, as a hub or device reads it. The first byte picks the
/// phase (bit 0: already in session, so no magic and the larger frame limit);
/// the rest are fed to one `FrameDecoder` in chunks whose sizes the input also
/// picks. Every message decoded must re-encode to its frame's exact bytes,
/// except a CompressedOps, whose DEFLATE stream has many encodings: that one
/// must re-encode to a frame that decodes to the same message.
func fuzzTarget(_ bytes: [UInt8]) {
    guard let control = bytes.first else { return }
    let inSession = control & 1 == 1
    var decoder = FrameDecoder(expectingMagic: !inSession)
    if inSession { decoder.beginSession() }
    let stream = bytes.dropFirst()
    let chunk = Int(control >> 1) + 1
    var start = stream.startIndex
    while start < stream.endIndex {
        let end = min(start + chunk, stream.endIndex)
        decoder.append(stream[start ..< end])
        start = end
        do {
            while let frame = try decoder.decodeFrame() {
                let message: Message
                do { message = try Message.decode(frame) } catch { return }
                guard let encoded = try? message.frame() else {
                    fatalError("\(frame.type) frame decoded to a message that does not re-encode")
                }
                if case .compressedOperations = message {
                    guard (try? Message.decode(encoded)) == message else {
                        fatalError("a CompressedOps decoded to a message whose own encoding decodes differently")
                    }
                } else if encoded != frame {
                    fatalError("\(frame.type) frame decoded to a message that does not re-encode to the same bytes")
                }
            }
        } catch {
            return
        }
    }
}

/// The executable's entry point (SwiftPM links `main` to it): libFuzzer's driver,
/// which runs `fuzzTarget` on each input it makes.
@_cdecl("fuzz_frame_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
