import GRPCCore
import Synchronization

/// Counts the calls a server is running and, once shutdown begins, refuses
/// new ones with UNAVAILABLE (they have not started, so a retry is safe)
/// while those already running finish. `ServerHost` closes the transport
/// only after that, or after the grace period: grpc-swift's transport
/// cancels every running call's RPC-cancellation handle and its clients may
/// drop streams once it sends GOAWAY, so calls must be finished first.
public final class DrainGate: ServerInterceptor, Sendable {
  private struct State {
    var running = 0
    var closed = false
  }

  private let state = Mutex(State())

  public init() {}

  /// Calls running now (streams until their last message).
  public var running: Int { state.withLock { $0.running } }

  /// From now on, new calls are refused.
  public func close() {
    state.withLock { $0.closed = true }
  }

  /// Waits until no call runs or `limit` has passed; returns how many still
  /// run.
  public func drained(within limit: Duration) async -> Int {
    let deadline = ContinuousClock.now + limit
    while true {
      let running = self.running
      if running == 0 || ContinuousClock.now >= deadline { return running }
      try? await Task.sleep(for: .milliseconds(20))
    }
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let admitted = state.withLock { state -> Bool in
      guard !state.closed else { return false }
      state.running += 1
      return true
    }
    guard admitted else {
      throw RPCError(code: .unavailable, message: "The service is shutting down and did not start this call; retry it.")
    }
    return try await observingEnd({ try await next(request, context) }) { _ in
      self.state.withLock { $0.running -= 1 }
    }
  }
}
