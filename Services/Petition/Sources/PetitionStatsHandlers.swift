import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The handlers of the internal `PetitionStatsService`: figures
/// campaign-service shows with organizations.
public struct PetitionStatsHandlers: Groundswell_Petition_V1_PetitionStatsService.SimpleServiceProtocol {
  let repository: any PetitionRepository

  public init(repository: any PetitionRepository) {
    self.repository = repository
  }

  public func batchGetPetitionsStarted(
    request: Groundswell_Petition_V1_BatchGetPetitionsStartedRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_BatchGetPetitionsStartedResponse {
    _ = try PetitionHandlers.ids(request.organizations, field: "organizations", collection: "organizations")
    let started = try await repository.petitionsStarted(organizations: request.organizations)
    return .with { $0.petitionsStarted = request.organizations.map { started[$0] ?? 0 } }
  }
}
