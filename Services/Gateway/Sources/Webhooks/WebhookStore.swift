import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// Whether an endpoint's deliveries run.
public enum WebhookState: Int, Sendable {
  case active = 1
  case paused = 2
}

/// What one delivery attempt came to.
public enum DeliveryOutcome: Int, Sendable {
  case delivered = 1
  case failed = 2
  case refused = 3
}

/// A registered endpoint, as stored.
public struct WebhookRecord: Sendable, Equatable {
  public var id: String
  public var organization: String
  public var url: String
  /// The HMAC key; never shown after creation.
  public var secret: String
  /// Event type numbers (`Event.Type`); empty for all.
  public var types: [Int]
  public var state: WebhookState
  public var pauseReason: String
  /// The sequence number of the last event delivered or passed over.
  public var cursor: Int64
  public var failures: Int
  /// When the current run of failures began.
  public var failingSince: Date?
  public var nextAttempt: Date
  public var createTime: Date
  /// Whether signature events carry the organization's own identifiers of
  /// the signer (set only by a key that may read supporters).
  public var includeIdentifiers = false
}

/// One attempt, as logged.
public struct DeliveryRecord: Sendable, Equatable {
  public var sequence: Int64 = 0
  public var webhookID: String
  public var attemptTime: Date
  public var firstSequence: Int64
  public var lastSequence: Int64
  public var eventCount: Int
  public var outcome: DeliveryOutcome
  public var statusCode: Int
  public var error: String
  public var durationMilliseconds: Int64
}

/// The gateway's webhook endpoints and their delivery logs.
public protocol WebhookStore: Sendable {
  func create(_ webhook: WebhookRecord) async throws
  func webhook(id: String) async throws -> WebhookRecord?
  func webhooks(organization: String) async throws -> [WebhookRecord]
  /// Active endpoints whose next attempt is due at `now`.
  func due(now: Date, limit: Int) async throws -> [WebhookRecord]
  /// Makes the caught-up endpoints of these organizations (nil: of all)
  /// due at `now`: their events moved.
  func wake(organizations: Set<String>?, now: Date) async throws
  func delete(id: String) async throws -> Bool
  /// Writes the delivery state (`state`, `pauseReason`, `cursor`,
  /// `failures`, `failingSince`, `nextAttempt`) unless the endpoint was
  /// deleted meanwhile.
  func saveProgress(_ webhook: WebhookRecord) async throws
  func log(_ delivery: DeliveryRecord) async throws
  /// A page of an endpoint's deliveries, newest first, before `before`.
  func deliveries(webhookID: String, before: Int64, limit: Int) async throws -> (deliveries: [DeliveryRecord], hasMore: Bool)
  /// Forgets deliveries logged before `cutoff`.
  func pruneDeliveries(before cutoff: Date) async throws -> Int
}

public struct SQLiteWebhookStore: WebhookStore {
  let pool: DatabasePool

  public init(directory: String) throws {
    pool = try SQLiteDatabase.open(directory: directory, file: "webhooks.sqlite") { migrator in
      migrator.registerMigration("1 webhooks") { db in
        try db.execute(sql: """
          CREATE TABLE webhooks (
            id TEXT PRIMARY KEY,
            organization TEXT NOT NULL,
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            types TEXT NOT NULL,
            state INTEGER NOT NULL,
            pause_reason TEXT NOT NULL DEFAULT '',
            cursor INTEGER NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            failing_since INTEGER,
            next_attempt_time INTEGER NOT NULL,
            create_time INTEGER NOT NULL
          );
          CREATE INDEX webhooks_by_organization ON webhooks (organization, create_time);
          CREATE INDEX webhooks_due ON webhooks (state, next_attempt_time);
          CREATE TABLE webhook_deliveries (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            webhook_id TEXT NOT NULL,
            attempt_time INTEGER NOT NULL,
            first_sequence INTEGER NOT NULL,
            last_sequence INTEGER NOT NULL,
            event_count INTEGER NOT NULL,
            outcome INTEGER NOT NULL,
            status_code INTEGER NOT NULL,
            error TEXT NOT NULL,
            duration_ms INTEGER NOT NULL
          );
          CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);
          CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (attempt_time);
          """)
      }
      migrator.registerMigration("2 identifiers in deliveries") { db in
        try db.execute(sql: """
          ALTER TABLE webhooks ADD COLUMN include_identifiers INTEGER NOT NULL DEFAULT 0;
          """)
      }
    }
  }

  static func record(_ row: Row) -> WebhookRecord {
    let types = (row["types"] as String).split(separator: ",").compactMap { Int($0) }
    return WebhookRecord(
      id: row["id"], organization: row["organization"], url: row["url"], secret: row["secret"], types: types,
      state: WebhookState(rawValue: row["state"]) ?? .paused, pauseReason: row["pause_reason"], cursor: row["cursor"],
      failures: row["failures"], failingSince: (row["failing_since"] as Int64?).map(Date.init(millisecondsSince1970:)),
      nextAttempt: Date(millisecondsSince1970: row["next_attempt_time"]), createTime: Date(millisecondsSince1970: row["create_time"]),
      includeIdentifiers: row["include_identifiers"])
  }

  public func create(_ webhook: WebhookRecord) async throws {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: """
          INSERT INTO webhooks
            (id, organization, url, secret, types, state, cursor, next_attempt_time, create_time, include_identifiers)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [webhook.id, webhook.organization, webhook.url, webhook.secret, webhook.types.map(String.init).joined(separator: ","),
                    webhook.state.rawValue, webhook.cursor, webhook.nextAttempt.millisecondsSince1970,
                    webhook.createTime.millisecondsSince1970, webhook.includeIdentifiers])
    }
  }

  public func webhook(id: String) async throws -> WebhookRecord? {
    try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM webhooks WHERE id = ?", arguments: [id]).map(Self.record) }
  }

  public func webhooks(organization: String) async throws -> [WebhookRecord] {
    try await pool.read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM webhooks WHERE organization = ? ORDER BY create_time, id", arguments: [organization])
        .map(Self.record)
    }
  }

  public func due(now: Date, limit: Int) async throws -> [WebhookRecord] {
    try await pool.read { db in
      try Row.fetchAll(
        db, sql: "SELECT * FROM webhooks WHERE state = ? AND next_attempt_time <= ? ORDER BY next_attempt_time LIMIT ?",
        arguments: [WebhookState.active.rawValue, now.millisecondsSince1970, limit]
      ).map(Self.record)
    }
  }

  public func wake(organizations: Set<String>?, now: Date) async throws {
    try await pool.tracedWrite { db in
      let time = now.millisecondsSince1970
      let caughtUp = "state = \(WebhookState.active.rawValue) AND failures = 0 AND next_attempt_time > ?"
      if let organizations {
        let statement = try db.cachedStatement(sql: "UPDATE webhooks SET next_attempt_time = ? WHERE organization = ? AND " + caughtUp)
        for organization in organizations { try statement.execute(arguments: [time, organization, time]) }
      } else {
        try db.execute(sql: "UPDATE webhooks SET next_attempt_time = ? WHERE " + caughtUp, arguments: [time, time])
      }
    }
  }

  public func delete(id: String) async throws -> Bool {
    try await pool.tracedWrite { db in
      try db.execute(sql: "DELETE FROM webhook_deliveries WHERE webhook_id = ?", arguments: [id])
      try db.execute(sql: "DELETE FROM webhooks WHERE id = ?", arguments: [id])
      return db.changesCount == 1
    }
  }

  public func saveProgress(_ webhook: WebhookRecord) async throws {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: """
          UPDATE webhooks SET state = ?, pause_reason = ?, cursor = ?, failures = ?, failing_since = ?, next_attempt_time = ?
          WHERE id = ?
          """,
        arguments: [webhook.state.rawValue, webhook.pauseReason, webhook.cursor, webhook.failures,
                    webhook.failingSince?.millisecondsSince1970, webhook.nextAttempt.millisecondsSince1970, webhook.id])
    }
  }

  public func log(_ delivery: DeliveryRecord) async throws {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: """
          INSERT INTO webhook_deliveries (webhook_id, attempt_time, first_sequence, last_sequence, event_count, outcome,
            status_code, error, duration_ms)
          SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?)
          """,
        arguments: [delivery.webhookID, delivery.attemptTime.millisecondsSince1970, delivery.firstSequence, delivery.lastSequence,
                    delivery.eventCount, delivery.outcome.rawValue, delivery.statusCode, delivery.error,
                    delivery.durationMilliseconds, delivery.webhookID])
    }
  }

  public func deliveries(webhookID: String, before: Int64, limit: Int) async throws -> (deliveries: [DeliveryRecord], hasMore: Bool) {
    try await pool.read { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        arguments: [webhookID, before > 0 ? before : Int64.max, limit + 1])
      let records = rows.prefix(limit).map { row in
        DeliveryRecord(
          sequence: row["seq"], webhookID: row["webhook_id"], attemptTime: Date(millisecondsSince1970: row["attempt_time"]),
          firstSequence: row["first_sequence"], lastSequence: row["last_sequence"], eventCount: row["event_count"],
          outcome: DeliveryOutcome(rawValue: row["outcome"]) ?? .failed, statusCode: row["status_code"], error: row["error"],
          durationMilliseconds: row["duration_ms"])
      }
      return (records, rows.count > limit)
    }
  }

  public func pruneDeliveries(before cutoff: Date) async throws -> Int {
    try await pool.tracedWrite { db in
      try db.execute(sql: "DELETE FROM webhook_deliveries WHERE attempt_time < ?", arguments: [cutoff.millisecondsSince1970])
      return db.changesCount
    }
  }
}

/// The gateway's webhook settings.
public struct WebhookSettings: Sendable {
  /// Let endpoints resolve to loopback, private and link-local addresses.
  public var allowInternalAddresses = false
  /// CA certificates endpoints may be signed by besides the system's.
  public var caFile: String?
  public var timing = WebhookTiming()
  /// The clock deliveries and backoff read.
  public var now: @Sendable () -> Date = { Date() }

  public init() {}
}
