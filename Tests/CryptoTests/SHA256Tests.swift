import Crypto
import Testing

/// SHA-256 against the known answers of FIPS 180-4's examples (NIST's
/// "abc", two-block and one-million-"a" messages; the 896-bit message of
/// FIPS 180-2), whole and fed in pieces, so a wrapper that dropped, repeated
/// or reordered bytes at a block boundary would fail.
@Suite("SHA-256 known answers")
struct SHA256Tests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let name: String
        let message: String
        let digest: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "empty", message: "",
               digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Vector(name: "abc (one block)", message: "abc",
               digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Vector(name: "448 bits (padding needs a second block)",
               message: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
               digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        Vector(name: "896 bits",
               message: "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                   + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
               digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test(arguments: vectors)
    func digestMatchesTheStandard(_ vector: Vector) {
        #expect(hex(SHA256.hash(Array(vector.message.utf8))) == vector.digest)
        let text = SHA256()
        text.update(vector.message)
        #expect(hex(text.finalize()) == vector.digest)
    }

    /// Every split of each message into two updates gives the same digest.
    @Test(arguments: vectors)
    func digestIsTheSameForEverySplit(_ vector: Vector) {
        let bytes = Array(vector.message.utf8)
        for split in 0 ... bytes.count {
            let digest = SHA256()
            digest.update(Array(bytes[..<split]))
            digest.update(Array(bytes[split...]))
            #expect(hex(digest.finalize()) == vector.digest, "split at \(split)")
        }
    }

    /// One million "a", in 1000 updates of 1000 bytes (not a multiple of the 64-byte block).
    @Test func millionAsStreamed() {
        let digest = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0 ..< 1000 { digest.update(chunk) }
        #expect(hex(digest.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
