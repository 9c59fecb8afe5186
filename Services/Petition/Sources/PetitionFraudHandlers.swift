import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The keyed hashes the fraud marks compare: never the IP, domain or address
/// itself.
extension DeploymentSecret {
  func ipMark(_ canonicalIP: String) -> Data { tag(text: canonicalIP, after: "ip:") }
  func domainMark(_ domain: String) -> Data { tag(text: domain.lowercased(), after: "domain:") }
  func addressMark(_ canonicalEmail: String) -> Data { tag(text: canonicalEmail, after: "email:") }
}

/// The handlers of `PetitionFraudService`: operators review suspect
/// signatures and keep the block list.
public struct PetitionFraudHandlers: Groundswell_Petition_V1_PetitionFraudService.SimpleServiceProtocol {
  let repository: any PetitionRepository
  let changes: PetitionChanges
  let secret: DeploymentSecret

  public init(repository: any PetitionRepository, changes: PetitionChanges, secret: DeploymentSecret) {
    self.repository = repository
    self.changes = changes
    self.secret = secret
  }

  /// An email domain as written, lower-cased; nil when it is not one.
  static func domain(_ text: String) -> String? {
    let domain = text.trimmingWhitespace().lowercased()
    guard !domain.isEmpty, domain.utf8.count <= 253, domain.contains("."), !domain.contains("@"), !domain.contains(" ") else {
      return nil
    }
    return domain
  }

  static func requireOperator() throws {
    guard CallContext.current.isTrusted else { throw DomainError.permissionDenied("Only an operator key may review fraud marks.") }
  }

  public func reviewSuspectSignatures(
    request: Groundswell_Petition_V1_ReviewSuspectSignaturesRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ReviewSuspectSignaturesResponse {
    var validator = Validator()
    let id = validator.name("petition", request.petition, collection: "petitions")
    if request.decision != .release && request.decision != .confirm {
      validator.add("decision", "decision must be RELEASE (they count) or CONFIRM (they are deleted).")
    }
    try validator.check()
    try Self.requireOperator()
    guard let id, let petition = try await repository.petition(id: id) else {
      throw DomainError.notFound("Petition `\(request.petition)` was not found.")
    }
    let (reviewed, change) = try await repository.reviewSuspects(petitionID: petition.id, release: request.decision == .release, now: Date())
    if let change { changes.publish(change) }
    let count = try await repository.petition(id: petition.id)?.signatureCount ?? petition.signatureCount
    return .with {
      $0.signaturesReviewed = Int64(reviewed)
      $0.signatureCount = count
    }
  }

  public func updateBlockList(
    request: Groundswell_Petition_V1_UpdateBlockListRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_UpdateBlockListResponse {
    var validator = Validator()
    func domains(_ field: String, _ values: [String]) -> [BlockedSigner] {
      guard validator.count(field, values, maximum: 100) else { return [] }
      return values.enumerated().compactMap { index, value in
        guard let domain = Self.domain(value) else {
          validator.add("\(field)[\(index)]", "\(field)[\(index)] must be a domain like example.net; got `\(Echo.prefix(value))`.")
          return nil
        }
        return BlockedSigner(kind: .domain, valueHash: secret.domainMark(domain))
      }
    }
    func addresses(_ field: String, _ values: [String]) -> [BlockedSigner] {
      guard validator.count(field, values, maximum: 100) else { return [] }
      return values.enumerated().compactMap { index, value in
        guard value.count <= Limits.email, let email = Email.canonical(value) else {
          validator.add("\(field)[\(index)]", "\(field)[\(index)] must be an address like name@example.org.")
          return nil
        }
        return BlockedSigner(kind: .address, valueHash: secret.addressMark(email))
      }
    }
    let block = domains("block_domains", request.blockDomains) + addresses("block_emails", request.blockEmails)
    let unblock = domains("unblock_domains", request.unblockDomains) + addresses("unblock_emails", request.unblockEmails)
    try validator.check()
    try Self.requireOperator()
    let count = try await repository.updateBlockList(block: block, unblock: unblock)
    return .with { $0.blockedCount = Int64(count) }
  }
}
