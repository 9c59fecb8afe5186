import Foundation
import GroundswellRuntime
import Logging
import Testing

/// The log line as `LineLogHandler` writes it: the fixed fields first, the
/// metadata by key, values quoted or escaped as each format needs.
@Suite struct LogLineTests {
  @Test(arguments: [0, 951_782_400, 1_709_164_800, 1_735_689_599, 1_764_966_311, 4_102_444_799])
  func timestampsAreTheISO8601FormOfTheSecond(seconds: Int) {
    #expect(LogTime.iso8601(seconds: seconds) == Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601))
  }

  @Test func timestampsAgreeWithFoundationOnRandomSeconds() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2_000 {
      let seconds = Int.random(in: 0..<4_102_444_800, using: &generator)
      #expect(LogTime.iso8601(seconds: seconds) == Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601), "\(seconds)")
    }
  }

  @Test func aTimeOutsideTheFourDigitYearsStillFormats() {
    #expect(LogTime.iso8601(seconds: 253_402_300_800).hasPrefix("0000-01-01T00:00:00"))
    #expect(LogTime.iso8601(seconds: -62_198_755_200).utf8.count == 20)
  }

  @Test func theCurrentSecondIsTheClocksSecond() {
    let before = Int(Date().timeIntervalSince1970)
    let text = LogTime.now()
    let after = Int(Date().timeIntervalSince1970)
    #expect((before...after).map(LogTime.iso8601(seconds:)).contains(text), "\(text)")
    #expect(LogTime.now().utf8.count == 20)
  }

  @Test(arguments: [
    (Duration.zero, "0.000"), (.microseconds(7), "0.007"), (.microseconds(42), "0.042"), (.microseconds(999), "0.999"),
    (.microseconds(1_000), "1.000"), (.nanoseconds(12_345_678), "12.345"), (.seconds(90), "90000.000"),
    (.seconds(-1), "0.000"), (.seconds(Int64.max), "3155760000000.000"),
  ])
  func durationsAreMillisecondsWithThreeDecimals(duration: Duration, text: String) {
    #expect(RequestLogInterceptor.milliseconds(duration) == text)
  }

  @Test func logfmtQuotesValuesWithSpacesQuotesOrEqualsAndSortsTheMetadata() {
    let line = LineLogHandler.line(
      time: "2026-12-05T20:25:11Z", level: .info, service: "petition-service", message: "rpc done",
      metadata: ["method": "a/B", "code": "OK", "note": "say \"hi\"", "pair": "a=b"], format: .logfmt)
    #expect(
      line == #"time=2026-12-05T20:25:11Z level=info service=petition-service msg="rpc done" code=OK method=a/B note="say \"hi\"" pair="a=b""#)
  }

  @Test func jsonLinesParseBackToTheSameFields() throws {
    let message = "quote \" backslash \\ newline \n tab \t bell \u{7} é"
    let line = LineLogHandler.line(
      time: "2026-12-05T20:25:11Z", level: .warning, service: "gateway", message: message,
      metadata: ["b": "2", "a": "1"], format: .json)
    #expect(!line.contains("\n"))
    #expect(line.contains(#"\u0007"#))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    #expect(object == ["time": "2026-12-05T20:25:11Z", "level": "warning", "service": "gateway", "msg": message, "a": "1", "b": "2"])
    #expect(line.hasPrefix(#"{"time":"2026-12-05T20:25:11Z","level":"warning","service":"gateway","msg":"#))
    #expect(line.hasSuffix(#""a":"1","b":"2"}"#))
  }
}
