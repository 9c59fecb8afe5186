import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

/// What the signatures sharing one sign transaction (the group commit)
/// gather between them: each petition's counters are read once and written
/// once — the count, version, regions, history and milestones — its ledger
/// head read once, and each organization's event head read and written
/// once, however many of the transaction's signatures touch them. Each
/// signature's answer is worked out from the counters as read plus what the
/// signatures before it added, which is what the counters hold once the
/// transaction commits.
struct SignTransaction: GroupCommitState {
  /// One petition's counters as the transaction found them, and what its
  /// signatures add.
  private struct Counter {
    let count: Int64
    let version: Int64
    let updateTime: Int64
    let lastSignatureTime: Int64?
    /// Stored minute counts read so far, by the minute's start (seconds).
    var minutes: [Int64: Int64] = [:]
    var tally: SignatureTally
    var ledger: LedgerAppender
    /// When the newest signature counted in was stored.
    var touched: Int64 = 0

    mutating func count(_ db: Database, _ signature: SignatureRecord, salt: Data, now: Int64) throws {
      tally.add(signature, by: 1)
      touched = max(touched, now)
      try ledger.append(
        db, kind: .signature, signatureID: signature.id, time: signature.createTime.millisecondsSince1970,
        signerHash: LedgerChain.signerHash(salt: salt, supporter: signature.supporter))
    }
  }

  private var counters: [String: Counter] = [:]
  var events = EventBatch()

  init() {}

  /// Counts a new signature in and appends it to the petition's ledger.
  mutating func count(_ db: Database, _ signature: SignatureRecord, salt: Data, now: Int64) throws {
    try load(db, signature.petitionID)
    try counters[signature.petitionID]!.count(db, signature, salt: salt, now: now)
  }

  /// The answer to `signature`: the petition's figures after it.
  mutating func outcome(_ db: Database, _ signature: SignatureRecord, alreadySigned: Bool) throws -> SignOutcome {
    try load(db, signature.petitionID)
    let minute = HistoryBucketSize.minute.start(of: signature.createTime.millisecondsSince1970 / 1000)
    if counters[signature.petitionID]!.minutes[minute] == nil {
      counters[signature.petitionID]!.minutes[minute] = try SQLitePetitionRepository.storedMinuteCount(
        db, petitionID: signature.petitionID, minute: minute)
    }
    let counter = counters[signature.petitionID]!
    let tally = counter.tally
    let last = tally.lastSignature > 0 ? max(counter.lastSignatureTime ?? 0, tally.lastSignature) : counter.lastSignatureTime
    return SignOutcome(
      signature: signature, alreadySigned: alreadySigned, signatureCount: counter.count + Int64(tally.delta),
      updateTime: Date(millisecondsSince1970: tally.isEmpty ? counter.updateTime : counter.touched),
      version: counter.version + Int64(tally.changes),
      lastSignatureTime: last.map { Date(millisecondsSince1970: $0) },
      minuteStart: minute, minuteCount: counter.minutes[minute]! + Int64(tally.delta(.minute, start: minute)))
  }

  /// The signatures' events first: the milestones the counts reach append
  /// events of their own after them.
  mutating func finish(_ db: Database) throws {
    try events.finish(db)
    for counter in counters.values where !counter.tally.isEmpty {
      try counter.tally.apply(db, now: counter.touched)
    }
  }

  private mutating func load(_ db: Database, _ petitionID: String) throws {
    guard counters[petitionID] == nil else { return }
    let row = try Row.fetchOne(
      db.cachedStatement(
        sql: "SELECT signature_count, version, update_time, last_signature_time FROM petition_counters WHERE petition_id = ?"),
      arguments: [petitionID])!
    counters[petitionID] = Counter(
      count: row["signature_count"], version: row["version"], updateTime: row["update_time"],
      lastSignatureTime: row["last_signature_time"], tally: SignatureTally(petitionID: petitionID),
      ledger: try LedgerAppender(db, petitionID: petitionID))
  }
}
