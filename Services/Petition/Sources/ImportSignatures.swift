import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

extension PetitionHandlers {
  /// How far ahead of this server's clock a `sign_time` may be (read as now).
  static let importClockSkew: TimeInterval = 300
  /// Signatures resolved and written together: a signature waits behind
  /// at most this many of an import in each service.
  static let importChunk = 500

  /// Signatures collected offline, into the caller's own OPEN petition: every
  /// item checked as `SignPetition` checks a signer, the good ones resolved
  /// in one call to supporter-service and stored in one durable transaction.
  public func importSignatures(
    request: Groundswell_Petition_V1_ImportSignaturesRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ImportSignaturesResponse {
    var validator = Validator()
    validator.name("petition", request.petition, collection: "petitions")
    let count = request.signatures.count
    if !(1...Limits.signaturesPerBatch).contains(count) {
      validator.add("signatures", "signatures must hold 1 to \(Limits.signaturesPerBatch) signatures; it has \(count).")
    }
    try validator.check()
    let petition = try await ownPetition(
      named: request.petition, field: "petition", to: .importSignatures(into: request.petition))
    let now = now()
    guard petition.state(at: now) == .open else { throw Self.notSignable(request.petition, petition.state(at: now)) }
    let call = CallContext.current
    let collector = call.organization ?? petition.organization

    // Each item on its own: a bad one is reported and the rest go ahead.
    var violations: [Int: [FieldViolation]] = [:]
    var accepted: [(index: Int, record: SignatureRecord, details: SignerDetails, email: String)] = []
    for (index, item) in request.signatures.enumerated() {
      var check = Validator()
      let region = Self.check(item.signer, into: &check)
      check.text("comment", item.comment, maximum: Limits.comment)
      check.text("source", item.source, maximum: Limits.source)
      var signTime: Date?
      if !item.hasSignTime {
        check.add("sign_time", "sign_time is required: when the person signed.")
      } else if let time = check.time("sign_time", item.signTime) {
        if time > now.addingTimeInterval(Self.importClockSkew) {
          check.add("sign_time", "sign_time is in the future; give when the person signed.")
        } else {
          signTime = min(time, now)
        }
      }
      guard check.violations.isEmpty, let signTime, let email = Email.canonical(item.signer.email) else {
        violations[index] = check.violations
        continue
      }
      let givenName = item.signer.givenName.trimmingWhitespace()
      let familyName = item.signer.familyName.trimmingWhitespace()
      let details = SignerDetails(
        email: item.signer.email, givenName: givenName, familyName: familyName,
        postalCode: item.signer.postalCode.trimmingWhitespace().uppercased(), region: region, organization: collector,
        optInOrganization: item.optIn ? collector : nil, optInSource: item.source, identifiers: item.signer.identifiers)
      var record = SignatureRecord(
        id: ResourceName.newTimeOrderedID(at: now), petitionID: petition.id, supporter: "", createTime: signTime,
        comment: item.comment.trimmingWhitespace(), showName: item.showName, source: item.source.trimmingWhitespace(),
        country: region?.country ?? "", subdivision: region?.subdivision ?? "",
        publicName: item.showName ? Self.publicName(given: givenName, family: familyName) : "",
        collectedBy: call.organization ?? "")
      record.offline = true
      accepted.append((index, record, details, email))
    }

    // A chunk at a time, each resolved and written in its own turn (see
    // `BulkLane`): a signature waits behind one chunk, not a whole import.
    var positions: [Int] = []
    var outcome = ImportOutcome(items: [], signatureCount: petition.signatureCount, offlineCount: petition.offlineCount)
    var start = accepted.startIndex
    while start < accepted.endIndex {
      let chunk = accepted[start..<min(start + Self.importChunk, accepted.endIndex)]
      start = chunk.endIndex
      let resolved = try await importLanes.resolving.run(for: collector) {
        try await resolver.resolveMany(chunk.map(\.details))
      }
      var records: [SignatureRecord] = []
      var marks: [SignerMarks] = []
      for (item, supporter) in zip(chunk, resolved) {
        switch supporter {
        case .success(let name):
          var record = item.record
          record.supporter = name
          records.append(record)
          marks.append(
            SignerMarks(
              ipHash: nil, domainHash: secret.domainMark(String(item.email.split(separator: "@").last ?? "")),
              addressHash: secret.addressMark(item.email), rules: fraudRules))
          positions.append(item.index)
        case .failure(let refusal):
          violations[item.index] = [FieldViolation(field: refusal.field, description: refusal.message)]
        }
      }
      guard !records.isEmpty else { continue }
      let written: ImportOutcome
      do {
        written = try await importLanes.writing.run(for: collector) {
          try await repository.importSignatures(records, marks: marks, now: now)
        }
      } catch PetitionStoreError.wrongState(let current) {
        throw Self.notSignable(request.petition, current)
      }
      if let change = written.change { changes.publish(change) }
      outcome.items += written.items
      outcome.signatureCount = written.signatureCount
      outcome.offlineCount = written.offlineCount
    }

    var results = Array(repeating: Groundswell_Petition_V1_ImportResult(), count: count)
    for (index, problems) in violations {
      results[index] = .with {
        $0.index = Int32(index)
        $0.outcome = .invalid
        $0.violations = problems.prefix(Validator.maximumListed).map { problem in
          .with {
            $0.field = problem.field
            $0.description_p = problem.description
          }
        }
      }
    }
    var signed = 0, held = 0, repeats = 0
    for (index, item) in zip(positions, outcome.items) {
      let (kind, signature): (Groundswell_Petition_V1_ImportResult.Outcome, SignatureRecord) = switch item {
      case .signed(let signature): (.signed, signature)
      case .alreadySigned(let signature): (.alreadySigned, signature)
      // Quiet, as for SignPetition: only operators learn of fraud marks.
      case .held(let signature): (.signed, signature)
      }
      switch item {
      case .signed: signed += 1
      case .held: held += 1
      case .alreadySigned: repeats += 1
      }
      results[index] = .with {
        $0.index = Int32(index)
        $0.outcome = kind
        $0.signature = "\(request.petition)/signatures/\(signature.id)"
        $0.supporter = signature.supporter
      }
    }
    if signed > 0 { ProcessMetrics.recordSignaturesCommitted(signed, kind: "counted") }
    if held > 0 { ProcessMetrics.recordSignaturesCommitted(held, kind: "suspect") }
    return .with {
      $0.results = results
      $0.signedCount = Int32(signed + held)
      $0.alreadySignedCount = Int32(repeats)
      $0.invalidCount = Int32(violations.count)
      $0.signatureCount = outcome.signatureCount
      $0.offlineSignatureCount = outcome.offlineCount
    }
  }
}
