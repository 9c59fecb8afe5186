import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import Logging
import ServiceLifecycle

/// Checks a required dependency's health every `interval` and holds this
/// service's health at NOT_SERVING from the start until the dependency
/// first answers, and after `failures` checks in a row without an answer
/// (one slow check on a busy machine is not an outage), logging each change.
/// While the dependency is unreachable it is checked sooner: after
/// `firstRetry`, doubling up to `interval`, so that a stack started all at
/// once is ready a moment after its last member, not up to `interval` later.
public struct DependencyProbe: Service {
  let name: String
  let client: GRPCClient<HTTP2ClientTransport.Posix>
  let health: HealthStatus
  let interval: Duration
  let failures: Int
  let firstRetry: Duration
  let logger: Logger

  public init(
    name: String, client: GRPCClient<HTTP2ClientTransport.Posix>, health: HealthStatus, interval: Duration = .seconds(2),
    failures: Int = 3, firstRetry: Duration = .milliseconds(100), logger: Logger
  ) {
    self.failures = failures
    self.firstRetry = min(firstRetry, interval)
    self.name = name
    self.client = client
    self.health = health
    self.interval = interval
    self.logger = logger
    // Not ready before the first check has found the dependency.
    health.hold("\(name) unreachable")
  }

  var reason: String { "\(name) unreachable" }

  public func run() async throws {
    let checker = Grpc_Health_V1_Health.Client(wrapping: client)
    await cancelWhenGracefulShutdown {
      var reachable: Bool?
      var missed = 0
      var retry = firstRetry
      while !Task.isCancelled {
        var options = CallOptions.defaults
        options.timeout = .seconds(1)
        var failure = ""
        do {
          let answer = try await checker.check(.with { $0.service = HealthStatus.liveness }, options: options)
          if answer.status != .serving { failure = "it reports \(answer.status)" }
        } catch {
          failure = rootCause(of: error)
        }
        missed = failure.isEmpty ? 0 : missed + 1
        // Unreachable until the first answer; then only after `failures` misses.
        let now = failure.isEmpty || (reachable == true && missed < failures)
        if now != reachable {
          if now {
            health.release(reason)
            if reachable != nil { logger.info("dependency reachable again", metadata: ["dependency": "\(name)"]) }
          } else {
            health.hold(reason)
            logger.warning("dependency unreachable: health NOT_SERVING", metadata: ["dependency": "\(name)", "reason": "\(failure)"])
          }
          reachable = now
        }
        if reachable == true {
          retry = firstRetry
          try? await Task.sleep(for: interval)
        } else {
          try? await Task.sleep(for: retry)
          retry = min(retry * 2, interval)
        }
      }
    }
  }
}
