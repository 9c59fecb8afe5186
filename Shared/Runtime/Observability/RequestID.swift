import Foundation

/// The id of one request, for finding its log lines: taken from the
/// caller's `x-request-id` when that is a short token, else made here;
/// passed on to every internal call and returned in the response metadata.
public enum RequestID {
  public static let metadataKey = "x-request-id"
  /// The longest id accepted from a caller; a longer one is replaced.
  public static let maximumBytes = 64

  /// The id of the call the current task serves, bound by
  /// `RequestLogInterceptor` (nil outside a call).
  @TaskLocal public static var current: String?

  /// `value` when it is 1–64 bytes of letters, digits and `-._:`;
  /// nil otherwise (an id that is not a token is not echoed into logs).
  public static func accept(_ value: String?) -> String? {
    guard let value, (1...maximumBytes).contains(value.utf8.count),
      value.utf8.allSatisfy({ byte in
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 46
          || byte == 95 || byte == 58
      })
    else { return nil }
    return value
  }

  /// A new random id: 16 bytes as 32 hex digits.
  public static func make() -> String {
    var generator = SystemRandomNumberGenerator()
    let high = generator.next() as UInt64
    let low = generator.next() as UInt64
    return hex(high) + hex(low)
  }

  private static func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
