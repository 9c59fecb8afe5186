import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

extension PetitionHandlers {
  /// The sign path: validate, answer a retry from its first answer, check the
  /// petition is open, resolve the signer to a supporter (recording consent),
  /// then insert and count in one durable transaction.
  public func signPetition(
    request: Groundswell_Petition_V1_SignPetitionRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_SignPetitionResponse {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    let signer = request.signer
    let region = Self.check(signer, into: &validator)
    validator.text("comment", request.comment, maximum: Limits.comment)
    validator.text("source", request.source, maximum: Limits.source)
    validator.requestID("request_id", request.requestID)
    var signerIP: String?
    if !request.signerIp.isEmpty {
      signerIP = IPAddress.canonical(request.signerIp)
      if signerIP == nil {
        validator.add("signer_ip", "signer_ip must be an IPv4 or IPv6 address; got `\(Echo.prefix(request.signerIp))`.")
      }
    }
    try validator.check()

    let call = CallContext.current
    let key = request.requestID.isEmpty
      ? nil
      : SignRequestKey(
        caller: call.organization ?? (call.isOperator ? "operator" : call.peerService ?? "internal"),
        requestID: request.requestID, fingerprint: secret.tag(try request.serializedBytes() as [UInt8]))
    if let key, let first = try await repository.replay(caller: key.caller, requestID: key.requestID) {
      return try await renewingToken(try Self.replayed(first, key: key))
    }

    let petition = try await signablePetition(named: request.petition)
    let state = petition.state(at: Date())
    guard state == .open else { throw Self.notSignable(request.petition, state) }
    let givenName = signer.givenName.trimmingWhitespace()
    let familyName = signer.familyName.trimmingWhitespace()
    // The details go to the organization that collected them; the
    // petition's organization comes to know the supporter too.
    let collector = call.organization ?? petition.organization
    let supporter = try await resolver.resolve(
      SignerDetails(
        email: signer.email, givenName: givenName, familyName: familyName,
        postalCode: signer.postalCode.trimmingWhitespace().uppercased(), region: region, organization: collector,
        petitionOrganization: collector == petition.organization ? nil : petition.organization,
        optInOrganization: request.optIn ? collector : nil,
        optInSource: request.source, identifiers: signer.identifiers))
    let recorded = Date()
    let signature = SignatureRecord(
      id: ResourceName.newTimeOrderedID(at: recorded), petitionID: petition.id, supporter: supporter, createTime: recorded,
      comment: request.comment.trimmingWhitespace(), showName: request.showName, source: request.source.trimmingWhitespace(),
      country: region?.country ?? "", subdivision: region?.subdivision ?? "",
      publicName: request.showName ? Self.publicName(given: givenName, family: familyName) : "",
      collectedBy: call.organization ?? "", pending: petition.requireVerification)
    // With verification the signature waits for its token; a repeat's
    // attempt gets one too, which verifies nothing, so that it answers like
    // a first signature.
    let verification = petition.requireVerification ? VerificationToken(now: now()) : nil
    let ladder = ladder
    let shown: @Sendable (SignOutcome) -> SignOutcome = { [petition] outcome in
      Self.disguised(outcome, attempt: signature, owner: petition.organization, call: call)
    }
    let result: SignResult
    do {
      let canonicalEmail = Email.canonical(signer.email)!
      let marks = SignerMarks(
        ipHash: signerIP.map(secret.ipMark), domainHash: secret.domainMark(String(canonicalEmail.split(separator: "@").last ?? "")),
        addressHash: secret.addressMark(canonicalEmail), rules: fraudRules)
      // The stored answer holds no token: a retry gets a new one.
      result = try await repository.sign(
        signature, key: key, verification: verification?.pending, marks: marks, now: Date()
      ) { outcome in
        try Self.response(shown(outcome), ladder: ladder).serializedBytes()
      }
    } catch PetitionStoreError.wrongState(let current) {
      throw Self.notSignable(request.petition, current)
    } catch PetitionStoreError.requestMismatch {
      throw Self.requestMismatch
    }
    switch result {
    case .replayed(let answer):
      return try await renewingToken(try Groundswell_Petition_V1_SignPetitionResponse(serializedBytes: answer))
    case .signed(let outcome):
      if !outcome.alreadySigned {
        let signature = outcome.signature
        ProcessMetrics.recordSignaturesCommitted(1, kind: signature.suspect ? "suspect" : signature.pending ? "pending" : "counted")
      }
      if !outcome.alreadySigned && !outcome.signature.pending && !outcome.signature.suspect {
        changes.publish(PetitionChange(outcome, organization: petition.organization, withdrawn: false))
      }
      var response = Self.response(shown(outcome), ladder: ladder)
      if response.signature.pendingVerification && !response.alreadySigned, let verification {
        response.verificationToken = verification.token
      }
      return response
    }
  }

  /// What the sign path reads of a petition the caller may see (as
  /// `visiblePetition`, without its text, targets and milestones).
  func signablePetition(named name: String) async throws -> SignablePetition {
    guard let petition = try await repository.signablePetition(id: try Self.petitionID(named: name, field: "petition")),
      CallContext.current.canSee(organization: petition.organization, state: petition.state)
    else { throw Self.petitionNotFound(name) }
    return petition
  }

  /// Checks a signer's fields (named `signer.…`) and returns the region
  /// their country and postal code tell, when they are valid.
  static func check(_ signer: Groundswell_Petition_V1_Signer, into validator: inout Validator) -> Region? {
    if signer.email.trimmingWhitespace().isEmpty {
      validator.add("signer.email", "signer.email is required.")
    } else if signer.email.count > Limits.email {
      validator.add("signer.email", "signer.email must be at most \(Limits.email) characters; it has \(signer.email.count).")
    } else if Email.canonical(signer.email) == nil {
      validator.add("signer.email", "signer.email must be an address like name@example.org.")
    }
    validator.text("signer.given_name", signer.givenName, minimum: 1, maximum: Limits.personName)
    validator.text("signer.family_name", signer.familyName, maximum: Limits.personName)
    validator.identifiers("signer.identifiers", signer.identifiers, maximum: PartnerIdentifier.perSigner)
    switch Region.derive(country: signer.country, postalCode: signer.postalCode) {
    case .success(let derived): return derived
    case .failure(.country(let problem)): validator.add("signer.country", "signer.country \(problem)")
    case .failure(.postalCode(let problem)): validator.add("signer.postal_code", "signer.postal_code \(problem)")
    }
    return nil
  }

  /// A repeat is told as a repeat, with the first signature, only to the
  /// organization that collected that signature or owns the petition (and to
  /// operators). To anyone else it answers like a first signature — the
  /// attempt as if stored, counting nothing — so that signing is no way to
  /// learn whether a person signed, or what they wrote.
  static func disguised(
    _ outcome: SignOutcome, attempt: SignatureRecord, owner: String, call: CallContext
  ) -> SignOutcome {
    guard outcome.alreadySigned else { return outcome }
    if call.isTrusted || call.organization == owner { return outcome }
    if let organization = call.organization, organization == outcome.signature.collectedBy { return outcome }
    var shown = outcome
    shown.signature = attempt
    shown.alreadySigned = false
    return shown
  }

  public func withdrawSignature(
    request: Groundswell_Petition_V1_WithdrawSignatureRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_WithdrawSignatureResponse {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    validator.name("supporter", request.supporter, collection: "supporters")
    try validator.check()
    let petition = try await ownPetition(
      named: request.petition, field: "petition", to: .withdrawSignatures(from: request.petition))
    guard let outcome = try await repository.withdraw(petitionID: petition.id, supporter: request.supporter, now: Date()) else {
      throw DomainError.notFound("`\(request.supporter)` has no signature on `\(request.petition)`.")
    }
    changes.publish(
      PetitionChange(outcome, organization: petition.organization, withdrawn: true, removed: petition.state == .removed))
    return .with { $0.signatureCount = outcome.signatureCount }
  }

  static func response(
    _ outcome: SignOutcome, ladder: GoalLadder
  ) -> Groundswell_Petition_V1_SignPetitionResponse {
    .with {
      // The caller handed over this person's details: it may know who they are.
      $0.signature = outcome.signature.proto(withSupporter: true)
      $0.alreadySigned = outcome.alreadySigned
      $0.signatureCount = outcome.signatureCount
      $0.goal = ladder.goal(for: outcome.signatureCount)
    }
  }

  static func replayed(
    _ first: (fingerprint: Data, answer: Data), key: SignRequestKey
  ) throws -> Groundswell_Petition_V1_SignPetitionResponse {
    guard first.fingerprint == key.fingerprint else { throw requestMismatch }
    return try Groundswell_Petition_V1_SignPetitionResponse(serializedBytes: first.answer)
  }

  static let requestMismatch = DomainError.invalidArgument([
    FieldViolation(
      field: "request_id",
      description: "request_id was already used for a different request; use a new request_id for a new signature.")
  ])

  static func notSignable(_ name: String, _ state: PetitionState) -> DomainError {
    .failedPrecondition("Petition `\(name)` is \(state.label); only an OPEN petition before its deadline can be signed.")
  }

  /// "Ana R.": the given name and the family initial.
  static func publicName(given: String, family: String) -> String {
    guard let initial = family.first else { return given }
    return "\(given) \(initial)."
  }
}
