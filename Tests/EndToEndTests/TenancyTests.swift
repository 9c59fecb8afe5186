import Foundation
import GRPCCore
import GRPCProtobuf
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import GRDB
import SupporterService
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
      func history(_ name: String, _ key: String) async -> RPCError? {
        await rpcError {
          _ = try await api.totals.getSignatureHistory(
            .with {
              $0.name = name
              $0.granularity = .hour
            }, metadata: bearer(key))
        }
      }
      #expect(await batch(draft, ownerKey) == nil)
      for probe in [batch, watch, history] {
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

/// One identity per person, details per organization.
@Suite struct SupporterRecordTests {
  static func sign(
    _ api: GatewayAPI, _ petition: String, key: String, email: String, given: String, family: String = "",
    country: String = "", postalCode: String = "", comment: String = ""
  ) async throws -> Groundswell_Petition_V1_SignPetitionResponse {
    try await api.petitions.signPetition(
      signRequest(petition, email: email, given: given, family: family, country: country, postal: postalCode) {
        $0.comment = comment
      }, metadata: bearer(key))
  }

  /// B signing its own petition with A's supporter's email neither rewrites
  /// what A holds nor shows B what A was given.
  @Test func eachOrganizationReadsOnlyTheDetailsGivenToIt() async throws {
    let stack = try await sharedStack.value
    let (a, aKey) = try await stack.makeOrganization()
    let (b, bKey) = try await stack.makeOrganization()
    let aPetition = try await stack.makeOpenPetition(organization: a, key: aKey)
    let bPetition = try await stack.makeOpenPetition(organization: b, key: bKey)
    let email = "person-\(UUID().uuidString.prefix(8))@example.org"
    try await stack.withGateway { api in
      let first = try await Self.sign(api, aPetition, key: aKey, email: email, given: "Ana", family: "Rivera", country: "US", postalCode: "06103")
      let supporter = first.signature.supporter
      let before = try await api.supporters.getSupporter(.with { $0.name = supporter }, metadata: bearer(aKey)).supporter
      #expect(before.givenName == "Ana")
      #expect(before.postalCode == "06103")
      #expect(before.region == "US-CT")

      // B's signer has no country: B must not see A's postal code or region.
      let second = try await Self.sign(api, bPetition, key: bKey, email: email.uppercased(), given: "Bea", family: "Other")
      #expect(second.signature.supporter == supporter, "one identity per person")
      let asB = try await api.supporters.getSupporter(.with { $0.name = supporter }, metadata: bearer(bKey)).supporter
      #expect(asB.givenName == "Bea")
      #expect(asB.familyName == "Other")
      #expect(asB.postalCode == "")
      #expect(asB.region == "")
      #expect(asB.country == "")

      // A still reads what it was given.
      let after = try await api.supporters.getSupporter(.with { $0.name = supporter }, metadata: bearer(aKey)).supporter
      #expect(after.givenName == "Ana")
      #expect(after.familyName == "Rivera")
      #expect(after.postalCode == "06103")
      #expect(after.region == "US-CT")
      let listed = try await api.supporters.listSupporters(.with { $0.parent = a }, metadata: bearer(aKey)).supporters
      #expect(listed.first { $0.name == supporter }?.givenName == "Ana")
      let listedByB = try await api.supporters.listSupporters(.with { $0.parent = b }, metadata: bearer(bKey)).supporters
      #expect(listedByB.first { $0.name == supporter }?.givenName == "Bea")

      // B giving a new place changes only B's record.
      _ = try await Self.sign(api, bPetition, key: bKey, email: email, given: "Bea", country: "US", postalCode: "10001")
      #expect(try await api.supporters.getSupporter(.with { $0.name = supporter }, metadata: bearer(aKey)).supporter.postalCode == "06103")
      #expect(try await api.supporters.getSupporter(.with { $0.name = supporter }, metadata: bearer(bKey)).supporter.postalCode == "10001")
    }
  }

  /// B signing A's petition with a person's email learns nothing about
  /// whether they signed: the answer looks like a first signature and counts
  /// nothing. A (the owner) and the collector of the first signature see the
  /// repeat as a repeat.
  @Test func signingIsNoOracleOnWhoSigned() async throws {
    let stack = try await sharedStack.value
    let (a, aKey) = try await stack.makeOrganization()
    let (_, bKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: a, key: aKey)
    let victim = "victim-\(UUID().uuidString.prefix(8))@example.org"
    try await stack.withGateway { api in
      let first = try await Self.sign(api, petition, key: aKey, email: victim, given: "Vic", comment: "a private reason")
      #expect(!first.alreadySigned)
      let count = first.signatureCount

      let probe = try await Self.sign(api, petition, key: bKey, email: victim, given: "Probe", comment: "probing")
      #expect(!probe.alreadySigned)
      #expect(probe.signature.name != first.signature.name)
      #expect(probe.signature.comment == "probing")
      #expect(probe.signature.collectedBy != a)
      #expect(probe.signatureCount == count, "a repeat counts nothing")
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(aKey)).petition
      #expect(stored.signatureCount == count)

      // A fresh person through B looks the same.
      let fresh = try await Self.sign(api, petition, key: bKey, email: "fresh-\(UUID().uuidString.prefix(8))@example.org", given: "New")
      #expect(!fresh.alreadySigned)
      #expect(fresh.signatureCount == count + 1)

      // The owner sees the repeat, with the first signature.
      let again = try await Self.sign(api, petition, key: aKey, email: victim, given: "Vic")
      #expect(again.alreadySigned)
      #expect(again.signature.name == first.signature.name)
      #expect(again.signature.comment == "a private reason")

      // The collector of a signature sees its own repeat.
      let collected = "collected-\(UUID().uuidString.prefix(8))@example.org"
      let mine = try await Self.sign(api, petition, key: bKey, email: collected, given: "Col")
      let mineAgain = try await Self.sign(api, petition, key: bKey, email: collected, given: "Col")
      #expect(mineAgain.alreadySigned)
      #expect(mineAgain.signature.name == mine.signature.name)
    }
  }
}

/// A supporter-service database from before per-organization records: each
/// organization that knew a supporter gets the details stored last, and the
/// shared row keeps only the identity.
@Test func supporterDetailsMigrateToEachOrganizationsRecord() async throws {
  let directory = NSTemporaryDirectory() + "groundswell-migrate-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  do {
    let queue = try DatabaseQueue(path: directory + "/supporter.sqlite")
    var migrator = DatabaseMigrator()
    // The schema as shipped in migrations 1 and 2.
    migrator.registerMigration("1 supporters") { db in
      try db.execute(sql: """
        CREATE TABLE supporters (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, given_name TEXT NOT NULL,
          family_name TEXT NOT NULL, create_time INTEGER NOT NULL);
        CREATE TABLE supporter_organizations (supporter_id TEXT NOT NULL REFERENCES supporters(id),
          organization TEXT NOT NULL, first_seen_time INTEGER NOT NULL, PRIMARY KEY (supporter_id, organization));
        """)
    }
    migrator.registerMigration("2 places and consent") { db in
      try db.execute(sql: """
        ALTER TABLE supporters ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
        ALTER TABLE supporters ADD COLUMN country TEXT NOT NULL DEFAULT '';
        ALTER TABLE supporters ADD COLUMN region TEXT NOT NULL DEFAULT '';
        CREATE INDEX supporters_by_organization ON supporter_organizations (organization);
        CREATE TABLE consents (supporter_id TEXT NOT NULL REFERENCES supporters(id), organization TEXT NOT NULL,
          opted_in INTEGER NOT NULL, opt_in_time INTEGER, opt_in_source TEXT NOT NULL DEFAULT '', opt_out_time INTEGER,
          opt_out_source TEXT NOT NULL DEFAULT '', PRIMARY KEY (supporter_id, organization));
        CREATE INDEX consents_by_organization ON consents (organization, opted_in);
        """)
    }
    try migrator.migrate(queue)
    try await queue.write { db in
      try db.execute(sql: """
        INSERT INTO supporters VALUES ('s1', 'ana@example.org', 'Ana', 'Rivera', 1000, '06103', 'US', 'US-CT');
        INSERT INTO supporter_organizations VALUES ('s1', 'organizations/a', 1000), ('s1', 'organizations/b', 2000);
        """)
    }
  }
  let repository = try SQLiteSupporterRepository(directory: directory)
  for organization in ["organizations/a", "organizations/b"] {
    let record = try #require(try await repository.supporter(id: "s1", knownTo: organization))
    #expect(record.givenName == "Ana")
    #expect(record.postalCode == "06103")
    #expect(record.region == "US-CT")
    #expect(record.email == "ana@example.org")
  }
  #expect(try await repository.supporter(id: "s1", knownTo: "organizations/c") == nil)
  let shared = try DatabaseQueue(path: directory + "/supporter.sqlite")
  let leftover = try await shared.read { db in
    try String.fetchOne(db, sql: "SELECT given_name || family_name || postal_code || country || region FROM supporters")
  }
  #expect(leftover == "")
}

/// Joining a coalition and lending a petition take the other side's
/// acceptance; a member can always leave and an owner always withdraw.
@Test func coalitionsNeedConsentAndCanAlwaysBeLeft() async throws {
  let stack = try await sharedStack.value
  let (a, aKey) = try await stack.makeOrganization()
  let (b, bKey) = try await stack.makeOrganization()
  let aPetition = try await stack.makeOpenPetition(organization: a, key: aKey)
  try await stack.withGateway { api in
    _ = try await SupporterRecordTests.sign(api, aPetition, key: aKey, email: "coalition-\(UUID().uuidString.prefix(8))@example.org", given: "Cy")
    let campaign = try await api.campaigns.createCampaign(
      .with {
        $0.parent = b
        $0.campaign = .with { $0.title = "B's campaign" }
      }, metadata: bearer(bKey)
    ).campaign.name
    // B invites A and offers A's petition: neither counts yet.
    let invited = try await api.campaigns.addCoalitionMember(
      .with {
        $0.campaign = campaign
        $0.member = .with {
          $0.organization = a
          $0.role = .partner
        }
      }, metadata: bearer(bKey)
    ).campaign
    #expect(invited.members.first { $0.organization == a }?.state == .invited)
    let offered = try await api.campaigns.addCampaignPetition(
      .with {
        $0.campaign = campaign
        $0.petition = aPetition
      }, metadata: bearer(bKey)
    ).campaign
    #expect(offered.petitions == [])
    #expect(offered.proposedPetitions == [aPetition])
    let before = try await liveTotals(api, campaign, key: bKey)
    #expect(before.petitionCount == 0)
    #expect(before.signatureCount == 0)
    let aTotals = try await api.totals.getOrganizationTotals(.with { $0.organization = a }, metadata: bearer(aKey)).totals
    #expect(aTotals.campaignCount == 0, "an invitation does not make A a member")

    // B cannot accept for A.
    let forged = await rpcError {
      _ = try await api.campaigns.acceptCampaignPetition(
        .with {
          $0.campaign = campaign
          $0.petition = aPetition
        }, metadata: bearer(bKey))
    }
    #expect(forged?.code == .permissionDenied)

    // A accepts both: now they count.
    let joined = try await api.campaigns.acceptCoalitionInvitation(.with { $0.campaign = campaign }, metadata: bearer(aKey)).campaign
    #expect(joined.members.first { $0.organization == a }?.state == .joined)
    let lent = try await api.campaigns.acceptCampaignPetition(
      .with {
        $0.campaign = campaign
        $0.petition = aPetition
      }, metadata: bearer(aKey)
    ).campaign
    #expect(lent.petitions == [aPetition])
    let counted = try await liveTotals(api, campaign, key: bKey) { $0.petitionCount == 1 && $0.signatureCount == 1 }
    #expect(counted.petitionCount == 1)

    // A takes its petition back and leaves, without being an organizer.
    let withdrawn = try await api.campaigns.removeCampaignPetition(
      .with {
        $0.campaign = campaign
        $0.petition = aPetition
      }, metadata: bearer(aKey)
    ).campaign
    #expect(withdrawn.petitions == [])
    let left = try await api.campaigns.removeCoalitionMember(
      .with {
        $0.campaign = campaign
        $0.organization = a
      }, metadata: bearer(aKey)
    ).campaign
    #expect(!left.members.contains { $0.organization == a })
    let after = try await liveTotals(api, campaign, key: bKey) { $0.petitionCount == 0 }
    #expect(after.signatureCount == 0)
  }
}
