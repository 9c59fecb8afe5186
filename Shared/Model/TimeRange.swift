import Foundation

/// The times the API accepts: from 1970-01-01T00:00:00Z to
/// 9999-12-31T23:59:59.999999999Z. Every timestamp that enters through a
/// request is checked against this range before any arithmetic is done on
/// it, and every stored time is clamped into it when read back, so no
/// conversion can overflow.
public enum TimeRange {
  /// 1970-01-01T00:00:00Z in seconds since the epoch.
  public static let minimumSeconds: Int64 = 0
  /// 9999-12-31T23:59:59Z in seconds since the epoch.
  public static let maximumSeconds: Int64 = 253_402_300_799
  /// The same bounds in milliseconds, as the databases store times.
  public static let minimumMilliseconds: Int64 = 0
  public static let maximumMilliseconds: Int64 = maximumSeconds * 1000 + 999

  /// The sentence an error gives for a time outside the range.
  public static let description = "between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z"

  /// Whether a protobuf `Timestamp`'s parts are a time in the range.
  public static func contains(seconds: Int64, nanos: Int32) -> Bool {
    (minimumSeconds...maximumSeconds).contains(seconds) && (0...999_999_999).contains(nanos)
  }

  /// Milliseconds since 1970 for `date`, clamped into the range (NaN reads as
  /// the minimum), so that even a corrupt stored value converts safely.
  public static func milliseconds(_ date: Date) -> Int64 {
    let value = (date.timeIntervalSince1970 * 1000).rounded()
    guard value.isFinite, value > Double(minimumMilliseconds) else { return minimumMilliseconds }
    guard value < Double(maximumMilliseconds) else { return maximumMilliseconds }
    return Int64(value)
  }

  /// `date` moved into the range.
  public static func clamped(_ date: Date) -> Date {
    Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
  }

  /// Whole seconds since 1970 for `date`, clamped into the range.
  public static func seconds(_ date: Date) -> Int64 {
    milliseconds(date) / 1000
  }
}

extension Validator {
  /// A timestamp given as a protobuf `Timestamp`'s parts: returns the time
  /// when it is in `TimeRange`, else adds a violation naming `field`.
  public mutating func time(_ field: String, seconds: Int64, nanos: Int32) -> Date? {
    guard TimeRange.contains(seconds: seconds, nanos: nanos) else {
      add(field, "\(field) must be \(TimeRange.description), with nanos from 0 to 999,999,999.")
      return nil
    }
    return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
  }
}
