import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Testing

/// Signatures with comments, regions, retries and withdrawal; supporters
/// with consent — called through the gateway as partners would.
@Suite struct SignatureDomainTests {
  @Test func signaturesCarryCommentsRegionsAndPublicNames() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let shown = try await api.petitions.signPetition(
        signRequest(petition, email: "ana@example.org", country: "US", postal: "06103") {
          $0.comment = "My uncle served with him."
          $0.showName = true
          $0.source = "partner-newsletter"
        }, metadata: bearer(partnerKey)
      ).signature
      #expect(shown.subdivision == "US-CT")
      #expect(shown.publicName == "Ana R.")
      _ = try await api.petitions.signPetition(
        signRequest(petition, email: "ben@example.org", given: "Ben", country: "us", postal: "90210"), metadata: bearer(key))
      _ = try await api.petitions.signPetition(
        signRequest(petition, email: "cy@example.org", given: "Cy", country: "CA", postal: "K1A 0B1"), metadata: bearer(key))
      _ = try await api.petitions.signPetition(
        signRequest(petition, email: "di@example.org", given: "Di", country: "US", postal: "06510"), metadata: bearer(key))

      // The public list: names only where allowed; supporters only for the owner.
      let publicList = try await api.petitions.listSignatures(.with { $0.parent = petition }, metadata: bearer(partnerKey))
      #expect(publicList.signatures.count == 4)
      let oldest = try #require(publicList.signatures.last)
      #expect(oldest.publicName == "Ana R.")
      #expect(oldest.comment == "My uncle served with him.")
      #expect(oldest.source == "partner-newsletter")
      #expect(oldest.collectedBy == partner)
      #expect(oldest.supporter.hasPrefix("supporters/"), "the partner collected this one")
      #expect(publicList.signatures.dropLast().allSatisfy { $0.publicName.isEmpty && $0.supporter.isEmpty })
      let ownerList = try await api.petitions.listSignatures(.with { $0.parent = petition; $0.pageSize = 3 }, metadata: bearer(key))
      #expect(ownerList.signatures.count == 3)
      #expect(ownerList.signatures.allSatisfy { $0.supporter.hasPrefix("supporters/") })
      #expect(!ownerList.nextPageToken.isEmpty)

      let regions = try await api.petitions.getRegionCounts(.with { $0.petition = petition }, metadata: bearer(partnerKey)).regions
      #expect(regions.first?.subdivision == "US-CT")
      #expect(regions.first?.signatureCount == 2)
      #expect(Set(regions.map(\.subdivision)) == ["US-CT", "US-CA", "CA-ON"])
      #expect(regions.map(\.signatureCount).reduce(0, +) == 4)

      let bad = await rpcError {
        _ = try await api.petitions.signPetition(
          signRequest(petition, email: "e@example.org", country: "US", postal: "ABCDE") {
            $0.comment = String(repeating: "x", count: 1_001)
            $0.source = String(repeating: "y", count: 201)
            $0.requestID = "not a valid id!"
          }, metadata: bearer(key))
      }
      #expect(badFields(bad) == ["signer.postal_code", "comment", "source", "request_id"])
      let noCountry = await rpcError {
        _ = try await api.petitions.signPetition(signRequest(petition, email: "e@example.org", postal: "06103"), metadata: bearer(key))
      }
      #expect(badFields(noCountry) == ["signer.country"])
    }
  }

  @Test func aRetriedRequestGetsTheFirstAnswer() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let request = signRequest(petition, email: "retry@example.org") { $0.requestID = "7c9e6679-7425-40de-944b-e07fc1f90ae7" }
      let first = try await api.petitions.signPetition(request, metadata: bearer(key))
      // Another signer moves the count; the retry still answers as the first time.
      _ = try await api.petitions.signPetition(signRequest(petition, email: "other@example.org"), metadata: bearer(key))
      let retry = try await api.petitions.signPetition(request, metadata: bearer(key))
      #expect(retry == first)
      #expect(!retry.alreadySigned)
      #expect(retry.signatureCount == 1)
      let different = await rpcError {
        _ = try await api.petitions.signPetition(
          signRequest(petition, email: "someone.else@example.org") { $0.requestID = request.requestID }, metadata: bearer(key))
      }
      #expect(different?.code == .invalidArgument)
      #expect(badFields(different) == ["request_id"])
      let count = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
      #expect(count == 2)

      // Concurrent retries of one request record one signature.
      let racing = signRequest(petition, email: "race@example.org") { $0.requestID = "race-1" }
      let answers = try await withThrowingTaskGroup(of: Groundswell_Petition_V1_SignPetitionResponse.self) { group in
        for _ in 0..<8 { group.addTask { try await api.petitions.signPetition(racing, metadata: bearer(key)) } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(Set(answers.map(\.signature.name)).count == 1)
      let final = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
      #expect(final == 3)
    }
  }

  @Test func gmailAddressesThatDeliverToOneMailboxAreOnePerson() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let first = try await api.petitions.signPetition(signRequest(petition, email: "Ana.Rivera+petitions@gmail.com"), metadata: bearer(key))
      let second = try await api.petitions.signPetition(signRequest(petition, email: "anarivera@googlemail.com"), metadata: bearer(key))
      #expect(second.alreadySigned)
      #expect(second.signature.supporter == first.signature.supporter)
      let supporter = try await api.supporters.getSupporter(.with { $0.name = first.signature.supporter }, metadata: bearer(key)).supporter
      #expect(supporter.email == "anarivera@gmail.com")
    }
  }

  @Test func withdrawingLowersTheCountExactlyOnce() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let signed = try await api.petitions.signPetition(
        signRequest(petition, email: "leaving@example.org", country: "US", postal: "06103"), metadata: bearer(key))
      try await sign(api, petition, email: "staying@example.org", key: key)
      let request = Groundswell_Petition_V1_WithdrawSignatureRequest.with {
        $0.petition = petition
        $0.supporter = signed.signature.supporter
      }
      let stranger = await rpcError { _ = try await api.petitions.withdrawSignature(request, metadata: bearer(otherKey)) }
      #expect(stranger?.code == .permissionDenied)
      let results = await withTaskGroup(of: Int64?.self) { group in
        for _ in 0..<4 { group.addTask { try? await api.petitions.withdrawSignature(request, metadata: bearer(key)).signatureCount } }
        return await group.reduce(into: [Int64?]()) { $0.append($1) }
      }
      #expect(results.compactMap { $0 } == [1])
      let again = await rpcError { _ = try await api.petitions.withdrawSignature(request, metadata: bearer(key)) }
      #expect(again?.code == .notFound)
      let petitionNow = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(petitionNow.signatureCount == 1)
      let regions = try await api.petitions.getRegionCounts(.with { $0.petition = petition }, metadata: bearer(key)).regions
      #expect(!regions.contains { $0.subdivision == "US-CT" })
      // Having withdrawn, the person may sign again and counts again.
      let resigned = try await api.petitions.signPetition(signRequest(petition, email: "leaving@example.org"), metadata: bearer(key))
      #expect(!resigned.alreadySigned)
      #expect(resigned.signatureCount == 2)
    }
  }

  @Test func consentIsPerOrganizationAndListsShowOnlyAnOrganizationsOwnPeople() async throws {
    let stack = try await sharedStack.value
    let (host, hostKey) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let (stranger, strangerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: host, key: hostKey)
    try await stack.withGateway { api in
      // Collected on the partner's page, opting in to hear from the partner.
      let viaPartner = try await api.petitions.signPetition(
        signRequest(petition, email: "opted@example.org", country: "US", postal: "75201") {
          $0.optIn = true
          $0.source = "partner-page"
        }, metadata: bearer(partnerKey))
      let direct = try await api.petitions.signPetition(signRequest(petition, email: "quiet@example.org"), metadata: bearer(hostKey))

      let partnerList = try await api.supporters.listSupporters(.with { $0.parent = partner }, metadata: bearer(partnerKey)).supporters
      #expect(partnerList.map(\.name) == [viaPartner.signature.supporter])
      let consent = try #require(partnerList.first?.consents.first)
      #expect(consent.organization == partner)
      #expect(consent.state == .optedIn)
      #expect(consent.optInSource == "partner-page")
      #expect(consent.hasOptInTime)
      #expect(partnerList.first?.region == "US-TX")

      let hostList = try await api.supporters.listSupporters(.with { $0.parent = host }, metadata: bearer(hostKey)).supporters
      #expect(Set(hostList.map(\.name)) == [viaPartner.signature.supporter, direct.signature.supporter])
      #expect(hostList.allSatisfy { $0.consents.allSatisfy { $0.organization == host } })
      let hostOptedIn = try await api.supporters.listSupporters(.with { $0.parent = host; $0.optedInOnly = true }, metadata: bearer(hostKey))
      #expect(hostOptedIn.supporters.isEmpty)

      let strangerList = try await api.supporters.listSupporters(.with { $0.parent = stranger }, metadata: bearer(strangerKey))
      #expect(strangerList.supporters.isEmpty)
      let othersList = await rpcError { _ = try await api.supporters.listSupporters(.with { $0.parent = host }, metadata: bearer(strangerKey)) }
      #expect(othersList?.code == .permissionDenied)
      let othersRead = await rpcError {
        _ = try await api.supporters.getSupporter(.with { $0.name = direct.signature.supporter }, metadata: bearer(strangerKey))
      }
      #expect(othersRead?.code == .notFound)

      // Opting out is recorded with its own time and source.
      let out = try await api.supporters.recordConsent(
        .with {
          $0.supporter = viaPartner.signature.supporter
          $0.organization = partner
          $0.optedIn = false
          $0.source = "unsubscribe-link"
        }, metadata: bearer(partnerKey)
      ).consent
      #expect(out.state == .optedOut)
      #expect(out.optOutSource == "unsubscribe-link")
      #expect(out.optInSource == "partner-page")
      let unknownToStranger = await rpcError {
        _ = try await api.supporters.recordConsent(
          .with {
            $0.supporter = viaPartner.signature.supporter
            $0.organization = stranger
            $0.optedIn = true
          }, metadata: bearer(strangerKey))
      }
      #expect(unknownToStranger?.code == .notFound)
      let forAnother = await rpcError {
        _ = try await api.supporters.recordConsent(
          .with {
            $0.supporter = viaPartner.signature.supporter
            $0.organization = partner
            $0.optedIn = true
          }, metadata: bearer(strangerKey))
      }
      #expect(forAnother?.code == .permissionDenied)

      // What a supporter signed: the host sees its petitions; a stranger nothing.
      let signedHere = try await api.petitions.listSupporterSignatures(
        .with { $0.supporter = direct.signature.supporter }, metadata: bearer(hostKey))
      #expect(signedHere.signatures.map(\.name) == [direct.signature.name])
      let signedElsewhere = try await api.petitions.listSupporterSignatures(
        .with { $0.supporter = direct.signature.supporter }, metadata: bearer(strangerKey))
      #expect(signedElsewhere.signatures.isEmpty)
    }
  }

  @Test func organizationsShowSupportersAndPetitionsStarted() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    _ = try await stack.makeOpenPetition(organization: organization, key: key, title: "Another")
    try await stack.withGateway { api in
      _ = try await api.petitions.createPetition(
        .with {
          $0.parent = organization
          $0.petition = .with { $0.title = "Still a draft" }
        }, metadata: bearer(key))
      for email in ["a@example.org", "b@example.org", "c@example.org"] {
        _ = try await api.petitions.signPetition(signRequest(petition, email: email) { $0.optIn = email != "c@example.org" }, metadata: bearer(key))
      }
      let read = try await api.organizations.getOrganization(.with { $0.name = organization }, metadata: bearer(key)).organization
      #expect(read.supporterCount == 2)
      #expect(read.petitionsStarted == 2)
    }
  }
}
