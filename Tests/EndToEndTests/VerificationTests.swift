import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Testing

/// Double opt-in: on a petition that requires it a signature waits,
/// uncounted, until its signer confirms it with a single-use token.
@Suite struct VerificationTests {
  @Test func onlyVerifiedSignaturesCount() async throws {
    let clock = DateClock()
    let stack = try await Stack.start(petition: {
      $0.now = { clock.now }
      $0.retentionInterval = .milliseconds(100)
    })
    let (owner, key) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    let name = try await stack.makeOpenPetition(organization: owner, key: key)
    let campaign = try await stack.makeCampaign(organization: owner, key: key, petitions: [name])
    try await stack.withGateway { api in
      _ = try await api.petitions.updatePetition(
        .with {
          $0.petition = .with {
            $0.name = name
            $0.requireVerification = true
          }
          $0.updateMask = .with { $0.paths = ["require_verification"] }
        }, metadata: bearer(key))
      func petition() async throws -> Groundswell_Petition_V1_Petition {
        try await api.petitions.getPetition(.with { $0.name = name }, metadata: bearer(key)).petition
      }
      func verify(_ token: String, _ caller: String = key) async throws -> Groundswell_Petition_V1_VerifySignatureResponse {
        try await api.petitions.verifySignature(
          .with {
            $0.petition = name
            $0.token = token
          }, metadata: bearer(caller))
      }
      let signed = try await api.petitions.signPetition(signRequest(name, email: "double-opt-in@example.org"), metadata: bearer(key))
      #expect(signed.signature.pendingVerification)
      #expect(signed.verificationToken.count >= 40)
      #expect(signed.signatureCount == 0)
      var current = try await petition()
      #expect(current.requireVerification)
      #expect(current.signatureCount == 0)
      #expect(current.pendingSignatureCount == 1)
      let listed = try await api.petitions.listSignatures(.with { $0.parent = name }, metadata: bearer(key)).signatures
      #expect(listed.isEmpty, "a waiting signature is listed nowhere")
      let ledger = try await api.petitions.getPetitionLedger(.with { $0.petition = name }, metadata: bearer(key))
      #expect(ledger.entryCount == 0)

      // A wrong token, then the right one (from another organization's key:
      // whoever holds the token), then again.
      let wrong = await rpcError { _ = try await verify("not-the-token") }
      #expect(wrong?.code == .notFound)
      let verified = try await verify(signed.verificationToken, otherKey)
      #expect(!verified.alreadyVerified)
      #expect(verified.signatureCount == 1)
      #expect(verified.signature.supporter.isEmpty, "the token holder is not told who signed")
      let again = try await verify(signed.verificationToken)
      #expect(again.alreadyVerified)
      #expect(again.signatureCount == 1, "verifying twice counts once")
      current = try await petition()
      #expect(current.signatureCount == 1)
      #expect(current.pendingSignatureCount == 0)
      let totals = try await liveTotals(api, campaign, key: key) { $0.signatureCount == 1 }
      #expect(totals.signatureCount == 1, "the gateway counts it once verified")
      #expect(try await api.petitions.getPetitionLedger(.with { $0.petition = name }, metadata: bearer(key)).countedSignatures == 1)

      // Erasing a person whose signature waits leaves the counts and the
      // campaign's signers as they were.
      let waiting = try await api.petitions.signPetition(signRequest(name, email: "waits-then-erased@example.org"), metadata: bearer(key))
      #expect(try await erase(api, waiting.signature.supporter, in: owner, key: key).signaturesAnonymized == 1)
      try await Task.sleep(for: .milliseconds(600))
      let unchanged = try await liveTotals(api, campaign, key: key)
      #expect(unchanged.signatureCount == 1)
      #expect(unchanged.uniqueSupporterCount == 1, "an uncounted signature never joins the signer sets")

      // Another organization signing the same person again is answered like
      // a first signature, token and all; the token verifies nothing.
      let repeated = try await api.petitions.signPetition(signRequest(name, email: "double-opt-in@example.org"), metadata: bearer(otherKey))
      #expect(!repeated.alreadySigned)
      #expect(repeated.signature.pendingVerification)
      #expect(!repeated.verificationToken.isEmpty)
      #expect(await rpcError { _ = try await verify(repeated.verificationToken) }?.code == .notFound)
      #expect(try await petition().signatureCount == 1)

      // A retry of a lost answer gets a new token; the old one stops working.
      let request = signRequest(name, email: "retried@example.org") { $0.requestID = UUID().uuidString }
      let first = try await api.petitions.signPetition(request, metadata: bearer(key))
      let retried = try await api.petitions.signPetition(request, metadata: bearer(key))
      #expect(retried.verificationToken != first.verificationToken)
      #expect(await rpcError { _ = try await verify(first.verificationToken) }?.code == .notFound)

      // Expired: refused with a clear status; a day later the signature goes.
      clock.advance(days: 7.5)
      let expired = await rpcError { _ = try await verify(retried.verificationToken) }
      #expect(expired?.code == .failedPrecondition)
      #expect(expired?.message.contains("expired") == true)
      clock.advance(days: 1)
      let purged = try await eventually({ try await petition() }, until: { $0.pendingSignatureCount == 0 })
      #expect(purged.pendingSignatureCount == 0)
      #expect(purged.signatureCount == 1)
      let gone = await rpcError { _ = try await verify(retried.verificationToken) }
      #expect(gone?.code == .notFound, "\(String(describing: gone))")
    }
    try await stack.stop()
  }
}
