import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The handlers of the public `SupporterService`.
public struct SupporterHandlers: Sendable {
  let repository: any SupporterRepository
}

/// The handlers of the internal `SupporterResolverService`.
public struct SupporterResolverHandlers: Sendable {
  let repository: any SupporterRepository
}

extension SupporterHandlers: Groundswell_Supporter_V1_SupporterService.SimpleServiceProtocol {
  public func getSupporter(
    request: Groundswell_Supporter_V1_GetSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_GetSupporterResponse {
    var validator = Validator()
    let id = validator.name("name", request.name, collection: "supporters")
    try validator.check()
    // Through the gateway a partner sees only the supporters its petitions know.
    let call = CallContext.current
    let scope = call.isTrusted ? nil : (call.organization ?? "")
    guard let id, let supporter = try await repository.supporter(id: id, knownTo: scope) else {
      throw DomainError.notFound("Supporter `\(request.name)` was not found.")
    }
    return .with { $0.supporter = supporter.proto }
  }
}

extension SupporterResolverHandlers: Groundswell_Supporter_V1_SupporterResolverService.SimpleServiceProtocol {
  public func resolveSupporter(
    request: Groundswell_Supporter_V1_ResolveSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_ResolveSupporterResponse {
    var validator = Validator()
    let email = Email.canonical(request.email)
    if email == nil { validator.add("email", "email must be an address like name@example.org.") }
    validator.text("given_name", request.givenName, minimum: 1, maximum: Limits.personName)
    validator.text("family_name", request.familyName, maximum: Limits.personName)
    validator.name("organization", request.organization, collection: "organizations")
    try validator.check()
    let (supporter, created) = try await repository.resolve(
      canonicalEmail: email!, givenName: request.givenName.trimmingWhitespace(),
      familyName: request.familyName.trimmingWhitespace(), organization: request.organization, now: Date())
    return .with {
      $0.supporter = supporter.proto
      $0.created = created
    }
  }
}

extension SupporterRecord {
  var proto: Groundswell_Supporter_V1_Supporter {
    .with {
      $0.name = "supporters/\(id)"
      $0.email = email
      $0.givenName = givenName
      $0.familyName = familyName
      $0.createTime = Google_Protobuf_Timestamp(date: createTime)
    }
  }
}
