/// The wait between attempts of a stream that reconnects for as long as the
/// process runs: exponential (100 ms doubling up to 5 s) with ±20 % jitter,
/// starting over once a connection has lasted 30 s or has delivered
/// anything (`reset()`).
public struct ReconnectBackoff: Sendable {
  private var delay = Duration.milliseconds(100)

  public init() {}

  /// The next wait is the shortest again: the last attempt succeeded.
  public mutating func reset() {
    delay = .milliseconds(100)
  }

  /// The wait before the next attempt, `started` being when the last one
  /// began; each call doubles the following one.
  public mutating func next(afterAttemptStartedAt started: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> Duration {
    if started.duration(to: now) > .seconds(30) { delay = .milliseconds(100) }
    let wait = delay * Double.random(in: 0.8...1.2)
    delay = min(delay * 2, .seconds(5))
    return wait
  }

  /// Sleeps before the next attempt; `started` is when the last one began.
  public mutating func wait(afterAttemptStartedAt started: ContinuousClock.Instant) async {
    try? await Task.sleep(for: next(afterAttemptStartedAt: started))
  }
}
