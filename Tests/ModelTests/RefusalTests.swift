import Foundation
import GroundswellModel
import Testing

/// Every refusal template, rendered with every action and state it is used
/// with, reads as a sentence a partner can act on.
@Suite struct RefusalTests {
  static let baseVerbs: Set<String> = ["create", "change", "publish", "close", "declare", "withdraw", "remove", "post", "list", "record", "lend", "manage", "find", "erase", "import", "export"]

  /// The defects a template produces: repeated words, a wrong article, a
  /// missing full stop, a verb that is not in its base form after "may".
  static func problems(_ sentence: String) -> [String] {
    var found: [String] = []
    if !sentence.hasSuffix(".") { found.append("does not end with a full stop") }
    let words = sentence.split(separator: " ").map { $0.lowercased().trimmingCharacters(in: .punctuationCharacters) }
    for (word, next) in zip(words, words.dropFirst()) {
      if word == next { found.append("repeats `\(word)`") }
      if ["of", "for", "in", "on", "from"].contains(word) && ["of", "for", "in", "on", "from"].contains(next) {
        found.append("`\(word) \(next)`")
      }
      let vowel = next.first.map { "aeiou".contains($0) } ?? false
      if word == "a" && vowel { found.append("`a \(next)`") }
      if word == "an" && !vowel { found.append("`an \(next)`") }
    }
    for (index, word) in words.enumerated() where word == "may" {
      let verb = words.dropFirst(index + 1).first { $0 != "not" } ?? ""
      if !baseVerbs.contains(verb) { found.append("`may \(verb)`") }
    }
    return found
  }

  @Test func everyOwnershipRefusalIsASentence() {
    for action in OwnerAction.examples {
      for caller in ["organizations/b", nil] {
        let sentence = Refusal.notTheOwner(caller: caller, owner: "organizations/a", action: action)
        #expect(Self.problems(sentence) == [], "\(sentence)")
        #expect(sentence.contains("organizations/a"))
      }
    }
  }

  @Test func everyStateRefusalIsASentence() {
    let allowedSets = [["DRAFT"], ["OPEN"], ["OPEN", "CLOSED"], ["DRAFT", "OPEN", "CLOSED"]]
    for move in PetitionMove.allCases {
      for allowed in allowedSets {
        let sentence = Refusal.wrongState(petition: "petitions/p1", current: "VICTORY", allowed: allowed, move: move)
        #expect(Self.problems(sentence) == [], "\(sentence)")
        #expect(sentence.contains("can be \(move.participle)."))
      }
    }
    #expect(
      Refusal.wrongState(petition: "petitions/p1", current: "DRAFT", allowed: ["OPEN"], move: .close)
        == "Petition `petitions/p1` is DRAFT; only an OPEN petition can be closed.")
  }

  /// The checker itself finds the defects the old templates had.
  @Test func theCheckerFindsGarbledSentences() {
    for garbled in [
      "Petition `p` is DRAFT; only a OPEN petition can be closed.",
      "Your API key belongs to b and may not closed `p` for a.",
      "Your API key belongs to b and may not list the supporters of for a.",
      "Your API key belongs to b and may not record consent for for a.",
    ] {
      #expect(!Self.problems(garbled).isEmpty, "\(garbled)")
    }
  }
}
