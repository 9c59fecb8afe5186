import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// `SupporterRepository` on the service's own SQLite file.
public struct SQLiteSupporterRepository: SupporterRepository {
  let pool: DatabasePool
  /// Concurrent resolves share one durable transaction.
  let writer: GroupCommitWriter<NothingShared>

  public init(directory: String) throws {
    pool = try Self.open(directory: directory)
    writer = GroupCommitWriter(pool: pool, name: "resolve")
  }

  private static func open(directory: String) throws -> DatabasePool {
    try SQLiteDatabase.open(directory: directory, file: "supporter.sqlite") { migrator in
      migrator.registerMigration("1 supporters") { db in
        try db.execute(sql: """
          CREATE TABLE supporters (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            given_name TEXT NOT NULL,
            family_name TEXT NOT NULL,
            create_time INTEGER NOT NULL
          );
          CREATE TABLE supporter_organizations (
            supporter_id TEXT NOT NULL REFERENCES supporters(id),
            organization TEXT NOT NULL,
            first_seen_time INTEGER NOT NULL,
            PRIMARY KEY (supporter_id, organization)
          );
          """)
      }
      migrator.registerMigration("2 places and consent") { db in
        try db.execute(sql: """
          ALTER TABLE supporters ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
          ALTER TABLE supporters ADD COLUMN country TEXT NOT NULL DEFAULT '';
          ALTER TABLE supporters ADD COLUMN region TEXT NOT NULL DEFAULT '';
          CREATE INDEX supporters_by_organization ON supporter_organizations (organization);
          CREATE TABLE consents (
            supporter_id TEXT NOT NULL REFERENCES supporters(id),
            organization TEXT NOT NULL,
            opted_in INTEGER NOT NULL,
            opt_in_time INTEGER,
            opt_in_source TEXT NOT NULL DEFAULT '',
            opt_out_time INTEGER,
            opt_out_source TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (supporter_id, organization)
          );
          CREATE INDEX consents_by_organization ON consents (organization, opted_in);
          """)
      }
      // Details move into each organization's own record. Which details an
      // organization was given at the time of its signatures was not kept:
      // every organization that knows a supporter starts from the values
      // stored last. The shared row keeps only the identity.
      migrator.registerMigration("3 details per organization") { db in
        try db.execute(sql: """
          ALTER TABLE supporter_organizations ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
          ALTER TABLE supporter_organizations ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
          ALTER TABLE supporter_organizations ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
          ALTER TABLE supporter_organizations ADD COLUMN country TEXT NOT NULL DEFAULT '';
          ALTER TABLE supporter_organizations ADD COLUMN region TEXT NOT NULL DEFAULT '';
          ALTER TABLE supporter_organizations ADD COLUMN update_time INTEGER NOT NULL DEFAULT 0;
          UPDATE supporter_organizations SET
            given_name = (SELECT s.given_name FROM supporters s WHERE s.id = supporter_id),
            family_name = (SELECT s.family_name FROM supporters s WHERE s.id = supporter_id),
            postal_code = (SELECT s.postal_code FROM supporters s WHERE s.id = supporter_id),
            country = (SELECT s.country FROM supporters s WHERE s.id = supporter_id),
            region = (SELECT s.region FROM supporters s WHERE s.id = supporter_id),
            update_time = first_seen_time;
          UPDATE supporters SET given_name = '', family_name = '', postal_code = '', country = '', region = '';
          """)
      }
      migrator.registerMigration("4 erasures") { db in
        try db.execute(sql: """
          CREATE TABLE erasures (
            supporter_id TEXT NOT NULL,
            organization TEXT NOT NULL,
            complete INTEGER NOT NULL,
            signatures_anonymized INTEGER NOT NULL DEFAULT 0,
            create_time INTEGER NOT NULL,
            complete_time INTEGER,
            PRIMARY KEY (supporter_id, organization)
          );
          CREATE INDEX erasures_pending ON erasures (complete, create_time);
          """)
      }
      migrator.registerMigration("5 partner identifiers") { db in
        try db.execute(sql: """
          CREATE TABLE identifiers (
            organization TEXT NOT NULL,
            identifier TEXT NOT NULL,
            supporter_id TEXT NOT NULL REFERENCES supporters(id),
            create_time INTEGER NOT NULL,
            PRIMARY KEY (organization, identifier)
          );
          CREATE INDEX identifiers_by_supporter ON identifiers (supporter_id, organization);
          """)
      }
    }
  }

  public func resolve(_ signer: SignerInput, now: Date) async throws -> (supporter: SupporterRecord, created: Bool) {
    let time = now.millisecondsSince1970
    return try await writer.write { db in
      let (id, created) = try Self.resolve(db, signer, time: time)
      return (try Self.fetch(db, id: id, knownTo: signer.organization)!, created)
    }
  }

  public func resolveMany(_ signers: [SignerInput], now: Date) async throws -> [Result<ResolvedSigner, IdentifierRefusal>] {
    let time = now.millisecondsSince1970
    return try await pool.tracedWrite { db in
      try signers.map { signer in
        do {
          let (id, created) = try Self.resolve(db, signer, time: time)
          return .success(ResolvedSigner(id: id, created: created))
        } catch let refusal as IdentifierRefusal {
          // Refused before anything of this signer was written.
          return .failure(refusal)
        }
      }
    }
  }

  /// Finds or creates the supporter and records what `signer` gave, with
  /// prepared statements kept by the connection (this is the sign path).
  private static func resolve(_ db: Database, _ signer: SignerInput, time: Int64) throws -> (id: String, created: Bool) {
    var created = false
    let id: String
    let existing = try String.fetchOne(
      db.cachedStatement(sql: "SELECT id FROM supporters WHERE email = ?"), arguments: [signer.canonicalEmail])
    // Checked before anything is written, so that a refusal leaves nothing.
    try Self.checkAttachable(db, signer.identifiers, to: existing, organization: signer.organization)
    if let existing {
      id = existing
    } else {
      created = true
      id = ResourceName.newID()
      try db.cachedStatement(
        sql: """
          INSERT INTO supporters (id, email, given_name, family_name, create_time, postal_code, country, region)
          VALUES (?, ?, '', '', ?, '', '', '')
          """
      ).execute(arguments: [id, signer.canonicalEmail, time])
    }
    func details(known organization: String) -> StatementArguments {
      [id, organization, time, signer.givenName, signer.familyName, signer.postalCode, signer.country, signer.region, time]
    }
    // The organization given the details: its record is updated (the
    // place only when one was given).
    try db.cachedStatement(sql: Self.upsertRecord).execute(arguments: details(known: signer.organization))
    // Any other organization that comes to know them keeps its own record
    // (usually none: the petition's organization collected the signature).
    let petitionOrganization = signer.petitionOrganization.flatMap { $0 == signer.organization ? nil : $0 }
    if let petitionOrganization {
      try db.cachedStatement(sql: Self.insertRecordIfNew).execute(arguments: details(known: petitionOrganization))
    }
    if let optIn = signer.optInOrganization, optIn != signer.organization, optIn != petitionOrganization {
      try db.cachedStatement(sql: Self.insertRecordIfNew).execute(arguments: details(known: optIn))
    }
    if let organization = signer.optInOrganization {
      try Self.record(db, supporterID: id, organization: organization, optedIn: true, source: signer.optInSource, time: time)
    }
    try Self.attach(db, signer.identifiers, to: id, organization: signer.organization, time: time)
    return (id, created)
  }

  public func supporter(id: String, knownTo organization: String?) async throws -> SupporterRecord? {
    try await pool.tracedRead { db in try Self.fetch(db, id: id, knownTo: organization) }
  }

  public func supporters(of organization: String, optedInOnly: Bool, after: Int64, limit: Int) async throws -> (supporters: [SupporterRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let filter = optedInOnly
        ? "AND EXISTS (SELECT 1 FROM consents c WHERE c.supporter_id = o.supporter_id AND c.organization = o.organization AND c.opted_in = 1)"
        : ""
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT o.rowid AS position, \(Self.columns) FROM supporter_organizations o JOIN supporters s ON s.id = o.supporter_id
          WHERE o.organization = ? AND o.rowid > ? \(filter) ORDER BY o.rowid LIMIT ?
          """,
        arguments: [organization, after, limit + 1])
      let supporters = try rows.prefix(limit).map { row in
        var supporter = try Self.record(db, row, consentOf: organization)
        supporter.sequence = row["position"]
        return supporter
      }
      return (supporters, rows.count > limit)
    }
  }

  public func recordConsent(supporterID: String, organization: String, optedIn: Bool, source: String, now: Date) async throws -> ConsentRecord? {
    try await pool.tracedWrite { db in
      let known = try Bool.fetchOne(
        db, sql: "SELECT 1 FROM supporter_organizations WHERE supporter_id = ? AND organization = ?",
        arguments: [supporterID, organization]) ?? false
      guard known else { return nil }
      try Self.record(db, supporterID: supporterID, organization: organization, optedIn: optedIn, source: source, time: now.millisecondsSince1970)
      return try Self.consents(db, supporterID: supporterID, organization: organization).first
    }
  }

  public func optedInCounts(organizations: [String]) async throws -> [String: Int64] {
    guard !organizations.isEmpty else { return [:] }
    return try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db,
        sql: "SELECT organization, COUNT(*) AS n FROM consents WHERE opted_in = 1 AND organization IN (\(SQLiteColumns.placeholders(organizations.count))) GROUP BY organization",
        arguments: StatementArguments(organizations))
      return Dictionary(uniqueKeysWithValues: rows.map { ($0["organization"], $0["n"]) })
    }
  }

  /// Sets the current consent and the time and source of this opt-in or out.
  private static func record(_ db: Database, supporterID: String, organization: String, optedIn: Bool, source: String, time: Int64) throws {
    // One of two statements, kept prepared by the connection (the sign path).
    try db.cachedStatement(sql: optedIn ? Self.recordOptIn : Self.recordOptOut)
      .execute(arguments: [supporterID, organization, optedIn, time, source])
  }

  /// The statements `record` runs: their text made once, not at each
  /// signature (the statement cache is looked up by it).
  private static let recordOptIn = recordConsent(time: "opt_in_time", source: "opt_in_source")
  private static let recordOptOut = recordConsent(time: "opt_out_time", source: "opt_out_source")

  private static func recordConsent(time: String, source: String) -> String {
    """
    INSERT INTO consents (supporter_id, organization, opted_in, \(time), \(source)) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (supporter_id, organization) DO UPDATE
      SET opted_in = excluded.opted_in, \(time) = excluded.\(time), \(source) = excluded.\(source)
    """
  }

  /// Inserts one organization's record of a supporter.
  static let insertRecord = """
    INSERT INTO supporter_organizations
      (supporter_id, organization, first_seen_time, given_name, family_name, postal_code, country, region, update_time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    """

  /// Inserts or updates the record of the organization the details were
  /// given to (the place only when one was given).
  private static let upsertRecord = """
    \(insertRecord)
    ON CONFLICT (supporter_id, organization) DO UPDATE SET
      given_name = excluded.given_name, family_name = excluded.family_name, update_time = excluded.update_time,
      postal_code = CASE WHEN excluded.country != '' THEN excluded.postal_code ELSE postal_code END,
      region = CASE WHEN excluded.country != '' THEN excluded.region ELSE region END,
      country = CASE WHEN excluded.country != '' THEN excluded.country ELSE country END
    """

  /// Inserts another organization's record unless it has one.
  private static let insertRecordIfNew = "\(insertRecord) ON CONFLICT DO NOTHING"

  /// The identity with one organization's details.
  static let columns = """
    s.id, s.email, s.create_time, o.organization AS record_organization, o.given_name, o.family_name, o.postal_code,
    o.country, o.region
    """

  /// The supporter as `organization` knows them; with none, with the most
  /// recently given details.
  static func fetch(_ db: Database, id: String, knownTo organization: String?) throws -> SupporterRecord? {
    let row = try Row.fetchOne(
      db,
      sql: """
        SELECT \(columns) FROM supporter_organizations o JOIN supporters s ON s.id = o.supporter_id
        WHERE o.supporter_id = ? AND (? IS NULL OR o.organization = ?)
        ORDER BY o.update_time DESC LIMIT 1
        """,
      arguments: [id, organization, organization])
    return try row.map { try record(db, $0, consentOf: organization) }
  }

  private static func record(_ db: Database, _ row: Row, consentOf organization: String?) throws -> SupporterRecord {
    let id: String = row["id"]
    return SupporterRecord(
      id: id, email: row["email"], givenName: row["given_name"], familyName: row["family_name"],
      createTime: Date(millisecondsSince1970: row["create_time"]), postalCode: row["postal_code"],
      country: row["country"], region: row["region"],
      consents: try consents(db, supporterID: id, organization: organization),
      identifiers: try identifiers(db, supporterID: id, organization: row["record_organization"]))
  }

  /// The supporter's consents: with one organization, or all of them.
  private static func consents(_ db: Database, supporterID: String, organization: String?) throws -> [ConsentRecord] {
    let rows = try Row.fetchAll(
      db,
      sql: "SELECT * FROM consents WHERE supporter_id = ? AND (? IS NULL OR organization = ?) ORDER BY organization",
      arguments: [supporterID, organization, organization])
    return rows.map { row in
      ConsentRecord(
        organization: row["organization"], optedIn: row["opted_in"],
        optInTime: row.date("opt_in_time"), optInSource: row["opt_in_source"],
        optOutTime: row.date("opt_out_time"), optOutSource: row["opt_out_source"])
    }
  }
}
