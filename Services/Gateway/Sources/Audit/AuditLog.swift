import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// One audited call: who (a key and its organization), what (a method and
/// the resource it named), when, and how it ended. Never personal data.
public struct AuditEventRecord: Sendable, Equatable {
  public var time: Date
  public var keyID: String
  public var organization: String?
  public var isOperator: Bool
  public var method: String
  public var target: String
  public var status: String
  /// The position in the log (0 before it is stored).
  public var sequence: Int64 = 0
}

/// The append-only audit log. There is no way to change or delete an entry:
/// not in this protocol, and not in the database, whose triggers refuse it.
public protocol AuditLog: Sendable {
  func append(_ event: AuditEventRecord) async throws
  /// A page of events, newest first, before the position `before` (0 for the
  /// newest).
  func events(before: Int64, limit: Int) async throws -> (events: [AuditEventRecord], hasMore: Bool)
}

/// `AuditLog` in `audit.sqlite` in the gateway's data directory.
public struct SQLiteAuditLog: AuditLog {
  let pool: DatabasePool

  public init(directory: String) throws {
    pool = try SQLiteDatabase.open(directory: directory, file: "audit.sqlite") { migrator in
      migrator.registerMigration("1 audit events") { db in
        try db.execute(sql: """
          CREATE TABLE audit_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            time INTEGER NOT NULL,
            key_id TEXT NOT NULL,
            organization TEXT NOT NULL,
            operator INTEGER NOT NULL,
            method TEXT NOT NULL,
            target TEXT NOT NULL,
            status TEXT NOT NULL
          );
          CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
          CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
          """)
      }
    }
  }

  /// The database, for the test that tries to rewrite it.
  public var database: DatabasePool { pool }

  public func append(_ event: AuditEventRecord) async throws {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: """
          INSERT INTO audit_events (time, key_id, organization, operator, method, target, status)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [event.time.millisecondsSince1970, event.keyID, event.organization ?? "", event.isOperator, event.method,
                    event.target, event.status])
    }
  }

  public func events(before: Int64, limit: Int) async throws -> (events: [AuditEventRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM audit_events WHERE seq < ? ORDER BY seq DESC LIMIT ?",
        arguments: [before > 0 ? before : Int64.max, limit + 1])
      let events = rows.prefix(limit).map { row in
        let organization: String = row["organization"]
        return AuditEventRecord(
          time: Date(millisecondsSince1970: row["time"]), keyID: row["key_id"],
          organization: organization.isEmpty ? nil : organization, isOperator: row["operator"], method: row["method"],
          target: row["target"], status: row["status"], sequence: row["seq"])
      }
      return (events, rows.count > limit)
    }
  }
}
