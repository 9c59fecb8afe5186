import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging

/// The handlers of the internal `PetitionPrivacyService`: a supporter's
/// signatures for an export, and their anonymising for an erasure.
public struct PetitionPrivacyHandlers: Sendable {
  let repository: any PetitionRepository
  let changes: PetitionChanges
  let logger: Logger

  public init(repository: any PetitionRepository, changes: PetitionChanges, logger: Logger) {
    self.repository = repository
    self.changes = changes
    self.logger = logger
  }

  /// The supporter and the optional organization of a request, checked.
  static func scope(supporter: String, organization: String) throws -> (supporter: String, organization: String?) {
    var validator = Validator()
    validator.name("supporter", supporter, collection: "supporters")
    if !organization.isEmpty { validator.name("organization", organization, collection: "organizations") }
    try validator.check()
    return (supporter, organization.isEmpty ? nil : organization)
  }
}

extension PetitionPrivacyHandlers: Groundswell_Petition_V1_PetitionPrivacyService.SimpleServiceProtocol {
  public func listSignaturesOfSupporter(
    request: Groundswell_Petition_V1_ListSignaturesOfSupporterRequest,
    response: RPCWriter<Groundswell_Petition_V1_ListSignaturesOfSupporterResponse>,
    context: ServerContext
  ) async throws {
    let (supporter, organization) = try Self.scope(supporter: request.supporter, organization: request.organization)
    var before: Int64 = 0
    while true {
      try Task.checkCancellation()
      let (page, hasMore) = try await repository.signaturesOfSupporter(
        supporter, organization: organization, before: before, limit: 100)
      try await response.write(.with {
        $0.signatures = page.map { item in
          .with {
            $0.signature = item.signature.proto(withSupporter: true)
            $0.petitionTitle = item.petitionTitle
            $0.petitionOrganization = item.petitionOrganization
          }
        }
      })
      guard hasMore, let last = page.last else { return }
      before = last.signature.sequence
    }
  }

  public func anonymizeSupporter(
    request: Groundswell_Petition_V1_AnonymizeSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_AnonymizeSupporterResponse {
    let (supporter, organization) = try Self.scope(supporter: request.supporter, organization: request.organization)
    let petitions = try await repository.anonymize(supporter: supporter, organization: organization, now: Date())
    for petition in petitions { changes.publish(petition.change) }
    // What was overwritten is zeroed in the file; empty the WAL too.
    if !petitions.isEmpty { await emptyingWAL(repository.checkpoint, logger: logger) }
    return .with { $0.signaturesAnonymized = Int64(petitions.reduce(0) { $0 + $1.anonymizedCount }) }
  }
}
