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
}

/// The gateway's API keys. Only a hash of each key is stored; the key itself
/// is shown once, when it is created.
public protocol APIKeyRepository: Sendable {
  /// Creates a key and returns it in full, with its id.
  func create(organization: String?, isOperator: Bool, label: String) async throws -> (key: String, keyID: String)
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
    }
  }

  public func create(organization: String?, isOperator: Bool, label: String) async throws -> (key: String, keyID: String) {
    let keyID = ResourceName.newID()
    // 32 random bytes (256 bits), hex: not guessable, hashed with SHA-256.
    var generator = SystemRandomNumberGenerator()
    let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    let key = "gsk_\(secret)"
    try await pool.write { db in
      try db.execute(
        sql: "INSERT INTO api_keys (id, secret_hash, organization, is_operator, label, create_time) VALUES (?, ?, ?, ?, ?, ?)",
        arguments: [keyID, Self.hash(key), organization, isOperator, label, Date().millisecondsSince1970])
    }
    return (key, keyID)
  }

  public func grant(forKey key: String) async throws -> APIKeyGrant? {
    let hash = Self.hash(key)
    return try await pool.read { db in
      try Row.fetchOne(db, sql: "SELECT id, organization, is_operator FROM api_keys WHERE secret_hash = ?", arguments: [hash])
        .map { APIKeyGrant(keyID: $0["id"], organization: $0["organization"], isOperator: $0["is_operator"]) }
    }
  }

  static func hash(_ key: String) -> String {
    SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
  }
}
