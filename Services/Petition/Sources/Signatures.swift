import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// Reading signatures: the public list, one supporter's record, and counts by
/// region.
extension PetitionHandlers {
  public func listSignatures(
    request: Groundswell_Petition_V1_ListSignaturesRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ListSignaturesResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "petitions")
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: request.parent, into: &validator)
    try validator.check()
    let petition = try await readablePetition(named: request.parent, field: "parent")
    let (signatures, hasMore) = try await repository.signatures(petitionID: petition.id, before: page.after, limit: page.size)
    let call = CallContext.current
    let seesAll = call.seesSupporters(of: petition)
    return .with {
      // Supporters are shown to the petition's organization, and to the
      // organization that collected each signature.
      $0.signatures = signatures.map { $0.proto(withSupporter: seesAll || $0.collectedBy == call.organization) }
      $0.nextPageToken = PageToken.next(lastPosition: signatures.last?.sequence, hasMore: hasMore, query: request.parent)
    }
  }

  public func listSupporterSignatures(
    request: Groundswell_Petition_V1_ListSupporterSignaturesRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ListSupporterSignaturesResponse {
    var validator = Validator()
    validator.name("supporter", request.supporter, collection: "supporters")
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: request.supporter, into: &validator)
    try validator.check()
    let call = CallContext.current
    // A partner sees only what the supporter signed on its own petitions.
    let scope = call.isTrusted ? nil : (call.organization ?? "")
    let (signatures, hasMore) = try await repository.signatures(
      supporter: request.supporter, organization: scope, before: page.after, limit: page.size)
    return .with {
      $0.signatures = signatures.map { $0.proto(withSupporter: true) }
      $0.nextPageToken = PageToken.next(lastPosition: signatures.last?.sequence, hasMore: hasMore, query: request.supporter)
    }
  }

  public func getRegionCounts(
    request: Groundswell_Petition_V1_GetRegionCountsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_GetRegionCountsResponse {
    let petition = try await readablePetition(named: request.petition, field: "petition")
    let regions = try await repository.regionCounts(petitionID: petition.id)
    return .with {
      $0.regions = regions.map { region, count in
        .with {
          $0.country = region.country
          $0.subdivision = region.subdivision
          $0.signatureCount = count
        }
      }
    }
  }

  /// A visible petition whose signatures may be read: not a removed one.
  private func readablePetition(named name: String, field: String) async throws -> PetitionRecord {
    let petition = try await visiblePetition(named: name, field: field)
    guard petition.state != .removed else {
      throw DomainError.failedPrecondition("Petition `\(name)` was removed; its signatures are no longer served.")
    }
    return petition
  }
}
