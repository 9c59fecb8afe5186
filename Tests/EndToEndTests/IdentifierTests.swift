import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Testing

/// An organization's own identifiers for its supporters (`system:id`),
/// through the gateway over TLS: attached when signing, importing or later,
/// found again, kept apart between organizations, given back in events and
/// exports, and erased with the person.
@Suite struct IdentifierTests {
  typealias Supporter = Groundswell_Supporter_V1_Supporter

  static func find(_ api: GatewayAPI, _ organization: String, identifier: String, key: String) async throws -> Supporter {
    try await api.supporters.findSupporter(
      .with {
        $0.parent = organization
        $0.identifier = identifier
      }, metadata: bearer(key)
    ).supporter
  }

  static func attach(_ api: GatewayAPI, _ supporter: String, _ organization: String, _ identifiers: [String], key: String)
    async throws -> Supporter
  {
    try await api.supporters.attachIdentifiers(
      .with {
        $0.supporter = supporter
        $0.organization = organization
        $0.identifiers = identifiers
      }, metadata: bearer(key)
    ).supporter
  }

  @Test func attachedWhenSigningOrLaterFoundAgainAndKeptToTheirOrganization() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let (other, otherKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    let otherPetition = try await stack.makeOpenPetition(organization: other, key: otherKey)
    try await stack.withGateway { api in
      let signed = try await api.petitions.signPetition(
        signRequest(petition, email: "ids@example.org") { $0.signer.identifiers = ["acme_crm:12345", "acme_crm:12345"] },
        metadata: bearer(key))
      let supporter = signed.signature.supporter
      let read = try await api.supporters.getSupporter(.with { $0.name = supporter }, metadata: bearer(key)).supporter
      #expect(read.identifiers == ["acme_crm:12345"])
      #expect(try await Self.find(api, organization, identifier: "acme_crm:12345", key: key).name == supporter)

      // Attached later: sorted, a repeat changes nothing.
      let attached = try await Self.attach(api, supporter, organization, ["van:77-a", "acme_crm:12345"], key: key)
      #expect(attached.identifiers == ["acme_crm:12345", "van:77-a"])

      // The same person signs the other organization's petition: it knows
      // them, without the first organization's identifiers, and may use the
      // same identifier text for its own person.
      let elsewhere = try await api.petitions.signPetition(
        signRequest(otherPetition, email: "ids@example.org") { $0.signer.identifiers = ["acme_crm:12345"] }, metadata: bearer(otherKey))
      #expect(elsewhere.signature.supporter == supporter)
      let seenByOther = try await Self.find(api, other, identifier: "acme_crm:12345", key: otherKey)
      #expect(seenByOther.identifiers == ["acme_crm:12345"])
      let notTheirs = await rpcError { _ = try await Self.find(api, other, identifier: "van:77-a", key: otherKey) }
      #expect(notTheirs?.code == .notFound)
      let strangers = await rpcError {
        _ = try await Self.attach(api, supporter, organization, ["x:1"], key: otherKey)
      }
      #expect(strangers?.code == .permissionDenied, "another organization's name as `organization`")

      // Another supporter may not take an identifier already attached:
      // neither later nor when signing, and that signature is not recorded.
      let second = try await sign(api, petition, email: "second@example.org", key: key)
      let taken = await rpcError { _ = try await Self.attach(api, second.signature.supporter, organization, ["van:77-a"], key: key) }
      #expect(taken?.code == .alreadyExists)
      #expect(taken?.message.contains("DetachIdentifiers") == true)
      let before = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
      let signTaken = await rpcError {
        _ = try await api.petitions.signPetition(
          signRequest(petition, email: "third@example.org") { $0.signer.identifiers = ["acme_crm:12345"] }, metadata: bearer(key))
      }
      #expect(signTaken?.code == .alreadyExists)
      let after = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
      #expect(after == before, "a refused signer records nothing")
      let third = await rpcError {
        _ = try await api.supporters.findSupporter(
          .with {
            $0.parent = organization
            $0.email = "third@example.org"
          }, metadata: bearer(key))
      }
      #expect(third?.code == .notFound, "the refused signer was not stored either")

      // Detached, it is free for another supporter.
      let detached = try await api.supporters.detachIdentifiers(
        .with {
          $0.supporter = supporter
          $0.organization = organization
          $0.identifiers = ["van:77-a", "never:attached"]
        }, metadata: bearer(key)
      ).supporter
      #expect(detached.identifiers == ["acme_crm:12345"])
      let moved = try await Self.attach(api, second.signature.supporter, organization, ["van:77-a"], key: key)
      #expect(moved.identifiers == ["van:77-a"])
    }
  }

  @Test func badIdentifiersAreRefusedByField() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let signed = try await sign(api, petition, email: "bad-ids@example.org", key: key)
      for bad in ["no-colon", "Upper:1", "1crm:1", "crm:", ":1", "crm:has space", "crm:é", String(repeating: "a", count: 33) + ":1",
        "crm:" + String(repeating: "9", count: 129)]
      {
        let error = await rpcError { _ = try await Self.attach(api, signed.signature.supporter, organization, [bad], key: key) }
        #expect(error?.code == .invalidArgument, "\(bad)")
        #expect(badFields(error) == ["identifiers[0]"], "\(bad)")
      }
      let none = await rpcError { _ = try await Self.attach(api, signed.signature.supporter, organization, [], key: key) }
      #expect(badFields(none) == ["identifiers"])
      let many = await rpcError {
        _ = try await Self.attach(api, signed.signature.supporter, organization, (0..<21).map { "crm:\($0)" }, key: key)
      }
      #expect(badFields(many) == ["identifiers"])
      let signing = await rpcError {
        _ = try await api.petitions.signPetition(
          signRequest(petition, email: "six@example.org") { $0.signer.identifiers = (0..<6).map { "crm:\($0)" } }, metadata: bearer(key))
      }
      #expect(badFields(signing) == ["signer.identifiers"])
      let both = await rpcError {
        _ = try await api.supporters.findSupporter(
          .with {
            $0.parent = organization
            $0.email = "bad-ids@example.org"
            $0.identifier = "crm:1"
          }, metadata: bearer(key))
      }
      #expect(badFields(both) == ["email"])
      // 20 at most per supporter and organization.
      _ = try await Self.attach(api, signed.signature.supporter, organization, (0..<20).map { "crm:\($0)" }, key: key)
      let full = await rpcError { _ = try await Self.attach(api, signed.signature.supporter, organization, ["crm:20"], key: key) }
      #expect(full?.code == .failedPrecondition)
    }
  }

  @Test func importsAttachThemAndATakenOneRefusesOnlyItsItem() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      func item(_ email: String, _ identifier: String) -> Groundswell_Petition_V1_ImportedSignature {
        .with {
          $0.signer = .with {
            $0.email = email
            $0.givenName = "Paper"
            $0.identifiers = [identifier]
          }
          $0.signTime = .init(date: Date(timeIntervalSince1970: 1_790_000_000))
        }
      }
      let response = try await api.petitions.importSignatures(
        .with {
          $0.petition = petition
          $0.signatures = [item("paper1@example.org", "paper:1"), item("paper2@example.org", "paper:1"), item("paper3@example.org", "paper:3")]
        }, metadata: bearer(key))
      #expect(response.results.map(\.outcome) == [.signed, .invalid, .signed])
      #expect(response.results[1].violations.map(\.field) == ["signer.identifiers"])
      #expect(try await Self.find(api, organization, identifier: "paper:1", key: key).email == "paper1@example.org")
      #expect(try await Self.find(api, organization, identifier: "paper:3", key: key).email == "paper3@example.org")
    }
  }

  @Test func eventsCarryEachOrganizationsOwnIdentifiersToKeysThatMayReadSupporters() async throws {
    let stack = try await sharedStack.value
    let (owner, ownerKey) = try await stack.makeOrganization()
    let (partner, partnerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: ownerKey)
    let narrowKey = try await stack.makeKey(organization: partner, scopes: [.petitionsRead])
    try await stack.withGateway { api in
      // The partner collects the signature with its id; the owner attaches its own later.
      let signed = try await api.petitions.signPetition(
        signRequest(petition, email: "evented@example.org") { $0.signer.identifiers = ["partner_crm:p-1"] }, metadata: bearer(partnerKey))
      _ = try await Self.attach(api, signed.signature.supporter, owner, ["owner_crm:o-1"], key: ownerKey)

      let (partnerEvents, _) = try await EventTests.collect(api, key: partnerKey, count: 1)
      try #require(partnerEvents.count == 1)
      #expect(partnerEvents[0].identifiers == ["partner_crm:p-1"])
      #expect(partnerEvents[0].supporter.isEmpty, "the signer's name stays the owner's to see")
      let (ownerEvents, _) = try await EventTests.collect(api, key: ownerKey, count: 2)
      let ownerSigned = try #require(ownerEvents.first { $0.type == .signatureCreated })
      #expect(ownerSigned.identifiers == ["owner_crm:o-1"])
      #expect(ownerSigned.supporter == signed.signature.supporter)
      let (narrow, _) = try await EventTests.collect(api, key: narrowKey, count: 1)
      try #require(narrow.count == 1)
      #expect(narrow[0].identifiers.isEmpty, "a key without supporters.read gets none")

      // Exported with the record; erased with it.
      let export = try await api.supporters.exportSupporter(
        .with {
          $0.name = signed.signature.supporter
          $0.organization = partner
        }, metadata: bearer(partnerKey)
      ) { response in
        var lines: [String] = []
        for try await message in response.messages { lines.append(message.json) }
        return lines
      }
      let person = try JSONSerialization.jsonObject(with: Data(try #require(export.first).utf8)) as? [String: Any]
      #expect(person?["identifiers"] as? [String] == ["partner_crm:p-1"])
      _ = try await erase(api, signed.signature.supporter, in: partner, key: partnerKey)
      let gone = await rpcError { _ = try await Self.find(api, partner, identifier: "partner_crm:p-1", key: partnerKey) }
      #expect(gone?.code == .notFound)
      #expect(try await Self.find(api, owner, identifier: "owner_crm:o-1", key: ownerKey).name == signed.signature.supporter)
    }
  }

  @Test func aWebhookCarriesIdentifiersOnlyWhenAKeyThatMayReadSupportersAsks() async throws {
    let stack = try await sharedStack.value
    let (organization, _) = try await stack.makeOrganization()
    let hooksOnly = try await stack.makeKey(organization: organization, scopes: [.webhooksManage])
    try await stack.withGateway { api in
      let refused = await rpcError {
        _ = try await Groundswell_Gateway_V1_WebhookService.Client(wrapping: api.client).createWebhook(
          .with {
            $0.webhook = .with {
              $0.url = "https://hooks.example.org/groundswell"
              $0.includeIdentifiers = true
            }
          }, metadata: bearer(hooksOnly))
      }
      #expect(refused?.code == .permissionDenied)
      #expect(refused?.message.contains("supporters.read") == true)
    }
  }
}
