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

  public init(keyID: String, organization: String?, isOperator: Bool, scopes: Set<APIScope>) {
    self.keyID = keyID
    self.organization = organization
    self.isOperator = isOperator
    self.scopes = isOperator ? Set(APIScope.allCases) : scopes.subtracting([.operator])
  }
}

/// The gateway's API keys. Only a hash of each key is stored; the key itself
/// is shown once, when it is created.
public protocol APIKeyRepository: Sendable {
  /// Creates a key and returns it in full, with its id.
  func create(
    organization: String?, isOperator: Bool, scopes: Set<APIScope>, label: String
  ) async throws -> (key: String, keyID: String)
  /// The grant of a presented key, or nil when no such key exists.
  func grant(forKey key: String) async throws -> APIKeyGrant?
}

/// `APIKeyRepository` on the gateway's own SQLite file.
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
    }
  }

  public func create(
    organization: String?, isOperator: Bool, scopes: Set<APIScope>, label: String
  ) async throws -> (key: String, keyID: String) {
    let keyID = ResourceName.newID()
    // 32 random bytes (256 bits), hex: not guessable, hashed with SHA-256.
    var generator = SystemRandomNumberGenerator()
    let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    let key = "gsk_\(secret)"
    try await pool.write { db in
      try db.execute(
        sql: """
          INSERT INTO api_keys (id, secret_hash, organization, is_operator, label, create_time, scopes)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [keyID, Self.hash(key), organization, isOperator, label, Date().millisecondsSince1970,
                    APIScope.list(isOperator ? [] : scopes)])
    }
    return (key, keyID)
  }

  public func grant(forKey key: String) async throws -> APIKeyGrant? {
    let hash = Self.hash(key)
    return try await pool.read { db in
      try Row.fetchOne(db, sql: "SELECT id, organization, is_operator, scopes FROM api_keys WHERE secret_hash = ?", arguments: [hash])
        .map { row in
          APIKeyGrant(
            keyID: row["id"], organization: row["organization"], isOperator: row["is_operator"],
            // Unknown names (from a newer version) grant nothing.
            scopes: Set((row["scopes"] as String).split(separator: ",").compactMap { APIScope(rawValue: String($0)) }))
        }
    }
  }

  static func hash(_ key: String) -> String {
    SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
  }
}
