import Foundation

/// The bucket sizes of signature history, and how long each is kept.
public enum HistoryBucketSize: String, Sendable, CaseIterable {
  case minute, hour, day

  public var seconds: Int64 {
    switch self {
    case .minute: 60
    case .hour: 3_600
    case .day: 86_400
    }
  }

  /// How long buckets are kept; nil is forever.
  public var retention: Duration? {
    switch self {
    case .minute: .seconds(86_400)
    case .hour: .seconds(92 * 86_400)
    case .day: nil
    }
  }

  /// The start of the bucket holding `seconds` (since the epoch).
  public func start(of seconds: Int64) -> Int64 {
    seconds - ((seconds % self.seconds) + self.seconds) % self.seconds
  }
}

/// A validated range of signature history: the bucket size and the bucket
/// starts (seconds since the epoch) in `[start, end)`.
public struct HistoryRange: Sendable, Equatable {
  /// The most buckets one answer holds.
  public static let maximumBuckets = 5_000

  public let size: HistoryBucketSize
  /// The start of the first bucket, at or after the requested start.
  public let firstBucket: Int64
  /// Buckets start before this.
  public let endSeconds: Int64

  /// Checks a request's granularity (1 minute, 2 hour, 3 day) and times;
  /// an unset start means a day, 7 days or 90 days before the end, an unset
  /// end means now. Nil when the validator gained a violation.
  public init?(validating validator: inout Validator, granularity: Int, start: Date?, end: Date?, now: Date = Date()) {
    let sizes: [Int: HistoryBucketSize] = [1: .minute, 2: .hour, 3: .day]
    guard let size = sizes[granularity] else {
      validator.add("granularity", "granularity must be MINUTE, HOUR or DAY.")
      return nil
    }
    // Clamped into `TimeRange` (callers have refused times outside it), so
    // the arithmetic below cannot overflow.
    let endSeconds = Self.seconds(TimeRange.clamped(end ?? now))
    let defaultSpan: Int64 = switch size {
    case .minute: 86_400
    case .hour: 7 * 86_400
    case .day: 90 * 86_400
    }
    let startSeconds = start.map { Self.seconds(TimeRange.clamped($0)) } ?? max(0, endSeconds - defaultSpan)
    guard startSeconds < endSeconds else {
      validator.add("start_time", "start_time must be before end_time.")
      return nil
    }
    let aligned = size.start(of: startSeconds)
    let firstBucket = aligned < startSeconds ? aligned + size.seconds : aligned
    guard (endSeconds - firstBucket + size.seconds - 1) / size.seconds <= Int64(Self.maximumBuckets) else {
      validator.add(
        "start_time", "The range holds more than \(Self.maximumBuckets) \(size.rawValue)s; ask for a shorter range or larger buckets.")
      return nil
    }
    self.size = size
    self.firstBucket = firstBucket
    self.endSeconds = endSeconds
  }

  /// Whole seconds, rounded up, of a time inside `TimeRange`.
  static func seconds(_ date: Date) -> Int64 {
    Int64(date.timeIntervalSince1970.rounded(.up))
  }

  /// Every bucket start in the range, oldest first.
  public var bucketStarts: [Int64] {
    Array(stride(from: firstBucket, to: endSeconds, by: Int(size.seconds)))
  }
}
