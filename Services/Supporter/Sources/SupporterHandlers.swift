import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of the public `SupporterService`.
public struct SupporterHandlers: Sendable {
  let repository: any SupporterRepository
  /// The signatures of the people exported and erased.
  let keeper: any SignatureKeeper
  let erasures: Erasures

  public init(repository: any SupporterRepository, keeper: any SignatureKeeper, erasures: Erasures) {
    self.repository = repository
    self.keeper = keeper
    self.erasures = erasures
  }
}

extension SupporterHandlers: Groundswell_Supporter_V1_SupporterService.SimpleServiceProtocol {
  public func getSupporter(
    request: Groundswell_Supporter_V1_GetSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_GetSupporterResponse {
    var validator = Validator()
    let id = validator.name("name", request.name, collection: "supporters")
    try validator.check()
    // Through the gateway a partner sees only the supporters its petitions
    // know, with its own consent only.
    let call = CallContext.current
    let scope = call.isTrusted ? nil : (call.organization ?? "")
    guard let id, let supporter = try await repository.supporter(id: id, knownTo: scope) else {
      throw DomainError.notFound("Supporter `\(request.name)` was not found.")
    }
    return .with { $0.supporter = supporter.proto }
  }

  public func listSupporters(
    request: Groundswell_Supporter_V1_ListSupportersRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_ListSupportersResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "organizations")
    let query = "\(request.parent)|\(request.optedInOnly)"
    let page = PageRequest.parse(size: request.pageSize, token: request.pageToken, query: query, into: &validator)
    try validator.check()
    try CallContext.current.requireActing(for: request.parent, .listSupporters)
    let (supporters, hasMore) = try await repository.supporters(
      of: request.parent, optedInOnly: request.optedInOnly, after: page.after, limit: page.size)
    return .with {
      $0.supporters = supporters.map(\.proto)
      $0.nextPageToken = PageToken.next(lastPosition: supporters.last?.sequence, hasMore: hasMore, query: query)
    }
  }

  public func recordConsent(
    request: Groundswell_Supporter_V1_RecordConsentRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_RecordConsentResponse {
    var validator = Validator()
    let id = validator.name("supporter", request.supporter, collection: "supporters")
    validator.name("organization", request.organization, collection: "organizations")
    validator.text("source", request.source, maximum: Limits.source)
    try validator.check()
    try CallContext.current.requireActing(for: request.organization, .recordConsent)
    guard let id,
      let consent = try await repository.recordConsent(
        supporterID: id, organization: request.organization, optedIn: request.optedIn,
        source: request.source.trimmingWhitespace(), now: Date())
    else {
      throw DomainError.notFound("Supporter `\(request.supporter)` was not found.")
    }
    return .with { $0.consent = consent.proto }
  }
}

extension SupporterRecord {
  var proto: Groundswell_Supporter_V1_Supporter {
    .with {
      $0.name = "supporters/\(id)"
      $0.email = email
      $0.givenName = givenName
      $0.familyName = familyName
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
      $0.postalCode = postalCode
      $0.country = country
      $0.region = region
      $0.consents = consents.map(\.proto)
      $0.identifiers = identifiers
    }
  }
}

extension ConsentRecord {
  var proto: Groundswell_Supporter_V1_Consent {
    .with {
      $0.organization = organization
      $0.state = optedIn ? .optedIn : .optedOut
      if let optInTime { $0.optInTime = Google_Protobuf_Timestamp(clamping: optInTime) }
      $0.optInSource = optInSource
      if let optOutTime { $0.optOutTime = Google_Protobuf_Timestamp(clamping: optOutTime) }
      $0.optOutSource = optOutSource
    }
  }
}
