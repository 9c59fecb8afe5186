import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

// MARK: quiet fraud marks

extension SQLitePetitionRepository {
  /// Over a limit within the last hour on this petition, or blocked: one
  /// statement on the sign path, each count stopping at its limit so that a
  /// busy domain costs the same on every signature however many signed from
  /// it within the hour.
  static func isSuspect(_ db: Database, petitionID: String, marks: SignerMarks, now: Int64) throws -> Bool {
    let since = now - 3_600_000
    return try Bool.fetchOne(
      db.cachedStatement(sql: suspectSQL),
      arguments: blockedArguments(marks) + [
        marks.ipHash, petitionID, marks.ipHash, since, marks.rules.perIPPerHour, marks.rules.perIPPerHour,
        petitionID, marks.domainHash, since, marks.rules.perDomainPerHour, marks.rules.perDomainPerHour,
      ]) ?? false
  }

  /// The signer's address or domain is on the block list.
  static func isBlocked(_ db: Database, marks: SignerMarks) throws -> Bool {
    try Bool.fetchOne(db.cachedStatement(sql: blockedSQL), arguments: blockedArguments(marks)) ?? false
  }

  /// Whether the block list holds the signer's domain or address; its
  /// arguments are `blockedArguments`.
  private static let blocked =
    "EXISTS (SELECT 1 FROM blocked_signers WHERE (kind = ? AND value_hash = ?) OR (kind = ? AND value_hash = ?))"
  private static let blockedSQL = "SELECT \(blocked)"
  /// Blocked, or at a limit: `blockedArguments`, then the IP's and the
  /// domain's counts.
  private static let suspectSQL = """
    SELECT \(blocked)
      OR (? IS NOT NULL AND (SELECT COUNT(*) FROM (
        SELECT 1 FROM signatures WHERE petition_id = ? AND ip_hash = ? AND create_time >= ? LIMIT ?)) >= ?)
      OR (SELECT COUNT(*) FROM (
        SELECT 1 FROM signatures WHERE petition_id = ? AND domain_hash = ? AND create_time >= ? LIMIT ?)) >= ?
    """

  private static func blockedArguments(_ marks: SignerMarks) -> StatementArguments {
    [BlockedSigner.Kind.domain.rawValue, marks.domainHash, BlockedSigner.Kind.address.rawValue, marks.addressHash]
  }

  /// Moves the waiting and suspect numbers for a signature that does not
  /// count.
  static func moveUncounted(_ db: Database, _ signature: SignatureRecord, by delta: Int) throws {
    try db.cachedStatement(
      sql: """
        UPDATE petition_counters SET pending_count = pending_count + ?, suspect_count = suspect_count + ? WHERE petition_id = ?
        """
    ).execute(arguments: [signature.pending ? delta : 0, signature.suspect ? delta : 0, signature.petitionID])
  }

  public func reviewSuspects(petitionID: String, release: Bool, now: Date) async throws -> (reviewed: Int, change: PetitionChange?) {
    try await pool.tracedWrite { db in
      let suspects = try Row.fetchAll(
        db, sql: "SELECT rowid, * FROM signatures WHERE petition_id = ? AND suspect = 1", arguments: [petitionID]
      ).map(Self.signatureRecord)
      guard release else {
        for signature in suspects { try Self.remove(db, signature, because: .signatureInvalidated, now: now.millisecondsSince1970) }
        return (suspects.count, nil)
      }
      var counted: [SignatureRecord] = []
      for signature in suspects {
        try db.execute(sql: "UPDATE signatures SET suspect = 0 WHERE id = ?", arguments: [signature.id])
        try db.execute(
          sql: "UPDATE petition_counters SET suspect_count = suspect_count - 1 WHERE petition_id = ?", arguments: [petitionID])
        var released = signature
        released.suspect = false
        // One still waiting for verification counts once verified.
        guard !released.pending else { continue }
        try EventOutbox.signature(db, .signatureVerified, released, counted: true, time: now.millisecondsSince1970)
        try Self.countAndRecord(db, released, now: now.millisecondsSince1970)
        counted.append(released)
      }
      guard !counted.isEmpty else { return (suspects.count, nil) }
      return (suspects.count, try Self.change(db, petitionID: petitionID, touched: counted, signed: Set(counted.map(\.supporter))))
    }
  }

  public func updateBlockList(block: [BlockedSigner], unblock: [BlockedSigner]) async throws -> Int {
    try await pool.tracedWrite { db in
      for entry in block {
        try db.execute(
          sql: "INSERT OR IGNORE INTO blocked_signers (kind, value_hash) VALUES (?, ?)", arguments: [entry.kind.rawValue, entry.valueHash])
      }
      for entry in unblock {
        try db.execute(
          sql: "DELETE FROM blocked_signers WHERE kind = ? AND value_hash = ?", arguments: [entry.kind.rawValue, entry.valueHash])
      }
      return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blocked_signers") ?? 0
    }
  }
}
