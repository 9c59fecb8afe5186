import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

// A person's rights: finding them by email, exporting and erasing what an
// organization (or, for an operator, the deployment) holds about them.
extension SupporterHandlers {
  public func findSupporter(
    request: Groundswell_Supporter_V1_FindSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_FindSupporterResponse {
    var validator = Validator()
    validator.name("parent", request.parent, collection: "organizations")
    let email = request.identifier.isEmpty ? Email.canonical(request.email) : nil
    if request.email.isEmpty == request.identifier.isEmpty {
      validator.add("email", "give exactly one of email and identifier.")
    } else if !request.identifier.isEmpty {
      if let problem = PartnerIdentifier.problem(request.identifier) { validator.add("identifier", "identifier \(problem)") }
    } else {
      validator.text("email", request.email, minimum: 1, maximum: Limits.email)
      if email == nil && request.email.count <= Limits.email {
        validator.add("email", "email must be an address like name@example.org.")
      }
    }
    try validator.check()
    try CallContext.current.requireActing(for: request.parent, .readSupporters)
    if !request.identifier.isEmpty {
      guard let supporter = try await repository.supporter(identifier: request.identifier, knownTo: request.parent) else {
        throw DomainError.notFound("`\(request.parent)` has no supporter with that identifier.")
      }
      return .with { $0.supporter = supporter.proto }
    }
    guard let email, let supporter = try await repository.supporter(email: email, knownTo: request.parent)
    else {
      throw DomainError.notFound("`\(request.parent)` has no supporter with that email address.")
    }
    return .with { $0.supporter = supporter.proto }
  }

  public func exportSupporter(
    request: Groundswell_Supporter_V1_ExportSupporterRequest,
    response: RPCWriter<Groundswell_Supporter_V1_ExportSupporterResponse>,
    context: ServerContext
  ) async throws {
    let (id, organization) = try Self.personScope(name: request.name, organization: request.organization, .readSupporters)
    let records = try await repository.records(of: id, organization: organization)
    guard !records.isEmpty else { throw DomainError.notFound("Supporter `\(request.name)` was not found.") }
    @Sendable func write(_ value: some Encodable) async throws {
      try await response.write(.with { $0.json = try SupporterExport.json(value) })
    }
    let consents = records.flatMap(\.supporter.consents)
    for record in records { try await write(SupporterExport.Person(record)) }
    for consent in consents { try await write(SupporterExport.Consent(consent)) }
    let signatures = try await keeper.signatures(of: "supporters/\(id)", organization: organization) { page in
      for item in page { try await write(SupporterExport.Signature(item)) }
    }
    try await write(SupporterExport.End(objects: records.count + consents.count + signatures, signatures: signatures))
  }

  public func eraseSupporter(
    request: Groundswell_Supporter_V1_EraseSupporterRequest, context: ServerContext
  ) async throws -> Groundswell_Supporter_V1_EraseSupporterResponse {
    let (id, organization) = try Self.personScope(name: request.name, organization: request.organization, .eraseSupporters)
    guard let erasure = try await repository.beginErasure(of: id, organization: organization, now: Date()) else {
      throw DomainError.notFound("Supporter `\(request.name)` was not found.")
    }
    let result = erasure.complete ? erasure : await erasures.finish(erasure)
    return .with { $0.erasure = result.proto }
  }

  /// The supporter's id and the organization a rights request covers: the
  /// caller's own, or — for an operator leaving it empty — every one.
  static func personScope(
    name: String, organization: String, _ action: OwnerAction
  ) throws -> (id: String, organization: String?) {
    var validator = Validator()
    let id = validator.name("name", name, collection: "supporters")
    let call = CallContext.current
    if organization.isEmpty {
      if !call.isTrusted {
        validator.add("organization", "organization is required, as `organizations/{id}`; only an operator may act for every organization.")
      }
    } else {
      validator.name("organization", organization, collection: "organizations")
    }
    try validator.check()
    if !organization.isEmpty { try call.requireActing(for: organization, action) }
    return (id!, organization.isEmpty ? nil : organization)
  }
}

extension ErasureRecord {
  var proto: Groundswell_Supporter_V1_Erasure {
    .with {
      $0.supporter = "supporters/\(supporterID)"
      $0.organization = organization ?? ""
      $0.state = complete ? .complete : .pending
      $0.signaturesAnonymized = signaturesAnonymized
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
      if let completeTime { $0.completeTime = Google_Protobuf_Timestamp(clamping: completeTime) }
    }
  }
}
