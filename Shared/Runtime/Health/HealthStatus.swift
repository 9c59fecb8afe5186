import GroundswellAPI
import Synchronization

/// The serving status a process reports through `grpc.health.v1.Health`.
/// It is SERVING only while nothing holds it back: not before the service
/// is ready (the gateway's live view loading), not while a required
/// dependency is unreachable, and never again once graceful shutdown
/// begins, so load balancers stop sending new calls while in-flight ones
/// finish.
///
/// The service name `groundswell.liveness` answers SERVING for as long as
/// the process runs and is not shutting down, whatever its dependencies:
/// the liveness probe's, so that a dependency's outage never restarts its
/// callers.
public final class HealthStatus: Sendable {
  public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

  /// The health service name that reports only that the process runs.
  public static let liveness = "groundswell.liveness"

  private struct State {
    var status: Status = .serving
    var holds: Set<String> = []
    var shuttingDown = false
    var watchers: [Int: AsyncStream<Status>.Continuation] = [:]
    var nextWatcher = 0
  }

  private let state = Mutex(State())
  /// The service names this process answers for; "" is the whole server.
  public let services: Set<String>

  public init(services: [String]) {
    self.services = Set(services + ["", Self.liveness])
  }

  public var status: Status { state.withLock { $0.status } }

  /// The status of one of `services`.
  public func status(of service: String) -> Status {
    state.withLock { state in
      service == Self.liveness ? (state.shuttingDown ? .notServing : .serving) : state.status
    }
  }

  /// What holds the status at NOT_SERVING now, for logs and tests.
  public var holds: Set<String> { state.withLock { $0.holds } }

  /// Holds the status at NOT_SERVING for `reason` until `release(reason)`.
  public func hold(_ reason: String) {
    update { $0.holds.insert(reason) }
  }

  public func release(_ reason: String) {
    update { $0.holds.remove(reason) }
  }

  private func update(_ change: (inout State) -> Void) {
    state.withLock { state in
      change(&state)
      let status: Status = state.shuttingDown || !state.holds.isEmpty ? .notServing : .serving
      guard status != state.status else { return }
      state.status = status
      for watcher in state.watchers.values { watcher.yield(status) }
    }
  }

  /// Shutdown has begun: report NOT_SERVING to every watcher, then end their
  /// streams so that the server's graceful shutdown is not held open by them.
  public func beginShutdown() {
    // Finish outside the lock: finishing runs `onTermination`, which locks.
    let watchers = state.withLock { state in
      state.status = .notServing
      state.shuttingDown = true
      defer { state.watchers = [:] }
      return Array(state.watchers.values)
    }
    for watcher in watchers {
      watcher.yield(.notServing)
      watcher.finish()
    }
  }

  /// One watcher's statuses: the current one, then each change, until
  /// shutdown or `end()`.
  public struct Watch: Sendable {
    public let updates: AsyncStream<Status>
    let continuation: AsyncStream<Status>.Continuation

    /// Ends `updates` (the client went away); the watcher is forgotten.
    public func end() { continuation.finish() }
  }

  /// A new watcher of the status.
  public func watch() -> Watch {
    let (stream, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(4))
    let shuttingDown = state.withLock { state in
      continuation.yield(state.status)
      if state.shuttingDown { return true }
      let id = state.nextWatcher
      state.nextWatcher += 1
      state.watchers[id] = continuation
      continuation.onTermination = { [weak self] _ in
        self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
      }
      return false
    }
    if shuttingDown { continuation.finish() }
    return Watch(updates: stream, continuation: continuation)
  }

  /// How many watchers are listening, for tests.
  public var watcherCount: Int { state.withLock { $0.watchers.count } }
}
