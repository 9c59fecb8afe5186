import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// `OrganizationRepository` and `CampaignRepository` on the service's own
/// SQLite file.
public struct SQLiteCampaignStore: OrganizationRepository, CampaignRepository {
  let pool: DatabasePool

  public init(directory: String) throws {
    pool = try SQLiteDatabase.open(directory: directory, file: "campaign.sqlite") { migrator in
      migrator.registerMigration("1 organizations and campaigns") { db in
        try db.execute(sql: """
          CREATE TABLE organizations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            description TEXT NOT NULL,
            website_uri TEXT NOT NULL,
            create_time INTEGER NOT NULL
          );
          CREATE TABLE campaigns (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            organization TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            update_time INTEGER NOT NULL
          );
          CREATE INDEX campaigns_by_organization ON campaigns (organization, seq);
          CREATE TABLE campaign_petitions (
            campaign_id TEXT NOT NULL REFERENCES campaigns(id),
            petition TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (campaign_id, petition)
          );
          """)
      }
      migrator.registerMigration("2 coalitions, demands, actions, endorsements") { db in
        try db.execute(sql: """
          ALTER TABLE campaigns ADD COLUMN hashtag TEXT NOT NULL DEFAULT '';
          ALTER TABLE campaigns ADD COLUMN state INTEGER NOT NULL DEFAULT 1;
          ALTER TABLE campaigns ADD COLUMN start_time INTEGER;
          ALTER TABLE campaigns ADD COLUMN end_time INTEGER;
          ALTER TABLE campaigns ADD COLUMN demands TEXT NOT NULL DEFAULT '[]';
          ALTER TABLE campaigns ADD COLUMN actions TEXT NOT NULL DEFAULT '[]';
          ALTER TABLE campaigns ADD COLUMN endorsement_count INTEGER NOT NULL DEFAULT 0;
          CREATE TABLE campaign_members (
            campaign_id TEXT NOT NULL REFERENCES campaigns(id),
            organization TEXT NOT NULL,
            role INTEGER NOT NULL,
            jurisdiction TEXT NOT NULL,
            join_time INTEGER NOT NULL,
            PRIMARY KEY (campaign_id, organization)
          );
          INSERT INTO campaign_members (campaign_id, organization, role, jurisdiction, join_time)
            SELECT id, organization, 1, '', create_time FROM campaigns;
          CREATE TABLE endorsements (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            campaign_id TEXT NOT NULL REFERENCES campaigns(id),
            endorser_key TEXT NOT NULL,
            organization TEXT NOT NULL,
            display_name TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            UNIQUE (campaign_id, endorser_key)
          );
          """)
      }
      migrator.registerMigration("3 campaign versions") { db in
        try db.execute(sql: "ALTER TABLE campaigns ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
      }
      // Before times were range-checked, an action's event time (stored in
      // the actions JSON as seconds since 2001-01-01) could be anything, and
      // an extreme one crashed every reader. Clamp stored times into the
      // API's range, 1970-01-01 to 9999-12-31T23:59:59Z.
      migrator.registerMigration("4 clamp stored times into the API's range") { db in
        try db.execute(sql: """
          UPDATE campaigns SET actions = (
            SELECT json_group_array(CASE
              WHEN json_type(value, '$.eventTime') IN ('integer', 'real')
                AND json_extract(value, '$.eventTime') > 252423993599
                THEN json_set(value, '$.eventTime', 252423993599)
              WHEN json_type(value, '$.eventTime') IN ('integer', 'real')
                AND json_extract(value, '$.eventTime') < -978307200
                THEN json_set(value, '$.eventTime', -978307200)
              ELSE json(value) END)
            FROM json_each(campaigns.actions))
          WHERE EXISTS (
            SELECT 1 FROM json_each(campaigns.actions)
            WHERE json_type(value, '$.eventTime') IN ('integer', 'real')
              AND json_extract(value, '$.eventTime') NOT BETWEEN -978307200 AND 252423993599);
          UPDATE campaigns SET start_time = MIN(MAX(start_time, 0), 253402300799999)
            WHERE start_time NOT BETWEEN 0 AND 253402300799999;
          UPDATE campaigns SET end_time = MIN(MAX(end_time, 0), 253402300799999)
            WHERE end_time NOT BETWEEN 0 AND 253402300799999;
          """)
      }
      // Joining a coalition and lending a petition take the other side's
      // acceptance. Memberships and petitions from before were made without
      // it and stay as they were (joined, accepted); any member may leave and
      // any owner withdraw its petition.
      migrator.registerMigration("5 invitations and proposals") { db in
        try db.execute(sql: """
          ALTER TABLE campaign_members ADD COLUMN joined INTEGER NOT NULL DEFAULT 1;
          ALTER TABLE campaign_petitions ADD COLUMN accepted INTEGER NOT NULL DEFAULT 1;
          """)
      }
      // Partner events of membership changes, written with the change and
      // relayed to petition-service's event streams (see CampaignEvents).
      migrator.registerMigration("6 event outbox") { db in
        try db.execute(sql: """
          CREATE TABLE event_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            organization TEXT NOT NULL,
            body BLOB NOT NULL,
            create_time INTEGER NOT NULL
          );
          """)
      }
    }
  }

  // MARK: organizations

  public func create(_ organization: OrganizationRecord) async throws -> OrganizationRecord? {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: """
          INSERT OR IGNORE INTO organizations (id, display_name, description, website_uri, create_time)
          VALUES (?, ?, ?, ?, ?)
          """,
        arguments: [organization.id, organization.displayName, organization.description, organization.websiteURI,
                    organization.createTime.millisecondsSince1970])
      guard db.changesCount == 1 else { return nil }
      return try Self.fetchOrganization(db, id: organization.id)
    }
  }

  public func organization(id: String) async throws -> OrganizationRecord? {
    try await pool.tracedRead { try Self.fetchOrganization($0, id: id) }
  }

  public func organizations(after: Int64, limit: Int) async throws -> (organizations: [OrganizationRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM organizations WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit + 1])
      return (rows.prefix(limit).map(Self.organizationRecord), rows.count > limit)
    }
  }

  private static func fetchOrganization(_ db: Database, id: String) throws -> OrganizationRecord? {
    try Row.fetchOne(db, sql: "SELECT * FROM organizations WHERE id = ?", arguments: [id]).map(organizationRecord)
  }

  private static func organizationRecord(_ row: Row) -> OrganizationRecord {
    OrganizationRecord(
      id: row["id"], displayName: row["display_name"], description: row["description"],
      websiteURI: row["website_uri"], createTime: Date(millisecondsSince1970: row["create_time"]), sequence: row["seq"])
  }

  // MARK: campaigns

  public func create(_ campaign: CampaignRecord) async throws -> CampaignRecord? {
    try await pool.tracedWrite { db in
      let now = campaign.createTime.millisecondsSince1970
      try db.execute(
        sql: """
          INSERT OR IGNORE INTO campaigns (id, organization, title, description, create_time, update_time)
          VALUES (?, ?, ?, ?, ?, ?)
          """,
        arguments: [campaign.id, campaign.organization, campaign.title, campaign.description, now, now])
      guard db.changesCount == 1 else { return nil }
      var stored = campaign
      stored.members = [MemberRecord(organization: campaign.organization, role: .creator, jurisdiction: "", joinTime: campaign.createTime)]
      try Self.write(db, stored, now: campaign.createTime)
      return try Self.fetchCampaign(db, id: campaign.id)
    }
  }

  public func campaign(id: String) async throws -> CampaignRecord? {
    try await pool.tracedRead { try Self.fetchCampaign($0, id: id) }
  }

  public func campaigns(organization: String?, after: Int64, limit: Int) async throws -> (campaigns: [CampaignRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows: [Row]
      if let organization {
        rows = try Row.fetchAll(
          db, sql: "SELECT * FROM campaigns WHERE organization = ? AND seq > ? ORDER BY seq LIMIT ?",
          arguments: [organization, after, limit + 1])
      } else {
        rows = try Row.fetchAll(
          db, sql: "SELECT * FROM campaigns WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit + 1])
      }
      let campaigns = try rows.prefix(limit).map { try Self.campaignRecord(db, $0) }
      return (campaigns, rows.count > limit)
    }
  }

  public func setPetition(
    _ petition: String, in campaignID: String, member: Bool, accepted: Bool, petitionOrganization: String?, now: Date
  ) async throws -> CampaignRecord? {
    try await pool.tracedWrite { db in
      guard let before = try Self.fetchCampaign(db, id: campaignID) else { return nil }
      if member {
        try db.execute(
          sql: """
            INSERT INTO campaign_petitions (campaign_id, petition, position, accepted)
            VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM campaign_petitions WHERE campaign_id = ?), ?)
            ON CONFLICT (campaign_id, petition) DO UPDATE SET accepted = 1 WHERE excluded.accepted = 1 AND accepted = 0
            """,
          arguments: [campaignID, petition, campaignID, accepted])
      } else {
        try db.execute(
          sql: "DELETE FROM campaign_petitions WHERE campaign_id = ? AND petition = ?", arguments: [campaignID, petition])
      }
      if db.changesCount > 0 {
        try db.execute(
          sql: "UPDATE campaigns SET update_time = ?, version = version + 1 WHERE id = ?",
          arguments: [now.millisecondsSince1970, campaignID])
      }
      let after = try Self.fetchCampaign(db, id: campaignID)!
      try CampaignEvents.record(
        db, CampaignEvents.petitionChanges(before: before, after: after, petitionOrganization: petitionOrganization), time: now)
      return after
    }
  }

  public func modify(id: String, now: Date, _ change: @Sendable (inout CampaignRecord) throws -> Void) async throws -> CampaignRecord? {
    try await pool.tracedWrite { db in
      guard var campaign = try Self.fetchCampaign(db, id: id) else { return nil }
      let before = campaign
      try change(&campaign)
      try Self.write(db, campaign, now: now)
      let after = try Self.fetchCampaign(db, id: id)!
      try CampaignEvents.record(db, CampaignEvents.memberChanges(before: before, after: after), time: now)
      return after
    }
  }

  /// Writes every changeable column and the coalition of `campaign`.
  private static func write(_ db: Database, _ campaign: CampaignRecord, now: Date) throws {
    try db.execute(
      sql: """
        UPDATE campaigns SET title = ?, description = ?, hashtag = ?, state = ?, start_time = ?, end_time = ?,
          demands = ?, actions = ?, update_time = ?, version = version + 1
        WHERE id = ?
        """,
      arguments: [
        campaign.title, campaign.description, campaign.hashtag, campaign.state,
        campaign.startTime?.millisecondsSince1970, campaign.endTime?.millisecondsSince1970,
        try SQLiteColumns.json(campaign.demands),
        try SQLiteColumns.json(campaign.actions),
        now.millisecondsSince1970, campaign.id,
      ])
    try db.execute(sql: "DELETE FROM campaign_members WHERE campaign_id = ?", arguments: [campaign.id])
    for member in campaign.members {
      try db.execute(
        sql: """
          INSERT INTO campaign_members (campaign_id, organization, role, jurisdiction, join_time, joined)
          VALUES (?, ?, ?, ?, ?, ?)
          """,
        arguments: [campaign.id, member.organization, member.role.rawValue, member.jurisdiction,
                    member.joinTime.millisecondsSince1970, member.joined])
    }
  }

  // MARK: endorsements

  public func endorse(
    _ endorsement: EndorsementRecord, endorserKey: String, legacyKey: String?
  ) async throws -> (endorsement: EndorsementRecord, alreadyEndorsed: Bool, count: Int64)? {
    try await pool.tracedWrite { db in
      guard try Self.fetchCampaign(db, id: endorsement.campaignID) != nil else { return nil }
      if let legacyKey {
        try db.execute(
          sql: "UPDATE endorsements SET endorser_key = ? WHERE campaign_id = ? AND endorser_key = ?",
          arguments: [endorserKey, endorsement.campaignID, legacyKey])
      }
      try db.execute(
        sql: """
          INSERT OR IGNORE INTO endorsements (id, campaign_id, endorser_key, organization, display_name, create_time)
          VALUES (?, ?, ?, ?, ?, ?)
          """,
        arguments: [endorsement.id, endorsement.campaignID, endorserKey, endorsement.organization, endorsement.displayName,
                    endorsement.createTime.millisecondsSince1970])
      let inserted = db.changesCount == 1
      if inserted {
        try db.execute(
          sql: "UPDATE campaigns SET endorsement_count = endorsement_count + 1 WHERE id = ?", arguments: [endorsement.campaignID])
      }
      let stored = try Row.fetchOne(
        db, sql: "SELECT * FROM endorsements WHERE campaign_id = ? AND endorser_key = ?",
        arguments: [endorsement.campaignID, endorserKey]
      ).map(Self.endorsementRecord)!
      let count = try Int64.fetchOne(
        db, sql: "SELECT endorsement_count FROM campaigns WHERE id = ?", arguments: [endorsement.campaignID])!
      return (stored, !inserted, count)
    }
  }

  public func endorsements(campaignID: String, after: Int64, limit: Int) async throws -> (endorsements: [EndorsementRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM endorsements WHERE campaign_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        arguments: [campaignID, after, limit + 1])
      return (rows.prefix(limit).map(Self.endorsementRecord), rows.count > limit)
    }
  }

  private static func endorsementRecord(_ row: Row) -> EndorsementRecord {
    EndorsementRecord(
      id: row["id"], campaignID: row["campaign_id"], organization: row["organization"], displayName: row["display_name"],
      createTime: Date(millisecondsSince1970: row["create_time"]), sequence: row["seq"])
  }

  private static func fetchCampaign(_ db: Database, id: String) throws -> CampaignRecord? {
    try Row.fetchOne(db, sql: "SELECT * FROM campaigns WHERE id = ?", arguments: [id]).map { try campaignRecord(db, $0) }
  }

  private static func campaignRecord(_ db: Database, _ row: Row) throws -> CampaignRecord {
    let id: String = row["id"]
    var petitions: [String] = []
    var proposed: [String] = []
    for row in try Row.fetchAll(
      db, sql: "SELECT petition, accepted FROM campaign_petitions WHERE campaign_id = ? ORDER BY position", arguments: [id]) {
      if row["accepted"] { petitions.append(row["petition"]) } else { proposed.append(row["petition"]) }
    }
    let members = try Row.fetchAll(
      db, sql: "SELECT * FROM campaign_members WHERE campaign_id = ? ORDER BY role, join_time, organization", arguments: [id]
    ).map { member in
      MemberRecord(
        organization: member["organization"], role: CoalitionRole(rawValue: member["role"]) ?? .partner,
        jurisdiction: member["jurisdiction"], joinTime: Date(millisecondsSince1970: member["join_time"]),
        joined: member["joined"])
    }
    return CampaignRecord(
      id: id, organization: row["organization"], title: row["title"], description: row["description"],
      hashtag: row["hashtag"], state: row["state"],
      startTime: row.date("start_time"),
      endTime: row.date("end_time"),
      members: members,
      demands: try row.json("demands"),
      actions: try row.json("actions"),
      endorsementCount: row["endorsement_count"],
      petitions: petitions, proposedPetitions: proposed, createTime: Date(millisecondsSince1970: row["create_time"]),
      updateTime: Date(millisecondsSince1970: row["update_time"]), sequence: row["seq"], version: row["version"])
  }

  // MARK: feed

  public func memberships(after: Int64, limit: Int) async throws -> [CampaignMembershipRecord] {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT id, organization, title, version, seq FROM campaigns WHERE seq > ? ORDER BY seq LIMIT ?",
        arguments: [after, limit])
      guard let first = rows.first?["seq"] as Int64?, let last = rows.last?["seq"] as Int64? else { return [] }
      var members: [String: [String]] = [:]
      var petitions: [String: [String]] = [:]
      let range = "campaign_id IN (SELECT id FROM campaigns WHERE seq BETWEEN ? AND ?)"
      for row in try Row.fetchAll(
        db, sql: "SELECT campaign_id, organization FROM campaign_members WHERE \(range) AND joined = 1 ORDER BY role, join_time, organization",
        arguments: [first, last]) {
        members[row["campaign_id"], default: []].append(row["organization"])
      }
      for row in try Row.fetchAll(
        db, sql: "SELECT campaign_id, petition FROM campaign_petitions WHERE \(range) AND accepted = 1 ORDER BY position", arguments: [first, last]) {
        petitions[row["campaign_id"], default: []].append(row["petition"])
      }
      return rows.map { row in
        let id: String = row["id"]
        return CampaignMembershipRecord(
          id: id, title: row["title"], organization: row["organization"], memberOrganizations: members[id] ?? [],
          petitions: petitions[id] ?? [], version: row["version"], sequence: row["seq"])
      }
    }
  }
}
