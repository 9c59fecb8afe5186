import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

// An organization's own identifiers for its supporters: attaching and
// detaching them (`FindSupporter` looks people up by them).
extension SupporterHandlers {
  public func attachIdentifiers(
    request: Groundswell_Supporter_V1_AttachIdentifiersRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_AttachIdentifiersResponse {
    let (id, identifiers) = try Self.identifierChange(request.supporter, request.organization, request.identifiers)
    let supporter: SupporterRecord?
    do {
      supporter = try await repository.attachIdentifiers(identifiers, supporterID: id, organization: request.organization, now: Date())
    } catch let refusal as IdentifierRefusal {
      throw refusal.domainError
    }
    guard let supporter else { throw DomainError.notFound("Supporter `\(request.supporter)` was not found.") }
    return .with { $0.supporter = supporter.proto }
  }

  public func detachIdentifiers(
    request: Groundswell_Supporter_V1_DetachIdentifiersRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_DetachIdentifiersResponse {
    let (id, identifiers) = try Self.identifierChange(request.supporter, request.organization, request.identifiers)
    guard let supporter = try await repository.detachIdentifiers(identifiers, supporterID: id, organization: request.organization)
    else { throw DomainError.notFound("Supporter `\(request.supporter)` was not found.") }
    return .with { $0.supporter = supporter.proto }
  }

  /// The checked supporter id and identifiers of an attach or detach, by the
  /// organization's own key.
  static func identifierChange(_ supporter: String, _ organization: String, _ values: [String]) throws -> (String, [String]) {
    var validator = Validator()
    let id = validator.name("supporter", supporter, collection: "supporters")
    validator.name("organization", organization, collection: "organizations")
    let identifiers = validator.identifiers(
      "identifiers", values, maximum: PartnerIdentifier.perSupporter, required: true)
    try validator.check()
    try CallContext.current.requireActing(for: organization, .manageIdentifiers)
    return (id!, identifiers)
  }
}
