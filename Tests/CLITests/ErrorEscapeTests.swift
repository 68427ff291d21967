import Foundation
import Testing

/// An error message that quotes what it was given (or stored text) stays one
/// line on stderr, with control characters escaped, never sent raw.
@Suite("error escapes")
struct ErrorEscapeTests {
    @Test(arguments: [["show", "ab\u{1B}[2Jcd"], ["list", "--kind", "x\u{1B}]0;pwned\u{7}\ny"]])
    func errorMessagesQuotingControlCharactersStayOneEscapedLine(_ arguments: [String]) throws {
        try Sandbox.with { sandbox in
            let store = try sandbox.makeStore()
            let refused = try store.run(arguments)
            #expect(refused.status != 0, "\(refused)")
            let bytes = Array(refused.stderr.utf8)
            #expect(!bytes.contains(0x1B) && !bytes.contains(0x07), "raw control characters on stderr: \(refused)")
            #expect(refused.stderr.contains("\\u{1b}"), "\(refused)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused)")
        }
    }
}
