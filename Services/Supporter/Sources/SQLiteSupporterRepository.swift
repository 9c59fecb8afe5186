import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// `SupporterRepository` on the service's own SQLite file.
public struct SQLiteSupporterRepository: SupporterRepository {
  let pool: DatabasePool

  public init(directory: String) throws {
    pool = try SQLiteDatabase.open(directory: directory, file: "supporter.sqlite") { migrator in
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
    }
  }

  public func resolve(
    canonicalEmail: String, givenName: String, familyName: String, organization: String, now: Date
  ) async throws -> (supporter: SupporterRecord, created: Bool) {
    try await pool.write { db in
      var created = false
      if let existing = try Self.fetch(db, sql: "SELECT * FROM supporters WHERE email = ?", canonicalEmail) {
        try db.execute(
          sql: "UPDATE supporters SET given_name = ?, family_name = ? WHERE id = ?",
          arguments: [givenName, familyName, existing.id])
      } else {
        created = true
        try db.execute(
          sql: "INSERT INTO supporters (id, email, given_name, family_name, create_time) VALUES (?, ?, ?, ?, ?)",
          arguments: [ResourceName.newID(), canonicalEmail, givenName, familyName, now.millisecondsSince1970])
      }
      let supporter = try Self.fetch(db, sql: "SELECT * FROM supporters WHERE email = ?", canonicalEmail)!
      try db.execute(
        sql: "INSERT OR IGNORE INTO supporter_organizations (supporter_id, organization, first_seen_time) VALUES (?, ?, ?)",
        arguments: [supporter.id, organization, now.millisecondsSince1970])
      return (supporter, created)
    }
  }

  public func supporter(id: String, knownTo organization: String?) async throws -> SupporterRecord? {
    try await pool.read { db in
      if let organization {
        return try Self.fetch(
          db,
          sql: """
            SELECT s.* FROM supporters s JOIN supporter_organizations o ON o.supporter_id = s.id
            WHERE s.id = ? AND o.organization = ?
            """,
          id, organization)
      }
      return try Self.fetch(db, sql: "SELECT * FROM supporters WHERE id = ?", id)
    }
  }

  private static func fetch(_ db: Database, sql: String, _ arguments: any DatabaseValueConvertible...) throws -> SupporterRecord? {
    guard let row = try Row.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) else { return nil }
    return SupporterRecord(
      id: row["id"], email: row["email"], givenName: row["given_name"], familyName: row["family_name"],
      createTime: Date(millisecondsSince1970: row["create_time"]))
  }
}
