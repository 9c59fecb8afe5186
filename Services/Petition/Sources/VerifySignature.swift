import Crypto
import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// A single-use verification token: 32 random bytes, base64url; only its
/// SHA-256 is stored, with its expiry.
struct VerificationToken: Sendable {
  /// How long a signer has to verify.
  static let lifetime: TimeInterval = 7 * 86_400

  let token: String
  let pending: PendingVerification

  init(now: Date) {
    let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    token = bytes.base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    pending = PendingVerification(tokenHash: Self.hash(token), expireTime: now.addingTimeInterval(Self.lifetime))
  }

  static func hash(_ token: String) -> Data {
    Data(SHA256.hash(data: Data(token.utf8)))
  }
}

extension PetitionHandlers {
  public func verifySignature(
    request: Groundswell_Petition_V1_VerifySignatureRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_VerifySignatureResponse {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    validator.text("token", request.token, minimum: 1, maximum: 100)
    try validator.check()
    let petition = try await visiblePetition(named: request.petition, field: "petition")
    guard petition.state(at: Date()) == .open else { throw Self.notSignable(request.petition, petition.state(at: Date())) }
    switch try await repository.verify(petitionID: petition.id, tokenHash: VerificationToken.hash(request.token), now: now()) {
    case .notFound:
      throw DomainError.notFound("No signature on `\(request.petition)` waits for this token; check the link, or sign again.")
    case .expired:
      throw DomainError.failedPrecondition("This verification token has expired; sign the petition again for a new one.")
    case .verified(let outcome, let already):
      if !already { changes.publish(PetitionChange(outcome, organization: petition.organization, withdrawn: false)) }
      return .with {
        $0.signature = outcome.signature.proto(withSupporter: false)
        $0.alreadyVerified = already
        $0.signatureCount = outcome.signatureCount
      }
    }
  }

  /// A replayed answer for a signature still waiting gets a new token (the
  /// old one, lost with the first answer, stops working).
  func renewingToken(
    _ answer: Groundswell_Petition_V1_SignPetitionResponse
  ) async throws -> Groundswell_Petition_V1_SignPetitionResponse {
    guard answer.signature.pendingVerification, !answer.alreadySigned, let id = answer.signature.name.split(separator: "/").last
    else { return answer }
    let verification = VerificationToken(now: now())
    var renewed = answer
    // A disguised answer's signature does not exist: its token verifies
    // nothing, as the first one did not.
    _ = try await repository.renewVerification(signatureID: String(id), verification.pending)
    renewed.verificationToken = verification.token
    return renewed
  }
}
