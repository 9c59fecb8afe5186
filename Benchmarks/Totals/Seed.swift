import ArgumentParser
import CampaignService
import Foundation
import GRDB
import GroundswellModel
import PetitionService

/// Writes the benchmark's data straight into petition-service's and
/// campaign-service's SQLite files (after their own migrations ran), in a
/// few large transactions: going through the API would take far longer
/// than the measurement and is not what is measured.
struct Seed: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Seeds petition-service's and campaign-service's databases.")

  @Option(help: "The data root: petition-service/ and campaign-service/ go below it.") var data: String
  @Option(help: "Campaigns to create.") var campaigns = 10_000
  @Option(help: "Petitions to create; each campaign holds petitions/campaigns of them.") var petitions = 100_000
  @Option(help: "Signatures per petition.") var signaturesPerPetition = 10
  @Option(help: "Supporters to draw signers from (fewer than signatures, so people sign several petitions).") var supporters = 400_000
  @Option(help: "Organizations owning the petitions and campaigns.") var organizations = 1_000

  func run() async throws {
    let started = Date()
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let supporterIDs = (0..<supporters).map { _ in "supporters/" + ResourceName.newID() }

    _ = try SQLitePetitionRepository(directory: "\(data)/petition-service")
    let petitionDB = try DatabaseQueue(path: "\(data)/petition-service/petition.sqlite")
    try await petitionDB.write { db in
      var random = SystemRandomNumberGenerator()
      // Each supporter's local key is their index + 1.
      for supporter in supporterIDs {
        try db.execute(sql: "INSERT INTO signers (supporter) VALUES (?)", arguments: [supporter])
      }
      for index in 0..<petitions {
        let id = String(format: "p%07d", index)
        let organization = String(format: "organizations/org%05d", index % organizations)
        try db.execute(
          sql: """
            INSERT INTO petitions (id, organization, title, summary, body, state, create_time, update_time, publish_time)
            VALUES (?, ?, ?, '', '', 2, ?, ?, ?)
            """,
          arguments: [id, organization, "Benchmark petition \(index)", now, now, now])
        var signers = Set<Int>()
        while signers.count < signaturesPerPetition { signers.insert(Int.random(in: 0..<supporters, using: &random)) }
        var last: Int64 = 0
        for signer in signers {
          // Signatures spread over the last two days, so history and trending have data.
          let time = now - Int64.random(in: 0..<(2 * 86_400_000), using: &random)
          last = max(last, time)
          try db.execute(
            sql: "INSERT INTO signatures (id, petition_id, supporter, signer, create_time) VALUES (?, ?, ?, ?, ?)",
            arguments: [ResourceName.newID(), id, supporterIDs[signer], signer + 1, time])
        }
        try db.execute(
          sql: """
            INSERT INTO petition_counters (petition_id, signature_count, update_time, version, last_signature_time)
            VALUES (?, ?, ?, ?, ?)
            """,
          arguments: [id, signers.count, now, signers.count, last])
      }
      for size in HistoryBucketSize.allCases {
        try db.execute(sql: """
          INSERT INTO signatures_per_\(size.rawValue) (petition_id, bucket_start, signature_count)
            SELECT petition_id, (create_time / 1000) - ((create_time / 1000) % \(size.seconds)), COUNT(*)
            FROM signatures GROUP BY 1, 2
          """)
      }
    }
    print("seeded \(petitions) petitions with \(petitions * signaturesPerPetition) signatures by up to \(supporters) supporters")

    _ = try SQLiteCampaignStore(directory: "\(data)/campaign-service")
    let campaignDB = try DatabaseQueue(path: "\(data)/campaign-service/campaign.sqlite")
    let perCampaign = max(petitions / campaigns, 1)
    try await campaignDB.write { db in
      for index in 0..<organizations {
        try db.execute(
          sql: "INSERT INTO organizations (id, display_name, description, website_uri, create_time) VALUES (?, ?, '', '', ?)",
          arguments: [String(format: "org%05d", index), "Benchmark organization \(index)", now])
      }
      for index in 0..<campaigns {
        let id = String(format: "c%06d", index)
        let organization = String(format: "organizations/org%05d", index % organizations)
        try db.execute(
          sql: "INSERT INTO campaigns (id, organization, title, description, create_time, update_time) VALUES (?, ?, ?, '', ?, ?)",
          arguments: [id, organization, "Benchmark campaign \(index)", now, now])
        try db.execute(
          sql: "INSERT INTO campaign_members (campaign_id, organization, role, jurisdiction, join_time) VALUES (?, ?, 1, '', ?)",
          arguments: [id, organization, now])
        for position in 0..<perCampaign {
          try db.execute(
            sql: "INSERT INTO campaign_petitions (campaign_id, petition, position) VALUES (?, ?, ?)",
            arguments: [id, String(format: "petitions/p%07d", (index * perCampaign + position) % petitions), position + 1])
        }
      }
    }
    print("seeded \(campaigns) campaigns of \(perCampaign) petitions each, \(organizations) organizations")
    print(String(format: "seeding took %.1f s", Date().timeIntervalSince(started)))
  }
}
