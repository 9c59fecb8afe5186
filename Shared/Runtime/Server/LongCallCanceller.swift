import GRPCCore
import Synchronization

/// Ends calls that would otherwise outlive their purpose, such as forwarded
/// server streams: at once when the RPC is cancelled (its client reset the
/// stream, closed the connection or passed its deadline), and once shutdown
/// begins, after a grace period. Short calls finish normally.
public final class LongCallCanceller: Sendable {
  private struct State {
    var next = 0
    var running: [Int: @Sendable () -> Void] = [:]
    var graceOver = false
  }

  private let state = Mutex(State())
  private let grace: Duration

  public init(grace: Duration = .seconds(5)) {
    self.grace = grace
  }

  /// Runs `body` in a task that shutdown cancels once the grace period is
  /// over (at once, if it is over already).
  public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await body() }
    let id = state.withLock { state -> Int? in
      guard !state.graceOver else { return nil }
      let id = state.next
      state.next += 1
      state.running[id] = { task.cancel() }
      return id
    }
    if id == nil { task.cancel() }
    defer { if let id { _ = state.withLock { $0.running.removeValue(forKey: id) } } }
    // gRPC reports a client that went away through the RPC's cancellation
    // handle, not by cancelling the handler's task.
    return try await withRPCCancellationHandler {
      try await withTaskCancellationHandler {
        try await task.value
      } onCancel: {
        task.cancel()
      }
    } onCancelRPC: {
      task.cancel()
    }
  }

  /// Starts the grace period; afterwards every call still running is cancelled.
  public func beginShutdown() {
    Task { [grace] in
      try? await Task.sleep(for: grace)
      let cancels = state.withLock { state in
        state.graceOver = true
        return Array(state.running.values)
      }
      for cancel in cancels { cancel() }
    }
  }
}
