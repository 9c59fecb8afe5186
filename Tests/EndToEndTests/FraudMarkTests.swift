import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import PetitionService
import Testing

/// Quiet fraud marks: over a limit, or blocked, a signature is accepted as
/// usual but not counted; only operators see the marks, and they release or
/// confirm them.
@Suite struct FraudMarkTests {
  @Test func signaturesOverALimitAreAcceptedButNotCounted() async throws {
    let stack = try await Stack.start(petition: { $0.fraudRules = FraudRules(perIPPerHour: 2, perDomainPerHour: 3) })
    let (owner, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: key)
    try await stack.withGateway { api in
      func sign(_ email: String, ip: String = "") async throws -> Groundswell_Petition_V1_SignPetitionResponse {
        try await api.petitions.signPetition(signRequest(petition, email: email) { $0.signerIp = ip }, metadata: bearer(key))
      }
      func review(
        _ decision: Groundswell_Petition_V1_ReviewSuspectSignaturesRequest.Decision, _ caller: String
      ) async throws -> Groundswell_Petition_V1_ReviewSuspectSignaturesResponse {
        try await api.fraud.reviewSuspectSignatures(
          .with {
            $0.petition = petition
            $0.decision = decision
          }, metadata: bearer(caller))
      }
      func read(_ caller: String) async throws -> Groundswell_Petition_V1_Petition {
        try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(caller)).petition
      }
      // Two from one IP count; the third is accepted, like any other, and
      // counts nowhere. The same address written another way is the same IP.
      #expect(try await sign("a@one.example", ip: "203.0.113.7").signatureCount == 1)
      #expect(try await sign("b@two.example", ip: "203.0.113.7").signatureCount == 2)
      #expect(try await sign("c@three.example", ip: "2001:DB8::1").signatureCount == 3)
      #expect(try await sign("d@four.example", ip: "2001:db8:0:0:0:0:0:1").signatureCount == 4)
      let over = try await sign("e@five.example", ip: "2001:db8::1")
      #expect(!over.alreadySigned)
      #expect(!over.signature.name.isEmpty, "the caller sees success")
      #expect(over.signatureCount == 4, "the count the caller sees has not moved")
      var partnerView = try await read(key)
      #expect(partnerView.signatureCount == 4)
      #expect(partnerView.suspectSignatureCount == 0, "partners are not told")
      var operatorView = try await read(stack.operatorKey)
      #expect(operatorView.suspectSignatureCount == 1)
      let listed = try await api.petitions.listSignatures(.with { $0.parent = petition }, metadata: bearer(key)).signatures
      #expect(listed.count == 4, "a suspect signature is listed nowhere")

      // The domain limit: three from one domain count, the fourth is marked.
      for index in 0..<4 { _ = try await sign("person\(index)@bulk.example") }
      // The block list, by domain and by address.
      let blocked = try await api.fraud.updateBlockList(
        .with {
          $0.blockDomains = ["Blocked.Example"]
          $0.blockEmails = ["Spam.Bot+x@gmail.com"]
        }, metadata: bearer(stack.operatorKey))
      #expect(blocked.blockedCount == 2)
      _ = try await sign("anyone@blocked.example")
      _ = try await sign("spambot@gmail.com")
      partnerView = try await read(key)
      #expect(partnerView.signatureCount == 7)
      operatorView = try await read(stack.operatorKey)
      #expect(operatorView.suspectSignatureCount == 4)

      // Only operators review; releasing counts them, exactly once.
      let refused = await rpcError { _ = try await review(.release, key) }
      #expect(refused?.code == .permissionDenied)
      let released = try await review(.release, stack.operatorKey)
      #expect(released.signaturesReviewed == 4)
      #expect(released.signatureCount == 11)
      #expect(try await read(stack.operatorKey).suspectSignatureCount == 0)
      let ledger = try await api.petitions.getPetitionLedger(.with { $0.petition = petition }, metadata: bearer(key))
      #expect(ledger.countedSignatures == 11)

      // Confirming deletes them: they never counted.
      _ = try await sign("again@blocked.example")
      let confirmed = try await review(.confirm, stack.operatorKey)
      #expect(confirmed.signaturesReviewed == 1)
      #expect(confirmed.signatureCount == 11)
      let bad = await rpcError {
        _ = try await api.petitions.signPetition(signRequest(petition, email: "x@y.example") { $0.signerIp = "not-an-ip" }, metadata: bearer(key))
      }
      #expect(badFields(bad) == ["signer_ip"])
    }
    // Neither the IP nor the blocked address is stored as written.
    try await stack.stop()
    for needle in ["203.0.113.7", "2001:db8::1", "spam.bot", "spambot@gmail.com", "blocked.example"] {
      #expect(try filesContaining(needle, under: "\(stack.dataRoot)/petition").isEmpty, "`\(needle)` is stored")
    }
  }
}
