import Foundation
import GroundswellModel
import SwiftProtobuf

extension Validator {
  /// A request's `Timestamp` field: the time when it is in `TimeRange`,
  /// else nil with a violation naming `field`.
  public mutating func time(_ field: String, _ timestamp: Google_Protobuf_Timestamp) -> Date? {
    time(field, seconds: timestamp.seconds, nanos: timestamp.nanos)
  }
}

extension HistoryRange {
  /// Checks a history request's granularity and its optional `start_time`
  /// and `end_time` (each in `TimeRange`); nil when the validator gained a
  /// violation.
  public init?(
    validating validator: inout Validator, granularity: Int,
    start: Google_Protobuf_Timestamp?, end: Google_Protobuf_Timestamp?
  ) {
    let startDate = start.map { validator.time("start_time", $0) }
    let endDate = end.map { validator.time("end_time", $0) }
    guard startDate != .some(nil), endDate != .some(nil) else { return nil }
    self.init(validating: &validator, granularity: granularity, start: startDate ?? nil, end: endDate ?? nil)
  }
}

extension Google_Protobuf_Timestamp {
  /// The timestamp of `date` to the millisecond, clamped into `TimeRange`:
  /// unlike `init(date:)`, it cannot trap on a corrupt or extreme stored time.
  public init(clamping date: Date) {
    let milliseconds = TimeRange.milliseconds(date)
    self.init(seconds: milliseconds / 1000, nanos: Int32(milliseconds % 1000) * 1_000_000)
  }
}
