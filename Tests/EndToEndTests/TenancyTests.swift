import Foundation
import GRPCCore
import GRPCProtobuf
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Testing

/// Tenants kept apart: what one organization can learn or change about
/// another's petitions, campaigns and people, tried as a partner would.
@Suite struct TenancyTests {
  /// "Not yours" answers exactly like "does not exist", for every RPC that
  /// takes a petition name, a draft's included.
  @Test func anotherOrganizationsDraftAnswersLikeANameThatDoesNotExist() async throws {
    let stack = try await sharedStack.value
    let (owner, ownerKey) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let draft = try await api.petitions.createPetition(
        .with {
          $0.parent = owner
          $0.petition = .with { $0.title = "Not published yet" }
        }, metadata: bearer(ownerKey)
      ).petition.name
      let madeUp = "petitions/" + ResourceName.newID()
      func batch(_ name: String, _ key: String) async -> RPCError? {
        await rpcError { _ = try await api.petitions.batchGetSignatureCounts(.with { $0.petitions = [name] }, metadata: bearer(key)) }
      }
      func watch(_ name: String, _ key: String) async -> RPCError? {
        // UNAVAILABLE only while the gateway's count feed connects.
        for _ in 0..<50 {
          let error = await rpcError {
            try await api.petitions.watchSignatureCounts(.with { $0.petitions = [name] }, metadata: bearer(key)) { response in
              for try await _ in response.messages { return }
            }
          }
          if error?.code != .unavailable { return error }
          try? await Task.sleep(for: .milliseconds(100))
        }
        return RPCError(code: .unavailable, message: "the gateway's count feed never connected")
      }
      #expect(await batch(draft, ownerKey) == nil)
      for probe in [batch, watch] {
        let hidden = await probe(draft, otherKey)
        let absent = await probe(madeUp, otherKey)
        #expect(hidden?.code == .notFound, "\(String(describing: hidden))")
        #expect(absent?.code == .notFound)
        #expect(hidden?.message.replacingOccurrences(of: draft, with: "X") == absent?.message.replacingOccurrences(of: madeUp, with: "X"))
      }
    }
  }

  @Test func organizationTotalsOfAnOrganizationThatDoesNotExistAreNotFound() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let none = await rpcError {
        _ = try await api.totals.getOrganizationTotals(.with { $0.organization = "organizations/no-such-org" }, metadata: bearer(key))
      }
      #expect(none?.code == .notFound)
      #expect(none?.message.contains("organizations/no-such-org") == true)
      // One that exists, with no campaigns yet, has zero totals.
      let totals = try await api.totals.getOrganizationTotals(.with { $0.organization = organization }, metadata: bearer(key))
      #expect(totals.totals.signatureCount == 0)
    }
  }

  @Test func aPublishedPetitionKeepsATarget() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let emptied = await rpcError {
        _ = try await api.petitions.updatePetition(
          .with {
            $0.petition = .with { $0.name = petition }
            $0.updateMask = .with { $0.paths = ["targets"] }
          }, metadata: bearer(key))
      }
      #expect(emptied?.code == .invalidArgument)
      #expect(badFields(emptied) == ["petition.targets"])
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.targets.count == 1)
      // Replacing the target is fine.
      let replaced = try await api.petitions.updatePetition(
        .with {
          $0.petition = .with {
            $0.name = petition
            $0.targets = [.with {
              $0.displayName = "Sam Example"
              $0.office = "Attorney General"
              $0.jurisdiction = "US-CT"
            }]
          }
          $0.updateMask = .with { $0.paths = ["targets"] }
        }, metadata: bearer(key)).petition
      #expect(replaced.targets.map(\.displayName) == ["Sam Example"])
    }
  }

  /// A campaign that CreateCampaign returned is never NOT_FOUND for its
  /// totals, however soon they are asked for.
  @Test func aNewCampaignsTotalsAreNeverNotFound() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      for round in 0..<10 {
        let campaign = try await api.campaigns.createCampaign(
          .with {
            $0.parent = organization
            $0.campaign = .with { $0.title = "Fresh campaign \(round)" }
          }, metadata: bearer(key)
        ).campaign.name
        if round % 2 == 0 {
          let totals = try await api.totals.getCampaignTotals(.with { $0.campaign = campaign }, metadata: bearer(key))
          #expect(totals.totals.campaign == campaign)
        } else {
          let first: Groundswell_Gateway_V1_WatchCampaignTotalsResponse? = try await api.totals.watchCampaignTotals(
            .with { $0.campaigns = [campaign] }, metadata: bearer(key)
          ) { response in
            for try await message in response.messages { return message }
            return nil
          }
          #expect(first?.totals.map(\.campaign) == [campaign])
        }
      }
      let missing = await rpcError {
        _ = try await api.totals.getCampaignTotals(.with { $0.campaign = "campaigns/no-such-campaign" }, metadata: bearer(key))
      }
      #expect(missing?.code == .notFound)
    }
  }
}
