import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

// MARK: verification (double opt-in)

extension SQLitePetitionRepository {
  public func verify(petitionID: String, tokenHash: Data, now: Date) async throws -> VerifyResult {
    try await pool.tracedWrite { db in
      guard let row = try Row.fetchOne(
        db, sql: "SELECT rowid, * FROM signatures WHERE verification_hash = ? AND petition_id = ?", arguments: [tokenHash, petitionID])
      else { return .notFound }
      let stored = Self.signatureRecord(row)
      guard stored.pending else { return .verified(try Self.outcome(db, stored, alreadySigned: false), already: true) }
      guard let expiry = row.date("verification_expire_time"), expiry > now else { return .expired }
      // The hash stays, so that verifying again is answered the same.
      try db.execute(
        sql: "UPDATE signatures SET pending = 0, verification_expire_time = NULL WHERE id = ?", arguments: [stored.id])
      try db.execute(
        sql: "UPDATE petition_counters SET pending_count = pending_count - 1 WHERE petition_id = ?", arguments: [petitionID])
      var counted = stored
      counted.pending = false
      // A suspect signature, verified, still waits for an operator.
      try EventOutbox.signature(db, .signatureVerified, counted, counted: !counted.suspect, time: now.millisecondsSince1970)
      if !counted.suspect { try Self.countAndRecord(db, counted, now: now.millisecondsSince1970) }
      return .verified(try Self.outcome(db, counted, alreadySigned: false), already: false)
    }
  }

  public func renewVerification(signatureID: String, _ verification: PendingVerification) async throws -> Bool {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: "UPDATE signatures SET verification_hash = ?, verification_expire_time = ? WHERE id = ? AND pending = 1",
        arguments: [verification.tokenHash, verification.expireTime.millisecondsSince1970, signatureID])
      return db.changesCount == 1
    }
  }

  public func purgeUnverified(expiredBefore before: Date) async throws -> Int {
    try await pool.tracedWrite { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT rowid, * FROM signatures WHERE pending = 1 AND verification_expire_time < ?",
        arguments: [before.millisecondsSince1970])
      for row in rows {
        try Self.remove(db, Self.signatureRecord(row), because: .signatureExpired, now: before.millisecondsSince1970)
      }
      return rows.count
    }
  }
}
