import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

// MARK: invalidation jobs

extension SQLitePetitionRepository {
  /// The WHERE clause and arguments that select a condition's signatures.
  static func matching(_ condition: InvalidationConditionRecord) -> (sql: String, arguments: StatementArguments) {
    (
      """
      (?1 IS NULL OR petition_id = ?1) AND (?2 IS NULL OR domain_hash = ?2) AND (?3 IS NULL OR ip_hash = ?3)
        AND (?4 IS NULL OR create_time >= ?4) AND (?5 IS NULL OR create_time < ?5)
      """,
      [condition.petitionID, condition.domainHash, condition.ipHash, condition.start?.millisecondsSince1970,
       condition.end?.millisecondsSince1970]
    )
  }

  public func matchingSignatures(_ condition: InvalidationConditionRecord) async throws -> Int {
    try await pool.tracedRead { db in
      let (sql, arguments) = Self.matching(condition)
      return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signatures WHERE \(sql)", arguments: arguments) ?? 0
    }
  }

  public func startInvalidation(_ condition: InvalidationConditionRecord, now: Date) async throws -> InvalidationRecord {
    try await pool.tracedWrite { db in
      let id = ResourceName.newID()
      try db.execute(
        sql: """
          INSERT INTO invalidation_jobs (id, petition_id, domain_hash, ip_hash, start_time, end_time, state, create_time, update_time)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [id, condition.petitionID, condition.domainHash, condition.ipHash, condition.start?.millisecondsSince1970,
                    condition.end?.millisecondsSince1970, InvalidationRecord.State.running.rawValue,
                    now.millisecondsSince1970, now.millisecondsSince1970])
      return try Self.job(db, id: id)!.record
    }
  }

  public func invalidation(id: String) async throws -> InvalidationRecord? {
    try await pool.tracedRead { db in try Self.job(db, id: id)?.record }
  }

  public func cancelInvalidation(id: String, now: Date) async throws -> InvalidationRecord? {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: "UPDATE invalidation_jobs SET state = ?, update_time = ? WHERE id = ? AND state = ?",
        arguments: [InvalidationRecord.State.cancelled.rawValue, now.millisecondsSince1970, id,
                    InvalidationRecord.State.running.rawValue])
      return try Self.job(db, id: id)?.record
    }
  }

  public func runningInvalidations() async throws -> [String] {
    try await pool.tracedRead { db in
      try String.fetchAll(
        db, sql: "SELECT id FROM invalidation_jobs WHERE state = ? ORDER BY create_time",
        arguments: [InvalidationRecord.State.running.rawValue])
    }
  }

  public func runInvalidationBatch(id: String, limit: Int, now: Date) async throws -> (job: InvalidationRecord?, changes: [PetitionChange]) {
    try await pool.tracedWrite { db in
      guard let (job, condition) = try Self.job(db, id: id) else { return (nil, []) }
      guard job.state == .running else { return (job, []) }
      let (sql, arguments) = Self.matching(condition)
      let rows = try Row.fetchAll(
        db, sql: "SELECT rowid, * FROM signatures WHERE \(sql) ORDER BY rowid LIMIT \(limit)", arguments: arguments)
      let time = now.millisecondsSince1970
      var removed: [String: [SignatureRecord]] = [:]
      for signature in rows.map(Self.signatureRecord) where try Self.remove(db, signature, because: .signatureInvalidated, now: time) {
        removed[signature.petitionID, default: []].append(signature)
      }
      let state: InvalidationRecord.State = rows.count < limit ? .done : .running
      try db.execute(
        sql: "UPDATE invalidation_jobs SET invalidated = invalidated + ?, state = ?, update_time = ? WHERE id = ?",
        arguments: [rows.count, state.rawValue, time, id])
      let changes = try removed.map { petitionID, signatures in
        try Self.change(db, petitionID: petitionID, touched: signatures, withdrawn: Set(signatures.map(\.supporter)))
      }
      return (try Self.job(db, id: id)!.record, changes)
    }
  }

  private static func job(_ db: Database, id: String) throws -> (record: InvalidationRecord, condition: InvalidationConditionRecord)? {
    try Row.fetchOne(db, sql: "SELECT * FROM invalidation_jobs WHERE id = ?", arguments: [id]).map { row in
      (
        InvalidationRecord(
          id: row["id"], state: InvalidationRecord.State(rawValue: row["state"]) ?? .running, invalidated: row["invalidated"],
          createTime: Date(millisecondsSince1970: row["create_time"]), updateTime: Date(millisecondsSince1970: row["update_time"])),
        InvalidationConditionRecord(
          petitionID: row["petition_id"], domainHash: row["domain_hash"], ipHash: row["ip_hash"], start: row.date("start_time"),
          end: row.date("end_time"))
      )
    }
  }
}
