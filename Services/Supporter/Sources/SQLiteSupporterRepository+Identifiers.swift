import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

// MARK: the organizations' own identifiers for their supporters

extension SQLiteSupporterRepository {
  public func attachIdentifiers(_ identifiers: [String], supporterID: String, organization: String, now: Date) async throws
    -> SupporterRecord?
  {
    try await writer.write { db in
      guard try Self.knows(db, supporterID: supporterID, organization: organization) else { return nil }
      try Self.checkAttachable(db, identifiers, to: supporterID, organization: organization)
      try Self.attach(db, identifiers, to: supporterID, organization: organization, time: now.millisecondsSince1970)
      return try Self.fetch(db, id: supporterID, knownTo: organization)
    }
  }

  public func detachIdentifiers(_ identifiers: [String], supporterID: String, organization: String) async throws -> SupporterRecord? {
    try await writer.write { db in
      guard try Self.knows(db, supporterID: supporterID, organization: organization) else { return nil }
      for identifier in identifiers {
        try db.cachedStatement(sql: "DELETE FROM identifiers WHERE organization = ? AND identifier = ? AND supporter_id = ?")
          .execute(arguments: [organization, identifier, supporterID])
      }
      return try Self.fetch(db, id: supporterID, knownTo: organization)
    }
  }

  public func supporter(identifier: String, knownTo organization: String) async throws -> SupporterRecord? {
    try await pool.tracedRead { db in
      guard
        let id = try String.fetchOne(
          db.cachedStatement(sql: "SELECT supporter_id FROM identifiers WHERE organization = ? AND identifier = ?"),
          arguments: [organization, identifier])
      else { return nil }
      return try Self.fetch(db, id: id, knownTo: organization)
    }
  }

  public func identifiers(of supporterIDs: [String], organization: String) async throws -> [String: [String]] {
    guard !supporterIDs.isEmpty else { return [:] }
    return try await pool.tracedRead { db in
      var found: [String: [String]] = [:]
      // In slices, under SQLite's limit on bound values.
      for start in stride(from: 0, to: supporterIDs.count, by: 500) {
        let slice = Array(supporterIDs[start..<min(start + 500, supporterIDs.count)])
        let rows = try Row.fetchAll(
          db,
          sql: """
            SELECT supporter_id, identifier FROM identifiers
            WHERE organization = ? AND supporter_id IN (\(SQLiteColumns.placeholders(slice.count)))
            ORDER BY supporter_id, identifier
            """,
          arguments: StatementArguments([organization] + slice))
        for row in rows { found[row["supporter_id"], default: []].append(row["identifier"]) }
      }
      return found
    }
  }

  static func knows(_ db: Database, supporterID: String, organization: String) throws -> Bool {
    try Bool.fetchOne(
      db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM supporter_organizations WHERE supporter_id = ? AND organization = ?)"),
      arguments: [supporterID, organization]) ?? false
  }

  /// Throws when one of `identifiers` is another supporter's in
  /// `organization` (`supporterID` nil: a person not yet stored), or when
  /// the supporter would hold too many.
  static func checkAttachable(_ db: Database, _ identifiers: [String], to supporterID: String?, organization: String) throws {
    guard !identifiers.isEmpty else { return }
    var new = 0
    for identifier in identifiers {
      let holder = try String.fetchOne(
        db.cachedStatement(sql: "SELECT supporter_id FROM identifiers WHERE organization = ? AND identifier = ?"),
        arguments: [organization, identifier])
      switch holder {
      case nil: new += 1
      case supporterID?: break
      default: throw IdentifierRefusal.taken(identifier)
      }
    }
    guard new > 0 else { return }
    let held = try supporterID.map {
      try Int.fetchOne(
        db.cachedStatement(sql: "SELECT COUNT(*) FROM identifiers WHERE supporter_id = ? AND organization = ?"),
        arguments: [$0, organization]) ?? 0
    } ?? 0
    if held + new > PartnerIdentifier.perSupporter { throw IdentifierRefusal.tooMany(holding: held + new) }
  }

  /// Attaches checked identifiers (those already the supporter's stay).
  static func attach(_ db: Database, _ identifiers: [String], to supporterID: String, organization: String, time: Int64) throws {
    for identifier in identifiers {
      try db.cachedStatement(
        sql: "INSERT INTO identifiers (organization, identifier, supporter_id, create_time) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
      ).execute(arguments: [organization, identifier, supporterID, time])
    }
  }

  /// `organization`'s identifiers of one supporter, sorted.
  static func identifiers(_ db: Database, supporterID: String, organization: String) throws -> [String] {
    try String.fetchAll(
      db.cachedStatement(sql: "SELECT identifier FROM identifiers WHERE supporter_id = ? AND organization = ? ORDER BY identifier"),
      arguments: [supporterID, organization])
  }
}
