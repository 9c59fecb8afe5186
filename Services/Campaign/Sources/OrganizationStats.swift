import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The figures an organization page shows, owned by other services.
public struct OrganizationFigures: Sendable, Equatable {
  /// Distinct supporters who currently opt in (supporter-service).
  public var supporterCount: Int64
  /// Petitions published and not removed (petition-service).
  public var petitionsStarted: Int64

  public init(supporterCount: Int64, petitionsStarted: Int64) {
    self.supporterCount = supporterCount
    self.petitionsStarted = petitionsStarted
  }
}

/// Reads organizations' figures; the other services answer in production.
public protocol OrganizationStats: Sendable {
  /// Figures for each organization, in the order given.
  func figures(for organizations: [String]) async throws -> [OrganizationFigures]
}

/// Asks supporter-service and petition-service at once, over mutual TLS,
/// within the caller's remaining time.
public struct RemoteOrganizationStats: OrganizationStats {
  let supporters: Groundswell_Supporter_V1_SupporterStatsService.Client<HTTP2ClientTransport.Posix>
  let petitions: Groundswell_Petition_V1_PetitionStatsService.Client<HTTP2ClientTransport.Posix>

  public init(supporters: GRPCClient<HTTP2ClientTransport.Posix>, petitions: GRPCClient<HTTP2ClientTransport.Posix>) {
    self.supporters = .init(wrapping: supporters)
    self.petitions = .init(wrapping: petitions)
  }

  public func figures(for organizations: [String]) async throws -> [OrganizationFigures] {
    guard !organizations.isEmpty else { return [] }
    let options = CallContext.current.callOptions()
    async let supporterCounts = callingBackend(ServiceName.supporter, consequence: "the organization's figures could not be read.") {
      try await supporters.batchGetSupporterCounts(.with { $0.organizations = organizations }, options: options).supporterCounts
    }
    async let started = callingBackend(ServiceName.petition, consequence: "the organization's figures could not be read.") {
      try await petitions.batchGetPetitionsStarted(.with { $0.organizations = organizations }, options: options).petitionsStarted
    }
    let (counts, petitionCounts) = try await (supporterCounts, started)
    return zip(counts, petitionCounts).map { OrganizationFigures(supporterCount: $0, petitionsStarted: $1) }
  }
}
