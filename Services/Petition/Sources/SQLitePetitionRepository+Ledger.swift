import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

// MARK: the signature ledger

extension SQLitePetitionRepository {
  /// Appends one entry to a petition's chain, in the caller's transaction.
  static func appendLedger(
    _ db: Database, petitionID: String, kind: LedgerEntryKind, signatureID: String, time: Int64, signerHash: Data?
  ) throws {
    var ledger = try LedgerAppender(db, petitionID: petitionID)
    try ledger.append(db, kind: kind, signatureID: signatureID, time: time, signerHash: signerHash)
  }

  public func ledgerHead(petitionID: String) async throws -> LedgerHead {
    try await pool.tracedRead { db in
      let last = try Row.fetchOne(
        db, sql: "SELECT position, head FROM ledger_entries WHERE petition_id = ? ORDER BY position DESC LIMIT 1",
        arguments: [petitionID])
      let tombstones = try Int64.fetchOne(
        db, sql: "SELECT COUNT(*) FROM ledger_entries WHERE petition_id = ? AND kind = ?",
        arguments: [petitionID, LedgerEntryKind.tombstone.rawValue]) ?? 0
      let entries = last?["position"] as Int64? ?? 0
      return LedgerHead(
        head: last?["head"] as Data? ?? LedgerChain.emptyHead, entryCount: entries, counted: entries - 2 * tombstones)
    }
  }

  public func ledgerEntries(petitionID: String, after: Int64, limit: Int) async throws -> (entries: [LedgerEntryRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM ledger_entries WHERE petition_id = ? AND position > ? ORDER BY position LIMIT ?",
        arguments: [petitionID, after, limit + 1])
      let entries = rows.prefix(limit).map { row in
        LedgerEntryRecord(
          position: row["position"], kind: LedgerEntryKind(rawValue: row["kind"]) ?? .signature,
          signatureID: row["signature_id"], timeMillis: row["time"], signerHash: row["signer_hash"] ?? Data(),
          commitment: row["commitment"], head: row["head"])
      }
      return (entries, rows.count > limit)
    }
  }
}

/// Appends entries to one petition's ledger chain, reading its head once.
struct LedgerAppender {
  let petitionID: String
  private var position: Int64
  private var head: Data

  init(_ db: Database, petitionID: String) throws {
    self.petitionID = petitionID
    let last = try Row.fetchOne(
      db.cachedStatement(sql: "SELECT position, head FROM ledger_entries WHERE petition_id = ? ORDER BY position DESC LIMIT 1"),
      arguments: [petitionID])
    position = last?["position"] as Int64? ?? 0
    head = last?["head"] as Data? ?? LedgerChain.emptyHead
  }

  mutating func append(_ db: Database, kind: LedgerEntryKind, signatureID: String, time: Int64, signerHash: Data?) throws {
    let commitment = switch kind {
    case .signature: LedgerChain.signatureCommitment(signature: signatureID, timeMillis: time, signerHash: signerHash!)
    case .tombstone: LedgerChain.tombstoneCommitment(signature: signatureID, timeMillis: time)
    }
    position += 1
    head = LedgerChain.next(head: head, commitment: commitment)
    try db.cachedStatement(
      sql: """
        INSERT INTO ledger_entries (petition_id, position, kind, signature_id, time, signer_hash, commitment, head)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [petitionID, position, kind.rawValue, signatureID, time, signerHash, commitment, head])
  }
}
