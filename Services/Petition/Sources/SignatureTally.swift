import GRDB
import GroundswellModel

/// What a transaction does to one petition's counters, gathered first and
/// written once: the petition's count (and offline count), its regions and
/// its history buckets, then its milestones at the new count. One signature
/// or a thousand cost the same few statements.
struct SignatureTally {
  let petitionID: String
  private(set) var delta = 0
  private var offline = 0
  /// Signatures counted in or out: the counter's version moves by this.
  private(set) var changes = 0
  /// The newest counted-in signature's time, 0 for none.
  private(set) var lastSignature: Int64 = 0
  private var regions: [RegionKey: Int] = [:]
  private var buckets: [HistoryBucketSize: [Int64: Int]] = [:]

  private struct RegionKey: Hashable {
    var country: String
    var subdivision: String
  }

  init(petitionID: String) {
    self.petitionID = petitionID
  }

  var isEmpty: Bool { changes == 0 }

  /// Counts `signature` in (`delta` 1) or out (-1).
  mutating func add(_ signature: SignatureRecord, by delta: Int) {
    precondition(signature.petitionID == petitionID)
    let signed = signature.createTime.millisecondsSince1970
    self.delta += delta
    changes += 1
    if signature.offline { offline += delta }
    if delta > 0 { lastSignature = max(lastSignature, signed) }
    regions[RegionKey(country: signature.country, subdivision: signature.subdivision), default: 0] += delta
    for size in HistoryBucketSize.allCases {
      buckets[size, default: [:]][size.start(of: signed / 1000), default: 0] += delta
    }
  }

  /// What the gathered signatures add to one history bucket.
  func delta(_ size: HistoryBucketSize, start: Int64) -> Int {
    buckets[size]?[start] ?? 0
  }

  /// Writes the gathered changes; the counter's version moves once per
  /// signature counted in or out.
  func apply(_ db: Database, now: Int64) throws {
    guard !isEmpty else { return }
    let count = try Int64.fetchOne(
      db.cachedStatement(
        sql: """
          UPDATE petition_counters SET signature_count = signature_count + ?, offline_count = offline_count + ?,
            update_time = ?, version = version + ?, last_signature_time = MAX(COALESCE(last_signature_time, 0), ?)
          WHERE petition_id = ?
          RETURNING signature_count
          """),
      arguments: [delta, offline, now, changes, lastSignature, petitionID])!
    let region = try db.cachedStatement(
      sql: """
        INSERT INTO region_counters (petition_id, country, subdivision, signature_count) VALUES (?, ?, ?, ?)
        ON CONFLICT (petition_id, country, subdivision) DO UPDATE SET signature_count = signature_count + excluded.signature_count
        """)
    for (key, delta) in regions where delta != 0 {
      try region.execute(arguments: [petitionID, key.country, key.subdivision, delta])
    }
    for size in HistoryBucketSize.allCases {
      let bucket = try db.cachedStatement(
        sql: """
          INSERT INTO signatures_per_\(size.rawValue) (petition_id, bucket_start, signature_count) VALUES (?, ?, ?)
          ON CONFLICT (petition_id, bucket_start) DO UPDATE SET signature_count = signature_count + excluded.signature_count
          """)
      for (start, delta) in buckets[size] ?? [:] where delta != 0 {
        try bucket.execute(arguments: [petitionID, start, delta])
      }
    }
    // The milestones the count has reached (at or under it, not yet
    // reached) or left (over it, reached before): one statement for both.
    // It returns the stored `reach_time` itself: SQLite 3.40 answered
    // `reach_time IS NOT NULL` here with the value before the update.
    var reached: [Int64] = []
    var cleared: [Int64] = []
    let moved = try Row.fetchCursor(
      db.cachedStatement(
        sql: """
          UPDATE petition_milestones SET reach_time = CASE WHEN threshold <= ?1 THEN ?2 END
          WHERE petition_id = ?3 AND (threshold <= ?1) = (reach_time IS NULL)
          RETURNING threshold, reach_time
          """),
      arguments: [count, now, petitionID])
    while let row = try moved.next() {
      if (row[1] as Int64?) != nil { reached.append(row[0]) } else { cleared.append(row[0]) }
    }
    for (type, thresholds) in [(EventOutbox.Event.TypeEnum.milestoneReached, reached), (.milestoneCleared, cleared)] {
      for threshold in thresholds.sorted() {
        try EventOutbox.petition(db, type, petitionID: petitionID, time: now) { $0.milestoneThreshold = threshold }
      }
    }
  }
}
