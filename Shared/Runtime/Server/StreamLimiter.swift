import GRPCCore
import Synchronization

/// Counts long-lived streams (watches, forwarded server streams) against
/// limits — the whole process, one connection, one API key — and refuses a
/// stream that would exceed one with RESOURCE_EXHAUSTED, so that no single
/// client can hold every stream a server or a backend connection has.
public final class StreamLimiter: Sendable {
  /// One limit a stream counts against: `scope` names it for the error
  /// message ("this connection"), `key` tells its holders apart.
  public struct Limit: Sendable {
    public var scope: String
    public var key: String
    public var maximum: Int

    public init(scope: String, key: String, maximum: Int) {
      self.scope = scope
      self.key = key
      self.maximum = maximum
    }
  }

  private let open = Mutex<[String: Int]>([:])

  public init() {}

  /// How many streams hold `key` of `scope` now.
  public func count(scope: String, key: String) -> Int {
    open.withLock { $0["\(scope)\u{0}\(key)"] ?? 0 }
  }

  /// Takes one stream of every limit, or throws RESOURCE_EXHAUSTED naming
  /// the first limit that is full. The stream is given back by
  /// `Permit.release()` or when the permit is dropped.
  public func acquire(_ limits: [Limit]) throws -> Permit {
    let keys = limits.map { "\($0.scope)\u{0}\($0.key)" }
    let full = open.withLock { open -> Limit? in
      for (limit, key) in zip(limits, keys) where open[key, default: 0] >= limit.maximum { return limit }
      for key in keys { open[key, default: 0] += 1 }
      return nil
    }
    if let full {
      throw RPCError(
        code: .resourceExhausted,
        message: "Too many open streams for \(full.scope) (at most \(full.maximum)); close some before opening more.")
    }
    return Permit(limiter: self, keys: keys)
  }

  /// Runs `body` while holding one stream of every limit.
  public func run<T>(_ limits: [Limit], _ body: () async throws -> T) async throws -> T {
    let permit = try acquire(limits)
    defer { permit.release() }
    return try await body()
  }

  fileprivate func give(back keys: [String]) {
    open.withLock { open in
      for key in keys {
        let left = open[key, default: 1] - 1
        open[key] = left > 0 ? left : nil
      }
    }
  }

  /// One held stream; released once, explicitly or when dropped.
  public final class Permit: Sendable {
    private let limiter: StreamLimiter
    private let keys: Mutex<[String]?>

    fileprivate init(limiter: StreamLimiter, keys: [String]) {
      self.limiter = limiter
      self.keys = Mutex(keys)
    }

    public func release() {
      if let keys = keys.withLock({ keys in defer { keys = nil }; return keys }) { limiter.give(back: keys) }
    }

    deinit { release() }
  }
}
