import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

extension PetitionHandlers {
  /// The sign path: validate, check the petition is open, resolve the signer
  /// to a supporter, then insert and count in one durable transaction.
  public func signPetition(
    request: Groundswell_Petition_V1_SignPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_SignPetitionResponse {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    let signer = request.signer
    if signer.email.trimmingWhitespace().isEmpty {
      validator.add("signer.email", "signer.email is required.")
    } else if signer.email.count > Limits.email {
      validator.add("signer.email", "signer.email must be at most \(Limits.email) characters; it has \(signer.email.count).")
    } else if Email.canonical(signer.email) == nil {
      validator.add("signer.email", "signer.email must be an address like name@example.org.")
    }
    validator.text("signer.given_name", signer.givenName, minimum: 1, maximum: Limits.personName)
    validator.text("signer.family_name", signer.familyName, maximum: Limits.personName)
    try validator.check()

    let petition = try await visiblePetition(named: request.petition, field: "petition")
    guard petition.state == .open else {
      throw DomainError.failedPrecondition(
        "Petition `\(request.petition)` is \(petition.state.label); only an OPEN petition can be signed.")
    }
    let supporter = try await resolver.resolve(
      email: signer.email, givenName: signer.givenName, familyName: signer.familyName,
      organization: petition.organization)
    let outcome: SignOutcome
    do {
      outcome = try await repository.sign(petitionID: petition.id, supporter: supporter, now: Date())
    } catch PetitionStoreError.wrongState(let current) {
      throw DomainError.failedPrecondition(
        "Petition `\(request.petition)` is \(current.label); only an OPEN petition can be signed.")
    }
    if !outcome.alreadySigned {
      broadcaster.publish(CountChange(petitionID: petition.id, count: outcome.signatureCount, updateTime: outcome.updateTime))
    }
    return .with {
      $0.signature = .with {
        $0.name = "petitions/\(petition.id)/signatures/\(outcome.signature.id)"
        $0.supporter = outcome.signature.supporter
        $0.createTime = Google_Protobuf_Timestamp(date: outcome.signature.createTime)
      }
      $0.alreadySigned = outcome.alreadySigned
      $0.signatureCount = outcome.signatureCount
    }
  }
}
