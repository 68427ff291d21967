@testable import Export
import Testing

/// XML escaping, which the REFI-QDA project and the HTML report share.
@Suite struct XMLTextTests {
    @Test func plainTextIsKeptAsItIs() {
        for text in ["", "Met at the library.", "Café, naïve — 雨 🙂", "a 'quoted' \"word\" in content"] {
            #expect(XMLText.content(text) == text)
        }
        #expect(XMLText.attribute("Met at the library.") == "Met at the library.")
    }

    @Test func markupQuotesAndLineEndsAreEscapedAsBefore() {
        #expect(XMLText.content("a < b & c > d \"q\" 'q'\r\n\tz") == "a &lt; b &amp; c &gt; d \"q\" 'q'&#13;\n\tz")
        #expect(XMLText.attribute("a < b & c > d \"q\" 'q'\r\n\tz") == "a &lt; b &amp; c &gt; d &quot;q&quot; &#39;q&#39;&#13;&#10;&#9;z")
    }

    @Test func charactersXMLCannotHoldBecomeTheReplacementCharacter() {
        #expect(XMLText.content("bell\u{07} nul\u{00} \u{FFFE}\u{FFFF} é\u{FFFD}\u{FFEE}") == "bell\u{FFFD} nul\u{FFFD} \u{FFFD}\u{FFFD} é\u{FFFD}\u{FFEE}")
        #expect(XMLText.attribute("\u{1F}x") == "\u{FFFD}x")
    }
}
