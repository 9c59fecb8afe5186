@testable import GroundswellModel
import Testing

/// `Email.canonical` checks ASCII addresses byte by byte; these tests hold
/// that path to the general one's answers.
@Suite struct EmailFastPathTests {
  /// Random text from an alphabet heavy in what the rules look at (a
  /// failure prints its text: add it to `edgeCasesAgree`).
  static func samples(count: Int) -> [String] {
    let hostile = Array("aZ.@@+-_<>, \t\n\r\u{0B}\u{0C}\u{1C}x9")
    let plain = Array("aZ.+-_x9")
    let domains = ["gmail.com", "googlemail.com", "Outlook.com", "example.org", "a..b", ".x", "x."]
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in
      let alphabet = Bool.random(using: &generator) ? hostile : plain
      var text = String((0..<Int.random(in: 0...14, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
      if Bool.random(using: &generator) { text += "@" + domains.randomElement(using: &generator)! }
      if Int.random(in: 0..<8, using: &generator) == 0 { text = String(repeating: "a", count: Int.random(in: 60...70, using: &generator)) + text }
      if Int.random(in: 0..<8, using: &generator) == 0 { text = " \r\n" + text + "\r\n\t" }
      return text
    }
  }

  @Test func asciiAddressesGetTheGeneralPathsAnswer() {
    var plausible = 0
    for text in Self.samples(count: 20_000) {
      let fast = Email.canonicalASCII(text)
      #expect(fast == Email.canonicalUnicode(text), "\(text.debugDescription)")
      if fast != nil { plausible += 1 }
    }
    // The samples reach both answers, not only refusals.
    #expect(plausible > 1_000)
  }

  @Test(arguments: [
    "  Ana@Example.ORG \r\n", "First.Last+news@Gmail.com", "a@b.c", String(repeating: "x", count: 64) + "@example.org",
    String(repeating: "x", count: 65) + "@example.org", "ana@exa mple.org", "<ana@example.org>", "ana\u{1C}@example.org",
    "ana@example.org" + String(repeating: "g", count: 240),
  ])
  func edgeCasesAgree(text: String) {
    #expect(Email.canonicalASCII(text) == Email.canonicalUnicode(text))
  }

  @Test func nonASCIIAddressesTakeTheGeneralPath() {
    #expect(Email.canonical("\u{00A0}ÁNA@example.org") == "ána@example.org")
    #expect(Email.canonical("ana\u{2003}@example.org") == nil)
  }
}
