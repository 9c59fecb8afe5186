import GRPCCore
import GroundswellAPI

/// `grpc.health.v1.Health`, answered from a `HealthStatus`.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  let status: HealthStatus

  public init(status: HealthStatus) {
    self.status = status
  }

  public func check(
    request: Grpc_Health_V1_HealthCheckRequest,
    context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthCheckResponse {
    guard status.services.contains(request.service) else {
      throw RPCError(code: .notFound, message: "This server does not serve `\(request.service)`.")
    }
    return .with { $0.status = status.status }
  }

  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest,
    response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    guard status.services.contains(request.service) else {
      try await response.write(.with { $0.status = .serviceUnknown })
      // The service never becomes known to this process; hold the call open
      // as the protocol asks, until the client leaves or shutdown begins.
      for await _ in status.updates() {}
      return
    }
    for await update in status.updates() {
      try await response.write(.with { $0.status = update })
    }
  }
}
