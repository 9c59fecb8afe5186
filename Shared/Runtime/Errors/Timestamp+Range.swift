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

extension Google_Protobuf_Timestamp {
  /// The timestamp of `date` to the millisecond, clamped into `TimeRange`:
  /// unlike `init(date:)`, it cannot trap on a corrupt or extreme stored time.
  public init(clamping date: Date) {
    let milliseconds = TimeRange.milliseconds(date)
    self.init(seconds: milliseconds / 1000, nanos: Int32(milliseconds % 1000) * 1_000_000)
  }
}
