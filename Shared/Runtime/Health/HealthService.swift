import GRPCCore
import GroundswellAPI
import GroundswellModel

/// `grpc.health.v1.Health`, answered from a `HealthStatus`. It needs no key,
/// so its watches are capped per connection and per process and end as soon
/// as their client goes away.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  /// The most health watches one connection may hold open.
  public static let watchesPerConnection = 8
  /// The most health watches the process holds open.
  public static let watchesInAll = 1_000

  let status: HealthStatus
  let limiter: StreamLimiter

  public init(status: HealthStatus, limiter: StreamLimiter = StreamLimiter()) {
    self.status = status
    self.limiter = limiter
  }

  public func check(
    request: Grpc_Health_V1_HealthCheckRequest,
    context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthCheckResponse {
    guard status.services.contains(request.service) else {
      throw RPCError(code: .notFound, message: "This server does not serve `\(Echo.prefix(request.service))`.")
    }
    return .with { $0.status = status.status(of: request.service) }
  }

  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest,
    response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    let limits = [
      StreamLimiter.Limit(scope: "health watches on this connection", key: context.remotePeer, maximum: Self.watchesPerConnection),
      StreamLimiter.Limit(scope: "health watches on this server", key: "", maximum: Self.watchesInAll),
    ]
    try await limiter.run(limits) {
      let known = status.services.contains(request.service)
      let watch = status.watch()
      try await withRPCCancellationHandler {
        // An unknown service never becomes known to this process: say so
        // once and hold the call open, as the protocol asks, until the
        // client leaves or shutdown begins.
        if !known { try await response.write(.with { $0.status = .serviceUnknown }) }
        var last: HealthStatus.Status?
        for await _ in watch.updates where known {
          let current = status.status(of: request.service)
          if current != last { try await response.write(.with { $0.status = current }) }
          last = current
        }
      } onCancelRPC: {
        watch.end()
      }
    }
  }
}
