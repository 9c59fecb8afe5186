import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

// MARK: a person's rights: finding, exporting, erasing

extension SQLiteSupporterRepository {
  public func supporter(email: String, knownTo organization: String) async throws -> SupporterRecord? {
    try await pool.tracedRead { db in
      guard let id = try String.fetchOne(db, sql: "SELECT id FROM supporters WHERE email = ?", arguments: [email]) else {
        return nil
      }
      return try Self.fetch(db, id: id, knownTo: organization)
    }
  }

  public func records(of id: String, organization: String?) async throws -> [OrganizationRecord] {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT o.organization, o.first_seen_time, o.update_time FROM supporter_organizations o
          WHERE o.supporter_id = ? AND (? IS NULL OR o.organization = ?) ORDER BY o.first_seen_time, o.organization
          """,
        arguments: [id, organization, organization])
      return try rows.compactMap { row in
        let organization: String = row["organization"]
        guard let supporter = try Self.fetch(db, id: id, knownTo: organization) else { return nil }
        return OrganizationRecord(
          organization: organization, supporter: supporter,
          firstSeenTime: Date(millisecondsSince1970: row["first_seen_time"]),
          updateTime: Date(millisecondsSince1970: row["update_time"]))
      }
    }
  }

  public func beginErasure(of id: String, organization: String?, now: Date) async throws -> ErasureRecord? {
    try await pool.tracedWrite { db in
      let scope = organization ?? ""
      let known = try Bool.fetchOne(
        db,
        sql: """
          SELECT EXISTS (SELECT 1 FROM supporter_organizations WHERE supporter_id = ?1 AND (?2 = '' OR organization = ?2))
            OR EXISTS (SELECT 1 FROM consents WHERE supporter_id = ?1 AND (?2 = '' OR organization = ?2))
            OR (?2 = '' AND EXISTS (SELECT 1 FROM supporters WHERE id = ?1))
          """,
        arguments: [id, scope]) ?? false
      if known {
        // Asked again while they are known (they signed again since): the
        // erasure runs again.
        try db.execute(
          sql: """
            INSERT INTO erasures (supporter_id, organization, complete, create_time) VALUES (?, ?, 0, ?)
            ON CONFLICT (supporter_id, organization) DO UPDATE SET complete = 0, complete_time = NULL
            """,
          arguments: [id, scope, now.millisecondsSince1970])
      }
      return try Self.erasure(db, id: id, scope: scope)
    }
  }

  public func completeErasure(
    of id: String, organization: String?, signaturesAnonymized: Int64, now: Date
  ) async throws -> ErasureRecord {
    try await pool.tracedWrite { db in
      let scope = organization ?? ""
      for table in ["identifiers", "consents", "supporter_organizations"] {
        try db.execute(
          sql: "DELETE FROM \(table) WHERE supporter_id = ?1 AND (?2 = '' OR organization = ?2)", arguments: [id, scope])
      }
      // The identity goes with the last organization that knew them.
      try db.execute(
        sql: """
          DELETE FROM supporters WHERE id = ?1
            AND NOT EXISTS (SELECT 1 FROM supporter_organizations WHERE supporter_id = ?1)
            AND NOT EXISTS (SELECT 1 FROM consents WHERE supporter_id = ?1)
            AND NOT EXISTS (SELECT 1 FROM identifiers WHERE supporter_id = ?1)
          """,
        arguments: [id])
      try db.execute(
        sql: """
          UPDATE erasures SET complete = 1, complete_time = ?, signatures_anonymized = signatures_anonymized + ?
          WHERE supporter_id = ? AND organization = ?
          """,
        arguments: [now.millisecondsSince1970, signaturesAnonymized, id, scope])
      return try Self.erasure(db, id: id, scope: scope)!
    }
  }

  public func pendingErasures() async throws -> [ErasureRecord] {
    try await pool.tracedRead { db in
      try Row.fetchAll(db, sql: "SELECT * FROM erasures WHERE complete = 0 ORDER BY create_time").map(Self.erasure)
    }
  }

  public func checkpoint() async throws {
    try SQLiteDatabase.checkpoint(pool)
  }

  private static func erasure(_ db: Database, id: String, scope: String) throws -> ErasureRecord? {
    try Row.fetchOne(
      db, sql: "SELECT * FROM erasures WHERE supporter_id = ? AND organization = ?", arguments: [id, scope]
    ).map(erasure)
  }

  private static func erasure(_ row: Row) -> ErasureRecord {
    let organization: String = row["organization"]
    return ErasureRecord(
      supporterID: row["supporter_id"], organization: organization.isEmpty ? nil : organization,
      complete: row["complete"], signaturesAnonymized: row["signatures_anonymized"],
      createTime: Date(millisecondsSince1970: row["create_time"]), completeTime: row.date("complete_time"))
  }
}
