import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

// MARK: privacy: anonymising, retention, retry answers

extension SQLitePetitionRepository {
  public func anonymize(supporter: String, organization: String?, now: Date) async throws -> [AnonymizedPetition] {
    try await pool.tracedWrite { db in
      let scope = organization == nil ? "" : "AND petition_id IN (SELECT id FROM petitions WHERE organization = ?)"
      let rows = try Row.fetchAll(
        db, sql: "SELECT rowid, * FROM signatures WHERE signer = \(SignerKeys.lookup) \(scope)",
        arguments: StatementArguments([supporter] + (organization.map { [$0] } ?? [])))
      // One token for the whole erasure: the person's signatures still count
      // once per campaign, and the token leads nowhere.
      let token = SignatureRecord.anonymousPrefix + ResourceName.newID()
      return try Self.anonymize(db, rows.map(Self.signatureRecord), token: { _ in token }, now: now)
    }
  }

  public func anonymizeClosed(closedBefore cutoff: Date, limit: Int, now: Date) async throws -> [AnonymizedPetition] {
    try await pool.tracedWrite { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT s.rowid, s.* FROM signatures s JOIN petitions p ON p.id = s.petition_id
          WHERE s.signer IS NOT NULL
            AND (p.close_time < ? OR (p.state = \(PetitionState.open.rawValue) AND p.deadline_time < ?))
          LIMIT ?
          """,
        arguments: [cutoff.millisecondsSince1970, cutoff.millisecondsSince1970, limit])
      // Each signature its own token: retention keeps no trace of who signed
      // what together.
      return try Self.anonymize(
        db, rows.map(Self.signatureRecord), token: { _ in SignatureRecord.anonymousPrefix + ResourceName.newID() }, now: now)
    }
  }

  public func expireRetryAnswers(before cutoff: Date) async throws -> Int {
    try await pool.tracedWrite { db in
      try db.execute(sql: "DELETE FROM sign_requests WHERE create_time < ?", arguments: [cutoff.millisecondsSince1970])
      return db.changesCount
    }
  }

  public func checkpoint() async throws {
    try SQLiteDatabase.checkpoint(pool)
  }

  /// Replaces each signature's supporter with its token (and no signer
  /// key) and blanks what it said about the person, then deletes the keys
  /// nothing holds any more; the counters keep their numbers and move their
  /// version, so the feeds carry the swap.
  private static func anonymize(
    _ db: Database, _ signatures: [SignatureRecord], token: (SignatureRecord) -> String, now: Date
  ) throws -> [AnonymizedPetition] {
    var byPetition: [String: [String: String]] = [:]
    var anonymized: [String: Int] = [:]
    for signature in signatures {
      let replacement = token(signature)
      try db.execute(
        sql: """
          UPDATE signatures SET supporter = ?, signer = NULL, comment = '', public_name = '', show_name = 0, source = '',
            signer_salt = NULL, verification_hash = NULL, ip_hash = NULL, domain_hash = NULL
          WHERE id = ?
          """,
        arguments: [replacement, signature.id])
      try db.execute(sql: "DELETE FROM sign_requests WHERE signature_id = ?", arguments: [signature.id])
      try EventOutbox.forget(db, supporter: signature.supporter)
      try EventOutbox.signature(
        db, .signatureErased, signature, counted: !signature.pending && !signature.suspect, time: now.millisecondsSince1970)
      anonymized[signature.petitionID, default: 0] += 1
      if byPetition[signature.petitionID] == nil { byPetition[signature.petitionID] = [:] }
      // Only a counted signature is in the live view's signer sets.
      if !signature.pending && !signature.suspect { byPetition[signature.petitionID]![signature.supporter] = replacement }
    }
    for supporter in Set(signatures.map(\.supporter)) { try SignerKeys.forgetIfUnused(db, supporter: supporter) }
    let time = now.millisecondsSince1970
    return try byPetition.keys.sorted().map { petitionID in
      try db.execute(
        sql: "UPDATE petition_counters SET version = version + 1, update_time = ? WHERE petition_id = ?",
        arguments: [time, petitionID])
      let replaced = byPetition[petitionID]!
      return AnonymizedPetition(
        change: try Self.change(
          db, petitionID: petitionID, touched: [], signed: Set(replaced.values), withdrawn: Set(replaced.keys)),
        anonymizedCount: anonymized[petitionID] ?? 0)
    }
  }
}

extension SQLitePetitionRepository {
  public func signaturesOfSupporter(
    _ supporter: String, organization: String?, before: Int64, limit: Int
  ) async throws -> (signatures: [SignatureOfSupporterRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let scope = organization == nil ? "" : "AND p.organization = ?"
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT s.rowid, s.*, p.title AS petition_title, p.organization AS petition_organization
          FROM signatures s JOIN petitions p ON p.id = s.petition_id
          WHERE s.signer = \(SignerKeys.lookup) \(scope) AND s.rowid < ? ORDER BY s.rowid DESC LIMIT ?
          """,
        arguments: StatementArguments([supporter] + (organization.map { [$0] } ?? []))
          + [before > 0 ? before : Int64.max, limit + 1])
      let signatures = rows.prefix(limit).map { row in
        SignatureOfSupporterRecord(
          signature: Self.signatureRecord(row), petitionTitle: row["petition_title"],
          petitionOrganization: row["petition_organization"])
      }
      return (signatures, rows.count > limit)
    }
  }
}
