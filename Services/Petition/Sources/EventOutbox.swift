import Foundation
import GRDB
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// The transactional outbox of partner events: each change writes its
/// events in its own transaction, numbered per organization (1, 2, 3…
/// without gaps), so a committed change always has its events and a
/// rolled-back one never does. An event goes to the petition's organization
/// and, for a signature another organization collected, to that one too.
/// The signer is stored apart from the event, so that erasure can forget
/// it: shown on the petition organization's copy only, kept on the
/// collecting organization's copy for that organization's own identifiers
/// of the signer.
enum EventOutbox {
  typealias Event = Groundswell_Petition_V1_Event

  /// Appends `event`, which concerns no signer, to `organization`'s events.
  static func append(_ db: Database, organization: String, _ event: Event, time: Int64) throws {
    var batch = EventBatch()
    try batch.append(db, organization: organization, event, time: time)
    try batch.finish(db)
  }

  /// The organization that owns a petition.
  static func owner(_ db: Database, petitionID: String) throws -> String {
    try String.fetchOne(db.cachedStatement(sql: "SELECT organization FROM petitions WHERE id = ?"), arguments: [petitionID]) ?? ""
  }

  /// A signature event, to the petition's organization and to the one that
  /// collected the signature.
  static func signature(
    _ db: Database, _ type: Event.TypeEnum, _ signature: SignatureRecord, counted: Bool, owner: String? = nil, time: Int64
  ) throws {
    var batch = EventBatch()
    try Self.signature(db, type, signature, counted: counted, owner: owner, time: time, into: &batch)
    try batch.finish(db)
  }

  /// A signature event, numbered in `batch` (many signatures of one
  /// transaction: each organization's head read and written once).
  /// `signerKey` is the signer's local key when the caller has just looked
  /// it up (the sign and import paths), so that it is not looked up again.
  static func signature(
    _ db: Database, _ type: Event.TypeEnum, _ signature: SignatureRecord, counted: Bool, owner: String? = nil, time: Int64,
    signerKey: Int64? = nil, into batch: inout EventBatch
  ) throws {
    let owner = try owner ?? Self.owner(db, petitionID: signature.petitionID)
    let event = Event.with {
      $0.type = type
      $0.petition = "petitions/\(signature.petitionID)"
      $0.signature = "petitions/\(signature.petitionID)/signatures/\(signature.id)"
      $0.counted = counted
      $0.offline = signature.offline
      $0.collectedBy = signature.collectedBy
    }
    let supporter = type == .signatureErased || signature.isAnonymous ? "" : signature.supporter
    let signer = supporter.isEmpty
      ? nil : EventBatch.Signer(supporter: supporter, key: try signerKey ?? SignerKeys.key(db, supporter: supporter))
    try batch.append(db, organization: owner, event, signer: signer, time: time)
    if !signature.collectedBy.isEmpty && signature.collectedBy != owner {
      try batch.append(db, organization: signature.collectedBy, event, signer: signer, shown: false, time: time)
    }
  }

  /// A petition event, to its organization.
  static func petition(_ db: Database, _ type: Event.TypeEnum, petitionID: String, owner: String? = nil, time: Int64,
    _ fill: (inout Event) -> Void = { _ in }
  ) throws {
    var event = Event.with {
      $0.type = type
      $0.petition = "petitions/\(petitionID)"
    }
    fill(&event)
    try append(db, organization: try owner ?? Self.owner(db, petitionID: petitionID), event, time: time)
  }

  /// Forgets a signer in the stored events (erasure).
  static func forget(_ db: Database, supporter: String) throws {
    try db.cachedStatement(sql: "UPDATE events SET supporter = '', signer = NULL WHERE signer = \(SignerKeys.lookup)")
      .execute(arguments: [supporter])
  }
}

/// Events appended in one transaction: each organization's last sequence is
/// read at its first event and written back once, by `finish`.
struct EventBatch {
  private var heads: [String: Int64] = [:]

  /// The signer an event is stored with: their supporter id and local key.
  struct Signer {
    let supporter: String
    let key: Int64
  }

  /// Appends `event`, stored with `signer` (shown to `organization` or not).
  mutating func append(
    _ db: Database, organization: String, _ event: EventOutbox.Event, signer: Signer? = nil, shown: Bool = true, time: Int64
  ) throws {
    let last = try heads[organization]
      ?? Int64.fetchOne(
        db.cachedStatement(sql: "SELECT last_sequence FROM event_heads WHERE organization = ?"), arguments: [organization]) ?? 0
    heads[organization] = last + 1
    try db.cachedStatement(
      sql: """
        INSERT INTO events (organization, sequence, create_time, supporter, signer, supporter_shown, body)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(
      arguments: [organization, last + 1, time, signer?.supporter ?? "", signer?.key, shown, try event.serializedBytes() as Data])
  }

  /// Writes each organization's new last sequence. Call before the
  /// transaction commits.
  func finish(_ db: Database) throws {
    for (organization, last) in heads {
      try db.cachedStatement(
        sql: """
          INSERT INTO event_heads (organization, last_sequence) VALUES (?, ?)
          ON CONFLICT (organization) DO UPDATE SET last_sequence = excluded.last_sequence
          """
      ).execute(arguments: [organization, last])
    }
  }
}

/// An event another service wrote to its outbox.
public struct OutboxItem: Sendable {
  public var id: Int64
  public var organization: String
  public var event: Groundswell_Petition_V1_Event
  public var time: Date

  public init(id: Int64, organization: String, event: Groundswell_Petition_V1_Event, time: Date) {
    self.id = id
    self.organization = organization
    self.event = event
    self.time = time
  }
}

/// A page of an organization's events.
public struct EventPage: Sendable {
  public var events: [Groundswell_Petition_V1_Event]
  /// The signer stored with each event (shown or not), "" for none: for the
  /// organization's own identifiers of them.
  public var signers: [String] = []
  public var head: Int64
  /// The sequence the page starts after.
  public var startAfter: Int64
}

/// Why a page of events cannot be read.
public enum EventReadError: Error, Equatable {
  /// The position is older than the events kept: they were pruned.
  case pruned(through: Int64)
  /// The position is past the newest event.
  case ahead(head: Int64)
}

extension SQLitePetitionRepository {
  /// Up to `limit` of `organization`'s events after `after`, the signer
  /// left in only when `withSupporters`.
  public func events(organization: String, after requested: Int64?, limit: Int, withSupporters: Bool) async throws -> EventPage {
    try await pool.read { db in
      let head = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT last_sequence, pruned_through FROM event_heads WHERE organization = ?"),
        arguments: [organization])
      let last: Int64 = head?["last_sequence"] ?? 0
      let pruned: Int64 = head?["pruned_through"] ?? 0
      let after = requested ?? pruned
      guard after >= pruned else { throw EventReadError.pruned(through: pruned) }
      guard after <= last else { throw EventReadError.ahead(head: last) }
      guard limit > 0 else { return EventPage(events: [], head: last, startAfter: after) }
      let rows = try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT sequence, create_time, supporter, supporter_shown, body FROM events
            WHERE organization = ? AND sequence > ? ORDER BY sequence LIMIT ?
            """),
        arguments: [organization, after, limit])
      let events = try rows.map { row -> Groundswell_Petition_V1_Event in
        var event = try Groundswell_Petition_V1_Event(serializedBytes: row["body"] as Data)
        let sequence: Int64 = row["sequence"]
        event.sequence = sequence
        event.time = Google_Protobuf_Timestamp(clamping: Date(millisecondsSince1970: row["create_time"]))
        if withSupporters && row["supporter_shown"] { event.supporter = row["supporter"] }
        return event
      }
      return EventPage(events: events, signers: rows.map { $0["supporter"] }, head: last, startAfter: after)
    }
  }

  /// Reads only the events after the position, by id. Without `NOT
  /// INDEXED`, SQLite groups by walking the whole (organization, sequence)
  /// index and tests every row's id: a scan of all events kept, every 100 ms
  /// for each watcher (20 ms with 324,000 events, a core's worth with ten
  /// million).
  static let eventHeadsSQL = """
    SELECT organization, MAX(sequence) AS head, MAX(id) AS position FROM events NOT INDEXED
    WHERE id > ? GROUP BY organization
    """

  /// The organizations whose events moved after the global position
  /// `after`, with their newest sequence numbers, and the new position.
  public func eventHeads(after: Int64) async throws -> (heads: [String: Int64], position: Int64) {
    try await pool.read { db in
      let rows = try Row.fetchAll(db.cachedStatement(sql: Self.eventHeadsSQL), arguments: [after])
      var heads: [String: Int64] = [:]
      var position = after
      for row in rows {
        heads[row["organization"]] = row["head"]
        position = max(position, row["position"])
      }
      if rows.isEmpty, after == 0 {
        position = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0
      }
      return (heads, position)
    }
  }

  public func appendEvents(source: String, _ events: [OutboxItem]) async throws -> Int64 {
    try await pool.tracedWrite { db in
      var last = try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT last_id FROM event_sources WHERE source = ?"), arguments: [source]) ?? 0
      for item in events where item.id > last {
        var event = item.event
        event.sequence = 0
        event.cursor = ""
        event.id = ""
        event.clearTime()
        try EventOutbox.append(db, organization: item.organization, event, time: item.time.millisecondsSince1970)
        last = item.id
      }
      try db.execute(
        sql: "INSERT INTO event_sources (source, last_id) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET last_id = excluded.last_id",
        arguments: [source, last])
      return last
    }
  }

  /// The newest global position (where a new heads watch starts).
  public func eventPosition() async throws -> Int64 {
    try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0 }
  }

  /// Deletes events committed before `cutoff`, remembering per
  /// organization how far they were pruned, and the signer keys they were
  /// the last to hold. Returns how many events went.
  public func pruneEvents(before cutoff: Date, limit: Int = 10_000) async throws -> Int {
    try await pool.tracedWrite { db in
      let time = cutoff.millisecondsSince1970
      let gone = try Row.fetchAll(
        db, sql: """
          SELECT organization, MAX(sequence) AS through, COUNT(*) AS count FROM
            (SELECT organization, sequence FROM events WHERE create_time < ? ORDER BY create_time LIMIT ?)
          GROUP BY organization
          """, arguments: [time, limit])
      var deleted = 0
      for row in gone {
        let organization: String = row["organization"]
        let through: Int64 = row["through"]
        let signers = try Int64.fetchSet(
          db, sql: "SELECT signer FROM events WHERE organization = ? AND sequence <= ? AND signer IS NOT NULL",
          arguments: [organization, through])
        try db.execute(
          sql: "DELETE FROM events WHERE organization = ? AND sequence <= ?", arguments: [organization, through])
        deleted += db.changesCount
        try SignerKeys.forgetIfUnused(db, keys: signers)
        try db.execute(
          sql: "UPDATE event_heads SET pruned_through = MAX(pruned_through, ?) WHERE organization = ?",
          arguments: [through, organization])
      }
      return deleted
    }
  }
}
