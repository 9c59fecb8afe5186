import Foundation
import GroundswellModel
import Testing

/// The bounds every request passes through before any handler logic.
@Suite struct InputBoundsTests {
  @Test func timesOutsideTheRangeAreRefusedAndStoredOnesClamp() {
    var validator = Validator()
    #expect(validator.time("t", seconds: .min, nanos: 0) == nil)
    #expect(validator.time("t", seconds: .max, nanos: 0) == nil)
    #expect(validator.time("t", seconds: TimeRange.maximumSeconds + 1, nanos: 0) == nil)
    #expect(validator.time("t", seconds: 0, nanos: -1) == nil)
    #expect(validator.time("t", seconds: 0, nanos: 1_000_000_000) == nil)
    #expect(validator.violations.count == 5)
    #expect(validator.time("t", seconds: TimeRange.maximumSeconds, nanos: 999_999_999) != nil)
    #expect(validator.time("t", seconds: 0, nanos: 0) == Date(timeIntervalSince1970: 0))
    for extreme in [Double.infinity, -.infinity, .nan, 9.3e18, -9.3e18, 1e300] {
      let milliseconds = TimeRange.milliseconds(Date(timeIntervalSince1970: extreme))
      #expect((TimeRange.minimumMilliseconds...TimeRange.maximumMilliseconds).contains(milliseconds))
    }
    #expect(TimeRange.milliseconds(Date(timeIntervalSince1970: 1.2345)) == 1_235)
  }

  @Test func oneErrorListsAtMostTwentyViolationsAndCountsTheRest() {
    var validator = Validator()
    for index in 0..<1_000 { validator.add("f\(index)", "bad") }
    #expect(throws: DomainError.self) { try validator.check() }
    do {
      try validator.check()
    } catch {
      guard case .invalidArgument(let violations) = error else { return #expect(Bool(false)) }
      #expect(violations.count == Validator.maximumListed + 1)
      #expect(violations.last?.field == "request")
      #expect(violations.last?.description.hasPrefix("980 more") == true)
    }
  }

  @Test func textIsLimitedInBytesAndRefusesControlCharacters() {
    var validator = Validator()
    validator.text("heavy", String(repeating: "a" + String(repeating: "\u{0301}", count: 1_000), count: 10), maximum: 100)
    validator.text("nul", "a\u{0}b", maximum: 100)
    validator.text("bell", "\u{7}", maximum: 100)
    validator.text("c1", "a\u{85}", maximum: 100)
    #expect(validator.violations.map(\.field) == ["heavy", "nul", "bell", "c1"])
    var fine = Validator()
    fine.text("lines", "one\r\ntwo\tthree", maximum: 100)
    fine.text("accents", "é\u{0301}", maximum: 100)
    #expect(fine.isValid)
  }

  @Test func tooLongListsAreNotCheckedElementByElement() {
    var validator = Validator()
    let names = Array(repeating: "not a name", count: 5_000)
    let ids = validator.names("petitions", names, collection: "petitions")
    #expect(ids.isEmpty)
    #expect(validator.violations.map(\.field) == ["petitions"])
    let withinLimit = validator.count("targets", Array(repeating: 0, count: 21), maximum: 20)
    #expect(!withinLimit)
  }

  @Test func echoesAreShortPrefixesByBytes() {
    #expect(Echo.prefix("short") == "short")
    let heavy = "a" + String(repeating: "\u{0301}", count: 100_000)
    #expect(Echo.prefix(heavy).utf8.count <= Echo.maximumBytes + 3)
    #expect(Echo.prefix("a\u{0}b\nc") == "a?b?c")
    #expect(Echo.prefix(String(repeating: "🙂", count: 100)).hasSuffix("…"))
  }

  @Test func pageTokensCannotCarryPositionsThatOverflow() {
    #expect(PageToken.decode(PageToken.encode(position: .max, query: "q"), query: "q") == nil)
    #expect(PageToken.decode(PageToken.encode(position: PageToken.maximumPosition, query: "q"), query: "q") == PageToken.maximumPosition)
  }
}
