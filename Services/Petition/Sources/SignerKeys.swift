import GRDB

/// Each supporter's local key in petition-service: a small integer given
/// the first time they sign here, in the order they first signed.
///
/// Supporter ids are random on purpose (an id that sorted by creation would
/// tell one organization when the person first became known to another).
/// Indexes keyed by them took every new signature at a random page of each:
/// one signature per person and petition, the signatures by supporter and
/// the events by supporter. Keyed by this integer instead they take new
/// signers' entries at their end, and the random id is written once, into
/// this map. An entry is deleted once no signature or event holds it: at an
/// erasure, a retention pass, or when the events that held it are pruned.
enum SignerKeys {
  /// `signer = (this)` selects by supporter id through the map; it selects
  /// nothing for an id the map does not hold.
  static let lookup = "(SELECT key FROM signers WHERE supporter = ?)"

  /// The supporter's key, given now if they have none.
  static func key(_ db: Database, supporter: String) throws -> Int64 {
    if let key = try existing(db, supporter: supporter) { return key }
    try db.cachedStatement(sql: "INSERT INTO signers (supporter) VALUES (?)").execute(arguments: [supporter])
    return db.lastInsertedRowID
  }

  /// The supporter's key, if they have one.
  static func existing(_ db: Database, supporter: String) throws -> Int64? {
    try Int64.fetchOne(db.cachedStatement(sql: "SELECT key FROM signers WHERE supporter = ?"), arguments: [supporter])
  }

  /// Deletes the key of `supporter` unless a signature or an event still
  /// holds it (an erasure, a retention pass).
  static func forgetIfUnused(_ db: Database, supporter: String) throws {
    try db.cachedStatement(sql: "DELETE FROM signers WHERE supporter = ? AND \(unused)").execute(arguments: [supporter])
  }

  /// Deletes each key nothing holds any more (after events are pruned: a
  /// signer whose signatures were all withdrawn is then forgotten).
  static func forgetIfUnused(_ db: Database, keys: some Sequence<Int64>) throws {
    let statement = try db.cachedStatement(sql: "DELETE FROM signers WHERE key = ? AND \(unused)")
    for key in keys { try statement.execute(arguments: [key]) }
  }

  private static let unused = """
    NOT EXISTS (SELECT 1 FROM signatures WHERE signer = signers.key)
      AND NOT EXISTS (SELECT 1 FROM events WHERE signer = signers.key)
    """
}
