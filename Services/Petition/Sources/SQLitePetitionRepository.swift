import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// `PetitionRepository` on the service's own SQLite file. The counter lives
/// in its own table, created with the petition, and is bumped in the same
/// transaction as the signature insert.
public struct SQLitePetitionRepository: PetitionRepository {
  let pool: DatabasePool

  public init(directory: String) throws {
    pool = try SQLiteDatabase.open(directory: directory, file: "petition.sqlite") { migrator in
      migrator.registerMigration("1 petitions and signatures") { db in
        try db.execute(sql: """
          CREATE TABLE petitions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            organization TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            body TEXT NOT NULL,
            state INTEGER NOT NULL,
            create_time INTEGER NOT NULL,
            update_time INTEGER NOT NULL
          );
          CREATE INDEX petitions_by_organization ON petitions (organization, seq);
          CREATE TABLE petition_counters (
            petition_id TEXT PRIMARY KEY REFERENCES petitions(id),
            signature_count INTEGER NOT NULL,
            update_time INTEGER NOT NULL
          );
          CREATE TABLE signatures (
            id TEXT PRIMARY KEY,
            petition_id TEXT NOT NULL REFERENCES petitions(id),
            supporter TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            UNIQUE (petition_id, supporter)
          );
          """)
      }
    }
  }

  /// The database, for tests that check its settings.
  public var database: DatabasePool { pool }

  private static let select = """
    SELECT p.*, c.signature_count, c.update_time AS count_time FROM petitions p
    JOIN petition_counters c ON c.petition_id = p.id
    """

  public func create(_ petition: PetitionRecord) async throws -> PetitionRecord {
    try await pool.write { db in
      let now = petition.createTime.millisecondsSince1970
      try db.execute(
        sql: """
          INSERT INTO petitions (id, organization, title, summary, body, state, create_time, update_time)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [petition.id, petition.organization, petition.title, petition.summary, petition.body,
                    petition.state.rawValue, now, now])
      try db.execute(
        sql: "INSERT INTO petition_counters (petition_id, signature_count, update_time) VALUES (?, 0, ?)",
        arguments: [petition.id, now])
      return try Self.fetch(db, id: petition.id)!
    }
  }

  public func petition(id: String) async throws -> PetitionRecord? {
    try await pool.read { try Self.fetch($0, id: id) }
  }

  public func petitions(organization: String?, includeDraftsOf viewer: String?, before: Int64, limit: Int) async throws -> (petitions: [PetitionRecord], hasMore: Bool) {
    try await pool.read { db in
      var conditions = ["p.seq < ?"]
      var arguments: StatementArguments = [before > 0 ? before : Int64.max]
      if let organization {
        conditions.append("p.organization = ?")
        _ = arguments.append(contentsOf: [organization])
      }
      conditions.append("(p.state != ? OR p.organization = ?)")
      _ = arguments.append(contentsOf: [PetitionState.draft.rawValue, viewer ?? ""])
      _ = arguments.append(contentsOf: [limit + 1])
      let rows = try Row.fetchAll(
        db, sql: Self.select + " WHERE " + conditions.joined(separator: " AND ") + " ORDER BY p.seq DESC LIMIT ?",
        arguments: arguments)
      let records = rows.prefix(limit).map(Self.record)
      return (records, rows.count > limit)
    }
  }

  public func transition(id: String, from: PetitionState, to: PetitionState, now: Date) async throws -> PetitionRecord {
    try await pool.write { db in
      guard let current = try Self.fetch(db, id: id) else { throw PetitionStoreError.notFound }
      guard current.state == from else { throw PetitionStoreError.wrongState(current: current.state) }
      try db.execute(
        sql: "UPDATE petitions SET state = ?, update_time = ? WHERE id = ?",
        arguments: [to.rawValue, now.millisecondsSince1970, id])
      return try Self.fetch(db, id: id)!
    }
  }

  public func sign(petitionID: String, supporter: String, now: Date) async throws -> SignOutcome {
    try await pool.write { db in
      guard let petition = try Self.fetch(db, id: petitionID) else { throw PetitionStoreError.notFound }
      guard petition.state == .open else { throw PetitionStoreError.wrongState(current: petition.state) }
      let time = now.millisecondsSince1970
      try db.execute(
        sql: "INSERT OR IGNORE INTO signatures (id, petition_id, supporter, create_time) VALUES (?, ?, ?, ?)",
        arguments: [ResourceName.newID(), petitionID, supporter, time])
      let inserted = db.changesCount == 1
      if inserted {
        try db.execute(
          sql: "UPDATE petition_counters SET signature_count = signature_count + 1, update_time = ? WHERE petition_id = ?",
          arguments: [time, petitionID])
      }
      let row = try Row.fetchOne(
        db, sql: "SELECT * FROM signatures WHERE petition_id = ? AND supporter = ?", arguments: [petitionID, supporter])!
      let counter = try Row.fetchOne(
        db, sql: "SELECT signature_count, update_time FROM petition_counters WHERE petition_id = ?", arguments: [petitionID])!
      return SignOutcome(
        signature: SignatureRecord(
          id: row["id"], petitionID: petitionID, supporter: row["supporter"],
          createTime: Date(millisecondsSince1970: row["create_time"])),
        alreadySigned: !inserted,
        signatureCount: counter["signature_count"],
        updateTime: Date(millisecondsSince1970: counter["update_time"]))
    }
  }

  public func counts(ids: [String]) async throws -> [String: (count: Int64, updateTime: Date)] {
    guard !ids.isEmpty else { return [:] }
    return try await pool.read { db in
      let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM petition_counters WHERE petition_id IN (\(marks))", arguments: StatementArguments(ids))
      var result: [String: (count: Int64, updateTime: Date)] = [:]
      for row in rows {
        result[row["petition_id"]] = (row["signature_count"], Date(millisecondsSince1970: row["update_time"]))
      }
      return result
    }
  }

  private static func fetch(_ db: Database, id: String) throws -> PetitionRecord? {
    try Row.fetchOne(db, sql: select + " WHERE p.id = ?", arguments: [id]).map(record)
  }

  private static func record(_ row: Row) -> PetitionRecord {
    PetitionRecord(
      id: row["id"], organization: row["organization"], title: row["title"], summary: row["summary"],
      body: row["body"], state: PetitionState(rawValue: row["state"]) ?? .draft,
      signatureCount: row["signature_count"],
      createTime: Date(millisecondsSince1970: row["create_time"]),
      updateTime: Date(millisecondsSince1970: max(row["update_time"] as Int64, row["count_time"] as Int64)),
      sequence: row["seq"])
  }
}
