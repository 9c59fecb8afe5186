import Crypto
import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// What an API key grants: acting for one organization, or operating the
/// deployment.
public struct APIKeyGrant: Sendable, Equatable {
  public var keyID: String
  /// `organizations/{id}` for a partner key; nil for an operator key.
  public var organization: String?
  public var isOperator: Bool
  /// What the key may do; an operator key may do everything.
  public var scopes: Set<APIScope>
  /// The key's own quota, where it has one.
  public var quota: KeyQuota = KeyQuota()

  public init(keyID: String, organization: String?, isOperator: Bool, scopes: Set<APIScope>, quota: KeyQuota = KeyQuota()) {
    self.keyID = keyID
    self.organization = organization
    self.isOperator = isOperator
    self.scopes = isOperator ? Set(APIScope.allCases) : scopes.subtracting([.operator])
    self.quota = quota
  }
}

/// A key's own quota; unset values take the gateway's defaults.
public struct KeyQuota: Sendable, Equatable {
  public var callsPerSecond: Double?
  public var burst: Int?
  public var unlimited = false

  public init(callsPerSecond: Double? = nil, burst: Int? = nil, unlimited: Bool = false) {
    self.callsPerSecond = callsPerSecond
    self.burst = burst
    self.unlimited = unlimited
  }

  public static let unlimitedQuota = KeyQuota(unlimited: true)
}

/// An API key as stored, without its secret.
public struct APIKeyRecord: Sendable, Equatable {
  public var id: String
  public var organization: String?
  public var isOperator: Bool
  public var label: String
  public var scopes: Set<APIScope>
  public var createTime: Date
  public var lastUseTime: Date?
  public var expireTime: Date?
  public var revokeTime: Date?
  public var previousSecretExpireTime: Date?
  public var quota: KeyQuota
  /// The position in listings (newest last).
  public var sequence: Int64 = 0

  public var grant: APIKeyGrant {
    APIKeyGrant(keyID: id, organization: organization, isOperator: isOperator, scopes: scopes, quota: quota)
  }
}

/// A key to create.
public struct NewAPIKey: Sendable {
  public var organization: String?
  public var isOperator: Bool
  public var label: String
  public var scopes: Set<APIScope>
  public var expireTime: Date?
  public var quota: KeyQuota

  public init(
    organization: String?, isOperator: Bool, label: String, scopes: Set<APIScope>, expireTime: Date? = nil,
    quota: KeyQuota = KeyQuota()
  ) {
    self.organization = organization
    self.isOperator = isOperator
    self.label = label
    self.scopes = scopes
    self.expireTime = expireTime
    self.quota = quota
  }
}

/// One secret's entry in the in-memory key table, with its grant made once,
/// when the table loads.
public struct KeySecret: Sendable, Equatable {
  public let record: APIKeyRecord
  public let grant: APIKeyGrant
  /// For the secret before a rotation: when it stops working.
  public let validUntil: Date?

  public init(record: APIKeyRecord, validUntil: Date?) {
    self.record = record
    self.grant = record.grant
    self.validUntil = validUntil
  }
}

/// The gateway's API keys. Only a hash of each secret is stored; the secret
/// itself is shown once, when it is made.
public protocol APIKeyRepository: Sendable {
  func create(_ key: NewAPIKey, now: Date) async throws -> (record: APIKeyRecord, secret: String)
  func key(id: String) async throws -> APIKeyRecord?
  /// A page of keys (of one organization, or all), newest first, before
  /// `before` (0: from the newest).
  func keys(organization: String?, before: Int64, limit: Int) async throws -> (keys: [APIKeyRecord], hasMore: Bool)
  /// A new secret; the old one works until `now + grace`. Nil when no such
  /// key exists.
  func rotate(id: String, grace: TimeInterval, now: Date) async throws -> (record: APIKeyRecord, secret: String)?
  /// Changes what is given (nil leaves a value as it is); nil when no such
  /// key exists.
  func update(id: String, label: String?, scopes: Set<APIScope>?, quota: KeyQuota?) async throws -> APIKeyRecord?
  /// Marks the key revoked (once); nil when no such key exists.
  func revoke(id: String, now: Date) async throws -> APIKeyRecord?
  /// Grows with every change to any key.
  func version() throws -> Int64
  /// Every secret hash with its key, for the in-memory table.
  func secrets() throws -> [String: KeySecret]
  /// Records when keys were last used.
  func recordUse(_ times: [String: Date]) async throws
}

extension APIKeyRepository {
  /// Creates a key with no expiry and the default quota.
  public func create(
    organization: String?, isOperator: Bool, scopes: Set<APIScope>, label: String
  ) async throws -> (key: String, keyID: String) {
    let (record, secret) = try await create(
      NewAPIKey(organization: organization, isOperator: isOperator, label: label, scopes: scopes), now: Date())
    return (secret, record.id)
  }
}

/// `APIKeyRepository` on the gateway's own SQLite file, which several
/// gateway processes may share.
public struct SQLiteAPIKeyRepository: APIKeyRepository {
  let pool: DatabasePool

  public init(directory: String) throws {
    pool = try SQLiteDatabase.open(directory: directory, file: "gateway.sqlite") { migrator in
      migrator.registerMigration("1 api keys") { db in
        try db.execute(sql: """
          CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            secret_hash TEXT NOT NULL UNIQUE,
            organization TEXT,
            is_operator INTEGER NOT NULL,
            label TEXT NOT NULL,
            create_time INTEGER NOT NULL
          );
          """)
      }
      // Keys made before scopes existed could do everything a partner may.
      migrator.registerMigration("2 scopes") { db in
        try db.execute(sql: """
          ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
          UPDATE api_keys SET scopes = 'petitions.read,petitions.write,signatures.write,supporters.read,supporters.write,totals.read,keys.manage'
            WHERE is_operator = 0;
          """)
      }
      migrator.registerMigration("3 key lifecycle and quotas") { db in
        try db.execute(sql: """
          ALTER TABLE api_keys ADD COLUMN expire_time INTEGER;
          ALTER TABLE api_keys ADD COLUMN revoke_time INTEGER;
          ALTER TABLE api_keys ADD COLUMN last_use_time INTEGER;
          ALTER TABLE api_keys ADD COLUMN previous_secret_hash TEXT;
          ALTER TABLE api_keys ADD COLUMN previous_secret_expire_time INTEGER;
          ALTER TABLE api_keys ADD COLUMN calls_per_second REAL;
          ALTER TABLE api_keys ADD COLUMN burst INTEGER;
          ALTER TABLE api_keys ADD COLUMN unlimited INTEGER NOT NULL DEFAULT 0;
          CREATE INDEX api_keys_by_organization ON api_keys (organization);
          CREATE TABLE api_key_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
          INSERT INTO api_key_version (id, version) VALUES (1, 1);
          """)
      }
    }
  }

  /// `gsk_` and 32 random bytes (256 bits) in hex: not guessable.
  static func newSecret() -> String {
    var generator = SystemRandomNumberGenerator()
    return "gsk_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
  }

  static func hash(_ key: String) -> String {
    Hex.lowercase(SHA256.hash(data: Data(key.utf8)))
  }

  private static func bump(_ db: Database) throws {
    try db.execute(sql: "UPDATE api_key_version SET version = version + 1 WHERE id = 1")
  }

  public func create(_ key: NewAPIKey, now: Date) async throws -> (record: APIKeyRecord, secret: String) {
    let id = ResourceName.newID()
    let secret = Self.newSecret()
    let record = try await pool.tracedWrite { db in
      try db.execute(
        sql: """
          INSERT INTO api_keys (id, secret_hash, organization, is_operator, label, create_time, scopes, expire_time,
            calls_per_second, burst, unlimited)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [id, Self.hash(secret), key.organization, key.isOperator, key.label, now.millisecondsSince1970,
                    APIScope.list(key.isOperator ? [] : key.scopes), key.expireTime?.millisecondsSince1970,
                    key.quota.callsPerSecond, key.quota.burst, key.quota.unlimited])
      try Self.bump(db)
      return try Self.fetch(db, id: id)!
    }
    return (record, secret)
  }

  public func key(id: String) async throws -> APIKeyRecord? {
    try await pool.tracedRead { db in try Self.fetch(db, id: id) }
  }

  public func keys(organization: String?, before: Int64, limit: Int) async throws -> (keys: [APIKeyRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT rowid AS position, * FROM api_keys
          WHERE (? IS NULL OR organization = ?) AND (? = 0 OR rowid < ?)
          ORDER BY rowid DESC LIMIT ?
          """,
        arguments: [organization, organization, before, before, limit + 1])
      return (rows.prefix(limit).map(Self.record), rows.count > limit)
    }
  }

  public func rotate(id: String, grace: TimeInterval, now: Date) async throws -> (record: APIKeyRecord, secret: String)? {
    let secret = Self.newSecret()
    return try await pool.tracedWrite { db in
      guard try Self.fetch(db, id: id) != nil else { return nil }
      try db.execute(
        sql: """
          UPDATE api_keys SET previous_secret_hash = secret_hash, previous_secret_expire_time = ?, secret_hash = ?
          WHERE id = ?
          """,
        arguments: [now.addingTimeInterval(grace).millisecondsSince1970, Self.hash(secret), id])
      try Self.bump(db)
      return (try Self.fetch(db, id: id)!, secret)
    }
  }

  public func update(id: String, label: String?, scopes: Set<APIScope>?, quota: KeyQuota?) async throws -> APIKeyRecord? {
    try await pool.tracedWrite { db in
      guard let current = try Self.fetch(db, id: id) else { return nil }
      let quota = quota ?? current.quota
      try db.execute(
        sql: "UPDATE api_keys SET label = ?, scopes = ?, calls_per_second = ?, burst = ?, unlimited = ? WHERE id = ?",
        arguments: [label ?? current.label, APIScope.list(current.isOperator ? [] : (scopes ?? current.scopes)),
                    quota.callsPerSecond, quota.burst, quota.unlimited, id])
      try Self.bump(db)
      return try Self.fetch(db, id: id)
    }
  }

  public func revoke(id: String, now: Date) async throws -> APIKeyRecord? {
    try await pool.tracedWrite { db in
      guard try Self.fetch(db, id: id) != nil else { return nil }
      try db.execute(
        sql: "UPDATE api_keys SET revoke_time = ? WHERE id = ? AND revoke_time IS NULL",
        arguments: [now.millisecondsSince1970, id])
      try Self.bump(db)
      return try Self.fetch(db, id: id)
    }
  }

  public func version() throws -> Int64 {
    try pool.read { db in try Int64.fetchOne(db, sql: "SELECT version FROM api_key_version WHERE id = 1") ?? 0 }
  }

  public func secrets() throws -> [String: KeySecret] {
    try pool.read { db in
      var table: [String: KeySecret] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT rowid AS position, * FROM api_keys") {
        let record = Self.record(row)
        table[row["secret_hash"]] = KeySecret(record: record, validUntil: nil)
        if let previous: String = row["previous_secret_hash"], let until = row.date("previous_secret_expire_time") {
          table[previous] = KeySecret(record: record, validUntil: until)
        }
      }
      return table
    }
  }

  public func recordUse(_ times: [String: Date]) async throws {
    guard !times.isEmpty else { return }
    try await pool.tracedWrite { db in
      for (id, time) in times {
        try db.execute(
          sql: "UPDATE api_keys SET last_use_time = MAX(COALESCE(last_use_time, 0), ?) WHERE id = ?",
          arguments: [time.millisecondsSince1970, id])
      }
    }
  }

  private static func fetch(_ db: Database, id: String) throws -> APIKeyRecord? {
    try Row.fetchOne(db, sql: "SELECT rowid AS position, * FROM api_keys WHERE id = ?", arguments: [id]).map(record)
  }

  private static func record(_ row: Row) -> APIKeyRecord {
    APIKeyRecord(
      id: row["id"], organization: row["organization"], isOperator: row["is_operator"], label: row["label"],
      // Unknown names (from a newer version) grant nothing.
      scopes: Set((row["scopes"] as String).split(separator: ",").compactMap { APIScope(rawValue: String($0)) }),
      createTime: Date(millisecondsSince1970: row["create_time"]), lastUseTime: row.date("last_use_time"),
      expireTime: row.date("expire_time"), revokeTime: row.date("revoke_time"),
      previousSecretExpireTime: row.date("previous_secret_expire_time"),
      quota: KeyQuota(callsPerSecond: row["calls_per_second"], burst: row["burst"], unlimited: row["unlimited"]),
      sequence: row["position"])
  }
}
