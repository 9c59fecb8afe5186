import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// What campaign-service needs to know of a petition before adding it.
public struct PetitionSummary: Sendable {
  public var organization: String
  public var isDraft: Bool

  public init(organization: String, isDraft: Bool) {
    self.organization = organization
    self.isDraft = isDraft
  }

  /// Whether a campaign of `organization` may refer to it: another
  /// organization's draft counts as not found.
  func isVisible(to organization: String) -> Bool {
    !isDraft || self.organization == organization
  }
}

/// Looks petitions up; petition-service answers in production.
public protocol PetitionDirectory: Sendable {
  /// The petition, or nil when it does not exist.
  func petition(named name: String) async throws -> PetitionSummary?
}

/// Asks petition-service over mutual TLS, within the caller's remaining time.
public struct RemotePetitionDirectory: PetitionDirectory {
  let client: Groundswell_Petition_V1_PetitionService.Client<HTTP2ClientTransport.Posix>

  public init(client: GRPCClient<HTTP2ClientTransport.Posix>) {
    self.client = .init(wrapping: client)
  }

  public func petition(named name: String) async throws -> PetitionSummary? {
    return try await callingBackend(ServiceName.petition, consequence: "the campaign was not changed.") {
      do {
        let petition = try await client.getPetition(.with { $0.name = name }, options: CallContext.current.callOptions()).petition
        return PetitionSummary(organization: petition.organization, isDraft: petition.state == .draft)
      } catch let error as RPCError where error.code == .notFound {
        return nil
      }
    }
  }
}
