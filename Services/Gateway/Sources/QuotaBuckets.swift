import Synchronization
import GroundswellModel

/// The gateway's default quota for keys without their own.
public struct QuotaDefaults: Sendable, Equatable {
  public var callsPerSecond: Double = 50
  public var burst: Int = 100
  public init(callsPerSecond: Double = 50, burst: Int = 100) {
    self.callsPerSecond = callsPerSecond
    self.burst = burst
  }
}

/// One token bucket per API key, counted in this gateway process: a key
/// may make `burst` calls at once and `callsPerSecond` on average. Time comes
/// from an injected clock, so the rule is tested without sleeping.
public final class QuotaBuckets: Sendable {
  struct Bucket {
    var tokens: Double
    var updated: Duration
  }

  let defaults: QuotaDefaults
  let now: @Sendable () -> Duration
  private let buckets = Mutex<[String: Bucket]>([:])
  /// Buckets idle this long are full again and are dropped, so the table
  /// stays as small as the set of active keys.
  static let idleAfter = Duration.seconds(600)

  /// - Parameter now: the time since any fixed point, increasing.
  public init(defaults: QuotaDefaults, now: @escaping @Sendable () -> Duration = QuotaBuckets.monotonic) {
    self.defaults = defaults
    self.now = now
  }

  public static let monotonic: @Sendable () -> Duration = {
    let start = ContinuousClock.now
    return { ContinuousClock.now - start }
  }()

  /// Takes one call from the key's bucket: nil when it may go ahead,
  /// otherwise how long until it may.
  public func take(key: String, quota: KeyQuota) -> Duration? {
    if quota.unlimited { return nil }
    let rate = quota.callsPerSecond ?? defaults.callsPerSecond
    let burst = Double(quota.burst ?? defaults.burst)
    let now = now()
    return buckets.withLock { buckets in
      if buckets.count > 100_000 { buckets = buckets.filter { now - $0.value.updated < Self.idleAfter } }
      var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
      bucket.tokens = min(burst, bucket.tokens + max(0, (now - bucket.updated).seconds) * rate)
      bucket.updated = now
      defer { buckets[key] = bucket }
      if bucket.tokens >= 1 {
        bucket.tokens -= 1
        return nil
      }
      let wait = (1 - bucket.tokens) / rate
      return .milliseconds(Int64((wait * 1000).rounded(.up)))
    }
  }
}
