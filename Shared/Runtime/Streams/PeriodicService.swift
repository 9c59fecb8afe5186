import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown begins.
public struct PeriodicService: Service {
  let interval: Duration
  let work: @Sendable () async -> Void
  let immediately: Bool

  /// With `immediately`, the first run is at start rather than after one
  /// interval.
  public init(every interval: Duration, immediately: Bool = false, _ work: @escaping @Sendable () async -> Void) {
    self.interval = interval
    self.immediately = immediately
    self.work = work
  }

  public func run() async throws {
    await cancelWhenGracefulShutdown {
      if immediately { await work() }
      while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        if Task.isCancelled { break }
        await work()
      }
    }
  }
}
