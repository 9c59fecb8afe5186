import GroundswellAPI
import Synchronization

/// The serving status a process reports through `grpc.health.v1.Health`.
/// It is SERVING while the process runs and flips to NOT_SERVING when
/// graceful shutdown begins, so load balancers stop sending new calls while
/// in-flight ones finish.
public final class HealthStatus: Sendable {
  public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

  private struct State {
    var status: Status = .serving
    var shuttingDown = false
    var watchers: [Int: AsyncStream<Status>.Continuation] = [:]
    var nextWatcher = 0
  }

  private let state = Mutex(State())
  /// The service names this process answers for; "" is the whole server.
  public let services: Set<String>

  public init(services: [String]) {
    self.services = Set(services + [""])
  }

  public var status: Status { state.withLock { $0.status } }

  /// Sets the status and tells every watcher.
  public func set(_ status: Status) {
    state.withLock { state in
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
