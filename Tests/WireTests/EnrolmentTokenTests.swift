import Foundation
import Testing
import Wire

/// The one-time enrolment token: 80 bits as Crockford base32 with a mod-37
/// check symbol, read over the phone and typed by hand.
@Suite struct EnrolmentTokenTests {
    static let sample = EnrolmentToken(bytes: [0x3F, 0x9A, 0x1C, 0x0E, 0x7B, 0x2D, 0x4F, 0x6A, 0x8C, 0x1E])!

    @Test func textIsFourGroupsOfFourAndACheckSymbol() throws {
        let text = Self.sample.text
        let groups = text.split(separator: "-")
        #expect(groups.map(\.count) == [4, 4, 4, 4, 1], "\(text)")
        #expect(try EnrolmentToken.parse(text).get() == Self.sample)
    }

    @Test func readingForgivesCaseSpacesAndLookAlikes() throws {
        let text = Self.sample.text
        let sloppy = text.lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "0", with: "o")
            .replacingOccurrences(of: "1", with: "l")
        #expect(try EnrolmentToken.parse(sloppy).get() == Self.sample, "\(sloppy)")
    }

    @Test func everySingleMistypedSymbolIsCaught() {
        let symbols = Array(Self.sample.text.filter { $0 != "-" })
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        for position in 0 ..< 16 {
            for replacement in alphabet where replacement != symbols[position] {
                var typed = symbols
                typed[position] = replacement
                let result = EnrolmentToken.parse(String(typed))
                #expect((try? result.get()) == nil, "\(String(typed)) passed the check")
            }
        }
    }

    @Test func everySwapOfNeighboursIsCaught() {
        let symbols = Array(Self.sample.text.filter { $0 != "-" })
        for position in 0 ..< 16 where symbols[position] != symbols[position + 1] {
            var typed = symbols
            typed.swapAt(position, position + 1)
            #expect((try? EnrolmentToken.parse(String(typed)).get()) == nil, "\(String(typed)) passed the check")
        }
    }

    @Test func wrongLengthAndStrangeSymbolsSayWhat() {
        #expect(EnrolmentToken.parse("7K3M-Q9TD") == .failure(.length(8)))
        #expect(EnrolmentToken.parse("7K3M-Q9TD-XW2R-H8P!-5") == .failure(.symbol("!")))
        #expect(EnrolmentToken.parse("UUUU-Q9TD-XW2R-H8PV-5") == .failure(.symbol("U")))
    }

    @Test func randomTokensRoundTrip() throws {
        for _ in 0 ..< 200 {
            let token = try EnrolmentToken.random()
            #expect(try EnrolmentToken.parse(token.text).get() == token)
            #expect(token.hash.count == 32)
        }
    }
}
