import GroundswellRuntime
import ServiceLifecycle

/// Holds the gateway's health at NOT_SERVING until the live view has loaded
/// both feeds once: before that it could not answer totals.
struct ViewLoading: Service {
  static let reason = "live view loading"
  let view: LiveView
  let health: HealthStatus

  init(view: LiveView, health: HealthStatus) {
    self.view = view
    self.health = health
    health.hold(Self.reason)
  }

  func run() async throws {
    await cancelWhenGracefulShutdown {
      while !view.isLoaded {
        guard (try? await Task.sleep(for: .milliseconds(50))) != nil else { return }
      }
      health.release(Self.reason)
      // A service that returns would end the whole group: stay until shutdown.
      try? await Task.sleep(for: .seconds(365 * 86_400))
    }
  }
}
