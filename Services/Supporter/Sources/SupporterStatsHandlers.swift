import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The handlers of the internal `SupporterStatsService`: figures
/// campaign-service shows with organizations.
public struct SupporterStatsHandlers: Groundswell_Supporter_V1_SupporterStatsService.SimpleServiceProtocol {
  let repository: any SupporterRepository

  public init(repository: any SupporterRepository) {
    self.repository = repository
  }

  public func batchGetSupporterCounts(
    request: Groundswell_Supporter_V1_BatchGetSupporterCountsRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_BatchGetSupporterCountsResponse {
    var validator = Validator()
    validator.names("organizations", request.organizations, collection: "organizations")
    try validator.check()
    let counts = try await repository.optedInCounts(organizations: request.organizations)
    return .with { $0.supporterCounts = request.organizations.map { counts[$0] ?? 0 } }
  }
}
