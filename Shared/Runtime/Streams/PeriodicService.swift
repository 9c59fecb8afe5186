import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown begins.
public struct PeriodicService: Service {
  let interval: Duration
  let work: @Sendable () async -> Void

  public init(every interval: Duration, _ work: @escaping @Sendable () async -> Void) {
    self.interval = interval
    self.work = work
  }

  public func run() async throws {
    await cancelWhenGracefulShutdown {
      while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        if Task.isCancelled { break }
        await work()
      }
    }
  }
}
