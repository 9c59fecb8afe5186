import Foundation
import GRDB
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// `PetitionRepository` on the service's own SQLite file. Counters (per
/// petition and per region) live in their own tables and change in the same
/// transaction as the signature rows, so reads never count rows.
public struct SQLitePetitionRepository: PetitionRepository {
  let pool: DatabasePool
  /// Concurrent signatures share one durable transaction.
  let writer: GroupCommitWriter<SignTransaction>
  let signables = SignablePetitionCache()
  /// Retry lookups that arrive together share one read transaction.
  let replays: CallBatcher<RequestLookup, StoredAnswer?>

  /// A retry's key as looked up, and the first answer stored under it.
  struct RequestLookup: Sendable {
    let caller: String
    let requestID: String
  }
  typealias StoredAnswer = (fingerprint: Data, answer: Data)

  public init(directory: String) throws {
    pool = try SQLiteDatabase.open(directory: directory, file: "petition.sqlite") { Self.registerMigrations(&$0) }
    writer = GroupCommitWriter(pool: pool, name: "sign", state: SignTransaction.self) { ProcessMetrics.recordCommitSize($0) }
    replays = CallBatcher(maximumBatch: 512) { [pool] lookups in
      try await pool.tracedRead(function: "replay") { db in
        try lookups.map { .success(try Self.firstAnswer(db, caller: $0.caller, requestID: $0.requestID)) }
      }
    }
    pool.writeWithoutTransaction { [signables] db in db.add(transactionObserver: signables, extent: .databaseLifetime) }
  }

  /// The schema, migration by migration: shipped ones frozen as literal SQL.
  static func registerMigrations(_ migrator: inout DatabaseMigrator) {
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
    migrator.registerMigration("2 targets, milestones, updates, regions, retries") { db in
      try db.execute(sql: """
        ALTER TABLE petitions ADD COLUMN letter TEXT NOT NULL DEFAULT '';
        ALTER TABLE petitions ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE petitions ADD COLUMN image_uri TEXT NOT NULL DEFAULT '';
        ALTER TABLE petitions ADD COLUMN deadline_time INTEGER;
        ALTER TABLE petitions ADD COLUMN targets TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE petitions ADD COLUMN publish_time INTEGER;
        ALTER TABLE petitions ADD COLUMN victory_note TEXT NOT NULL DEFAULT '';
        ALTER TABLE petitions ADD COLUMN victory_time INTEGER;
        ALTER TABLE petitions ADD COLUMN removal_reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE petitions ADD COLUMN remove_time INTEGER;
        UPDATE petitions SET publish_time = create_time WHERE state != 1;
        CREATE TABLE petition_milestones (
          petition_id TEXT NOT NULL REFERENCES petitions(id),
          threshold INTEGER NOT NULL,
          label TEXT NOT NULL,
          reach_time INTEGER,
          PRIMARY KEY (petition_id, threshold)
        );
        CREATE TABLE petition_updates (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          petition_id TEXT NOT NULL REFERENCES petitions(id),
          title TEXT NOT NULL,
          body TEXT NOT NULL,
          create_time INTEGER NOT NULL
        );
        CREATE INDEX updates_by_petition ON petition_updates (petition_id, seq);
        ALTER TABLE signatures ADD COLUMN comment TEXT NOT NULL DEFAULT '';
        ALTER TABLE signatures ADD COLUMN show_name INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE signatures ADD COLUMN source TEXT NOT NULL DEFAULT '';
        ALTER TABLE signatures ADD COLUMN country TEXT NOT NULL DEFAULT '';
        ALTER TABLE signatures ADD COLUMN subdivision TEXT NOT NULL DEFAULT '';
        ALTER TABLE signatures ADD COLUMN public_name TEXT NOT NULL DEFAULT '';
        ALTER TABLE signatures ADD COLUMN collected_by TEXT NOT NULL DEFAULT '';
        CREATE INDEX signatures_by_petition ON signatures (petition_id);
        -- Indexes hold the rowid after their columns, so these serve keyset pages.
        CREATE INDEX signatures_by_supporter ON signatures (supporter);
        CREATE TABLE region_counters (
          petition_id TEXT NOT NULL REFERENCES petitions(id),
          country TEXT NOT NULL,
          subdivision TEXT NOT NULL,
          signature_count INTEGER NOT NULL,
          PRIMARY KEY (petition_id, country, subdivision)
        );
        INSERT INTO region_counters (petition_id, country, subdivision, signature_count)
          SELECT petition_id, '', '', COUNT(*) FROM signatures GROUP BY petition_id;
        CREATE TABLE sign_requests (
          caller TEXT NOT NULL,
          request_id TEXT NOT NULL,
          fingerprint BLOB NOT NULL,
          answer BLOB NOT NULL,
          create_time INTEGER NOT NULL,
          PRIMARY KEY (caller, request_id)
        );
        """)
    }
    migrator.registerMigration("3 counter versions and signature history") { db in
      try db.execute(sql: """
        ALTER TABLE petition_counters ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE petition_counters ADD COLUMN last_signature_time INTEGER;
        UPDATE petition_counters SET version = signature_count,
          last_signature_time = (SELECT MAX(create_time) FROM signatures WHERE petition_id = petition_counters.petition_id);
        """)
      // One table per bucket size, filled from the signatures already stored.
      for size in HistoryBucketSize.allCases {
        try db.execute(sql: """
          CREATE TABLE signatures_per_\(size.rawValue) (
            petition_id TEXT NOT NULL REFERENCES petitions(id),
            bucket_start INTEGER NOT NULL,
            signature_count INTEGER NOT NULL,
            PRIMARY KEY (petition_id, bucket_start)
          ) WITHOUT ROWID;
          CREATE INDEX signatures_per_\(size.rawValue)_by_time ON signatures_per_\(size.rawValue) (bucket_start);
          INSERT INTO signatures_per_\(size.rawValue) (petition_id, bucket_start, signature_count)
            SELECT petition_id, (create_time / 1000) - ((create_time / 1000) % \(size.seconds)), COUNT(*)
            FROM signatures GROUP BY 1, 2;
          """)
      }
    }
    // The retry answers stored so far held the whole request (email and
    // names) with no end: they go. A retry of a request made before this
    // migration finds the signature already there instead.
    migrator.registerMigration("4 retry answers expire, close times") { db in
      try db.execute(sql: """
        DELETE FROM sign_requests;
        ALTER TABLE sign_requests ADD COLUMN signature_id TEXT NOT NULL DEFAULT '';
        CREATE INDEX sign_requests_by_time ON sign_requests (create_time);
        CREATE INDEX sign_requests_by_signature ON sign_requests (signature_id);
        ALTER TABLE petitions ADD COLUMN close_time INTEGER;
        UPDATE petitions SET close_time = update_time WHERE state IN (3, 4, 5, 6);
        CREATE INDEX petitions_by_close_time ON petitions (close_time);
        """)
    }
    migrator.registerMigration("5 signature ledger") { db in
      try db.execute(sql: """
        ALTER TABLE signatures ADD COLUMN signer_salt BLOB;
        CREATE TABLE ledger_entries (
          petition_id TEXT NOT NULL REFERENCES petitions(id),
          position INTEGER NOT NULL,
          kind INTEGER NOT NULL,
          signature_id TEXT NOT NULL,
          time INTEGER NOT NULL,
          signer_hash BLOB,
          commitment BLOB NOT NULL,
          head BLOB NOT NULL,
          PRIMARY KEY (petition_id, position)
        ) WITHOUT ROWID;
        """)
      // The signatures stored before the ledger open each chain, in the
      // order they were made.
      let rows = try Row.fetchAll(db, sql: "SELECT id, petition_id, supporter, create_time FROM signatures ORDER BY rowid")
      for row in rows {
        let salt = LedgerChain.newSalt()
        try db.execute(sql: "UPDATE signatures SET signer_salt = ? WHERE id = ?", arguments: [salt, row["id"] as String])
        try Self.appendLedger(
          db, petitionID: row["petition_id"], kind: .signature, signatureID: row["id"], time: row["create_time"],
          signerHash: LedgerChain.signerHash(salt: salt, supporter: row["supporter"]))
      }
    }
    migrator.registerMigration("6 verification") { db in
      try db.execute(sql: """
        ALTER TABLE petitions ADD COLUMN require_verification INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE petition_counters ADD COLUMN pending_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE signatures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE signatures ADD COLUMN verification_hash BLOB;
        ALTER TABLE signatures ADD COLUMN verification_expire_time INTEGER;
        CREATE UNIQUE INDEX signatures_by_verification ON signatures (verification_hash) WHERE verification_hash IS NOT NULL;
        CREATE INDEX signatures_waiting ON signatures (verification_expire_time) WHERE pending = 1;
        """)
    }
    migrator.registerMigration("7 fraud marks") { db in
      try db.execute(sql: """
        ALTER TABLE signatures ADD COLUMN suspect INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE signatures ADD COLUMN ip_hash BLOB;
        ALTER TABLE signatures ADD COLUMN domain_hash BLOB;
        ALTER TABLE petition_counters ADD COLUMN suspect_count INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX signatures_by_ip ON signatures (petition_id, ip_hash, create_time) WHERE ip_hash IS NOT NULL;
        CREATE INDEX signatures_by_domain ON signatures (petition_id, domain_hash, create_time) WHERE domain_hash IS NOT NULL;
        CREATE INDEX signatures_suspect ON signatures (petition_id) WHERE suspect = 1;
        CREATE TABLE blocked_signers (
          kind INTEGER NOT NULL,
          value_hash BLOB NOT NULL,
          PRIMARY KEY (kind, value_hash)
        ) WITHOUT ROWID;
        """)
    }
    migrator.registerMigration("8 invalidation jobs") { db in
      try db.execute(sql: """
        CREATE TABLE invalidation_jobs (
          id TEXT PRIMARY KEY,
          petition_id TEXT,
          domain_hash BLOB,
          ip_hash BLOB,
          start_time INTEGER,
          end_time INTEGER,
          state INTEGER NOT NULL,
          invalidated INTEGER NOT NULL DEFAULT 0,
          create_time INTEGER NOT NULL,
          update_time INTEGER NOT NULL
        );
        CREATE INDEX invalidation_jobs_running ON invalidation_jobs (state);
        """)
    }
    migrator.registerMigration("9 offline signatures") { db in
      try db.execute(sql: """
        ALTER TABLE signatures ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE petition_counters ADD COLUMN offline_count INTEGER NOT NULL DEFAULT 0;
        """)
    }
    migrator.registerMigration("10 partner events") { db in
      try db.execute(sql: """
        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          organization TEXT NOT NULL,
          sequence INTEGER NOT NULL,
          create_time INTEGER NOT NULL,
          supporter TEXT NOT NULL DEFAULT '',
          body BLOB NOT NULL,
          UNIQUE (organization, sequence)
        );
        CREATE INDEX events_by_time ON events (create_time);
        CREATE INDEX events_by_supporter ON events (supporter);
        CREATE TABLE event_heads (
          organization TEXT PRIMARY KEY,
          last_sequence INTEGER NOT NULL,
          pruned_through INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        """)
    }
    // The collecting organization's copy of a signature event keeps the
    // signer too (for its own identifiers of them) without showing it.
    migrator.registerMigration("11 event signers for identifiers") { db in
      try db.execute(sql: """
        ALTER TABLE events ADD COLUMN supporter_shown INTEGER NOT NULL DEFAULT 1;
        """)
    }
    // How far each other service's outbox was appended (see AppendEvents).
    migrator.registerMigration("12 event sources") { db in
      try db.execute(sql: """
        CREATE TABLE event_sources (
          source TEXT PRIMARY KEY,
          last_id INTEGER NOT NULL
        ) WITHOUT ROWID;
        """)
    }
    // Signatures and events keyed by a local integer per signer (see
    // SignerKeys), given in the order each first signed; an anonymous
    // signature has none. The table is rebuilt to change its one
    // signature per person and petition, keeping every rowid.
    migrator.registerMigration("13 local signer keys") { db in
      try db.execute(sql: """
        CREATE TABLE signers (
          key INTEGER PRIMARY KEY,
          supporter TEXT NOT NULL UNIQUE
        );
        INSERT INTO signers (supporter)
          SELECT supporter FROM signatures WHERE supporter NOT LIKE 'anonymous/%'
          GROUP BY supporter ORDER BY MIN(rowid);
        INSERT OR IGNORE INTO signers (supporter)
          SELECT supporter FROM events WHERE supporter != '' GROUP BY supporter ORDER BY MIN(id);
        CREATE TABLE signatures_keyed (
          id TEXT PRIMARY KEY,
          petition_id TEXT NOT NULL REFERENCES petitions(id),
          supporter TEXT NOT NULL,
          create_time INTEGER NOT NULL,
          comment TEXT NOT NULL DEFAULT '',
          show_name INTEGER NOT NULL DEFAULT 0,
          source TEXT NOT NULL DEFAULT '',
          country TEXT NOT NULL DEFAULT '',
          subdivision TEXT NOT NULL DEFAULT '',
          public_name TEXT NOT NULL DEFAULT '',
          collected_by TEXT NOT NULL DEFAULT '',
          signer_salt BLOB,
          pending INTEGER NOT NULL DEFAULT 0,
          verification_hash BLOB,
          verification_expire_time INTEGER,
          suspect INTEGER NOT NULL DEFAULT 0,
          ip_hash BLOB,
          domain_hash BLOB,
          offline INTEGER NOT NULL DEFAULT 0,
          signer INTEGER REFERENCES signers(key),
          UNIQUE (petition_id, signer)
        );
        INSERT INTO signatures_keyed (rowid, id, petition_id, supporter, create_time, comment, show_name, source, country,
            subdivision, public_name, collected_by, signer_salt, pending, verification_hash, verification_expire_time, suspect,
            ip_hash, domain_hash, offline, signer)
          SELECT s.rowid, s.id, s.petition_id, s.supporter, s.create_time, s.comment, s.show_name, s.source, s.country,
            s.subdivision, s.public_name, s.collected_by, s.signer_salt, s.pending, s.verification_hash,
            s.verification_expire_time, s.suspect, s.ip_hash, s.domain_hash, s.offline, k.key
          FROM signatures s LEFT JOIN signers k ON k.supporter = s.supporter ORDER BY s.rowid;
        DROP TABLE signatures;
        ALTER TABLE signatures_keyed RENAME TO signatures;
        CREATE INDEX signatures_by_petition ON signatures (petition_id);
        CREATE INDEX signatures_by_signer ON signatures (signer);
        CREATE UNIQUE INDEX signatures_by_verification ON signatures (verification_hash) WHERE verification_hash IS NOT NULL;
        CREATE INDEX signatures_waiting ON signatures (verification_expire_time) WHERE pending = 1;
        CREATE INDEX signatures_by_ip ON signatures (petition_id, ip_hash, create_time) WHERE ip_hash IS NOT NULL;
        CREATE INDEX signatures_by_domain ON signatures (petition_id, domain_hash, create_time) WHERE domain_hash IS NOT NULL;
        CREATE INDEX signatures_suspect ON signatures (petition_id) WHERE suspect = 1;
        ALTER TABLE events ADD COLUMN signer INTEGER;
        UPDATE events SET signer = (SELECT key FROM signers WHERE supporter = events.supporter) WHERE supporter != '';
        DROP INDEX events_by_supporter;
        CREATE INDEX events_by_signer ON events (signer) WHERE signer IS NOT NULL;
        """)
    }
  }

  /// The database, for tests that check its settings.
  public var database: DatabasePool { pool }

  private static let select = """
    SELECT p.*, c.signature_count, c.pending_count, c.suspect_count, c.offline_count, c.update_time AS count_time FROM petitions p
    JOIN petition_counters c ON c.petition_id = p.id
    """

  // MARK: petitions

  public func create(_ petition: PetitionRecord) async throws -> PetitionRecord {
    try await pool.tracedWrite { db in
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
      try Self.write(db, petition, now: petition.createTime)
      return try Self.fetch(db, id: petition.id)!
    }
  }

  public func petition(id: String) async throws -> PetitionRecord? {
    try await pool.tracedRead { try Self.fetch($0, id: id) }
  }

  public func signablePetition(id: String) async throws -> SignablePetition? {
    if let kept = signables.petition(id: id) { return kept }
    let generation = signables.generation
    let found = try await pool.tracedRead { db in
      try Row.fetchOne(
        db.cachedStatement(sql: "SELECT organization, state, deadline_time, require_verification FROM petitions WHERE id = ?"),
        arguments: [id]
      ).map { row in
        SignablePetition(
          id: id, organization: row["organization"], state: PetitionState(rawValue: row["state"]) ?? .draft,
          deadline: row.date("deadline_time"), requireVerification: row["require_verification"])
      }
    }
    if let found { signables.keep(found, readAt: generation) }
    return found
  }

  public func petitions(_ query: PetitionQuery) async throws -> (petitions: [PetitionRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      var conditions = ["p.state != ?", "(p.state != ? OR p.organization = ?)"]
      var arguments: StatementArguments = [PetitionState.removed.rawValue, PetitionState.draft.rawValue, query.viewer ?? ""]
      func add(_ condition: String, _ values: [(any DatabaseValueConvertible)?]) {
        conditions.append(condition)
        _ = arguments.append(contentsOf: StatementArguments(values))
      }
      let now = query.now.millisecondsSince1970
      if let organization = query.organization { add("p.organization = ?", [organization]) }
      switch query.state {
      case .open?: add("p.state = ? AND (p.deadline_time IS NULL OR p.deadline_time > ?)", [PetitionState.open.rawValue, now])
      case .closed?:
        add("(p.state = ? OR (p.state = ? AND p.deadline_time <= ?))", [PetitionState.closed.rawValue, PetitionState.open.rawValue, now])
      case let state?: add("p.state = ?", [state.rawValue])
      case nil: break
      }
      if let tag = query.tag { add("EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = ?)", [tag]) }
      if let jurisdiction = query.jurisdiction {
        add(
          """
          EXISTS (SELECT 1 FROM json_each(p.targets) t WHERE json_extract(t.value, '$.jurisdiction') = ?
            OR substr(json_extract(t.value, '$.jurisdiction'), 1, ?) = ?)
          """,
          [jurisdiction, jurisdiction.count + 1, jurisdiction + "-"])
      }
      if let text = query.titleContains { add("instr(lower(p.title), ?) > 0", [text.lowercased()]) }
      let order: String
      switch query.order {
      case .newest:
        add("p.seq < ?", [query.after > 0 ? query.after : Int64.max])
        order = " ORDER BY p.seq DESC LIMIT ?"
        _ = arguments.append(contentsOf: [query.limit + 1])
      case .mostSignatures:
        order = " ORDER BY c.signature_count DESC, p.seq DESC LIMIT ? OFFSET ?"
        _ = arguments.append(contentsOf: [query.limit + 1, query.after])
      }
      let rows = try Row.fetchAll(
        db, sql: Self.select + " WHERE " + conditions.joined(separator: " AND ") + order, arguments: arguments)
      let records = try rows.prefix(query.limit).map { try Self.record(db, $0) }
      return (records, rows.count > query.limit)
    }
  }

  public func modify(id: String, now: Date, _ change: @Sendable (inout PetitionRecord) throws -> Void) async throws -> PetitionRecord {
    try await pool.tracedWrite { db in
      guard var petition = try Self.fetch(db, id: id) else { throw PetitionStoreError.notFound }
      let before = petition.state
      try change(&petition)
      try Self.write(db, petition, now: now)
      if petition.state != before {
        try EventOutbox.petition(
          db, .petitionStateChanged, petitionID: id, owner: petition.organization, time: now.millisecondsSince1970
        ) {
          $0.previousState = Groundswell_Petition_V1_Petition.State(rawValue: before.rawValue) ?? .unspecified
          $0.state = Groundswell_Petition_V1_Petition.State(rawValue: petition.state.rawValue) ?? .unspecified
        }
      }
      return try Self.fetch(db, id: id)!
    }
  }

  /// Writes every changeable column and the milestones of `petition`.
  private static func write(_ db: Database, _ petition: PetitionRecord, now: Date) throws {
    try db.execute(
      sql: """
        UPDATE petitions SET title = ?, summary = ?, body = ?, letter = ?, tags = ?, image_uri = ?, deadline_time = ?,
          targets = ?, state = ?, publish_time = ?, victory_note = ?, victory_time = ?, removal_reason = ?,
          remove_time = ?, update_time = ?, require_verification = ?,
          close_time = CASE WHEN ? IN (3, 4, 5, 6) THEN COALESCE(close_time, ?) ELSE NULL END
        WHERE id = ?
        """,
      arguments: [
        petition.title, petition.summary, petition.body, petition.letter,
        try SQLiteColumns.json(petition.tags), petition.imageURI,
        petition.deadline?.millisecondsSince1970, try SQLiteColumns.json(petition.targets),
        petition.state.rawValue, petition.publishTime?.millisecondsSince1970, petition.victoryNote,
        petition.victoryTime?.millisecondsSince1970, petition.removalReason, petition.removeTime?.millisecondsSince1970,
        now.millisecondsSince1970, petition.requireVerification, petition.state.rawValue, now.millisecondsSince1970, petition.id,
      ])
    let kept = try Dictionary(
      uniqueKeysWithValues: Row.fetchAll(
        db, sql: "SELECT threshold, reach_time FROM petition_milestones WHERE petition_id = ?", arguments: [petition.id]
      ).map { ($0["threshold"] as Int64, $0["reach_time"] as Int64?) })
    try db.execute(sql: "DELETE FROM petition_milestones WHERE petition_id = ?", arguments: [petition.id])
    for milestone in petition.milestones {
      let reached = kept[milestone.threshold] ?? nil
      let reach = reached ?? (milestone.threshold <= petition.signatureCount ? now.millisecondsSince1970 : nil)
      try db.execute(
        sql: "INSERT INTO petition_milestones (petition_id, threshold, label, reach_time) VALUES (?, ?, ?, ?)",
        arguments: [petition.id, milestone.threshold, milestone.label, reach])
    }
  }

  // MARK: updates

  public func addUpdate(_ update: PetitionUpdateRecord) async throws -> PetitionUpdateRecord {
    try await pool.tracedWrite { db in
      try db.execute(
        sql: "INSERT INTO petition_updates (id, petition_id, title, body, create_time) VALUES (?, ?, ?, ?, ?)",
        arguments: [update.id, update.petitionID, update.title, update.body, update.createTime.millisecondsSince1970])
      var stored = update
      stored.sequence = db.lastInsertedRowID
      try EventOutbox.petition(
        db, .petitionUpdatePosted, petitionID: update.petitionID, time: update.createTime.millisecondsSince1970
      ) { $0.update = "petitions/\(update.petitionID)/updates/\(update.id)" }
      return stored
    }
  }

  public func updates(petitionID: String, before: Int64, limit: Int) async throws -> (updates: [PetitionUpdateRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM petition_updates WHERE petition_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        arguments: [petitionID, before > 0 ? before : Int64.max, limit + 1])
      let updates = rows.prefix(limit).map { row in
        PetitionUpdateRecord(
          id: row["id"], petitionID: row["petition_id"], title: row["title"], body: row["body"],
          createTime: Date(millisecondsSince1970: row["create_time"]), sequence: row["seq"])
      }
      return (updates, rows.count > limit)
    }
  }

  // MARK: signatures

  public func replay(caller: String, requestID: String) async throws -> (fingerprint: Data, answer: Data)? {
    try await replays.submit(RequestLookup(caller: caller, requestID: requestID))
  }

  private static func firstAnswer(_ db: Database, caller: String, requestID: String) throws -> StoredAnswer? {
    try Row.fetchOne(
      db.cachedStatement(sql: "SELECT fingerprint, answer FROM sign_requests WHERE caller = ? AND request_id = ?"),
      arguments: [caller, requestID]
    ).map { ($0["fingerprint"], $0["answer"]) }
  }

  public func sign(
    _ signature: SignatureRecord, key: SignRequestKey?, verification: PendingVerification?, marks: SignerMarks?, now: Date,
    answer: @escaping @Sendable (SignOutcome) throws -> Data
  ) async throws -> SignResult {
    try await writer.write { db, transaction in
      if let key, let first = try Self.firstAnswer(db, caller: key.caller, requestID: key.requestID) {
        guard first.fingerprint == key.fingerprint else { throw PetitionStoreError.requestMismatch }
        return .replayed(first.answer)
      }
      let owner = try Self.requireOpen(db, petitionID: signature.petitionID, now: now, kept: signables)
      let time = now.millisecondsSince1970
      var record = signature
      record.createTime = Date(millisecondsSince1970: time)
      record.pending = verification != nil
      record.suspect = try marks.map { try Self.isSuspect(db, petitionID: signature.petitionID, marks: $0, now: time) } ?? false
      // Only a signature that counts has a place in the ledger.
      let salt = record.pending || record.suspect ? nil : LedgerChain.newSalt()
      let signer = try SignerKeys.key(db, supporter: record.supporter)
      func insert() throws -> Bool {
        try db.cachedStatement(
          sql: """
            INSERT OR IGNORE INTO signatures (id, petition_id, supporter, signer, create_time, comment, show_name, source, country,
              subdivision, public_name, collected_by, pending, verification_hash, verification_expire_time, suspect, ip_hash,
              domain_hash, signer_salt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).execute(arguments: [record.id, record.petitionID, record.supporter, signer, time, record.comment, record.showName,
                      record.source, record.country, record.subdivision, record.publicName, record.collectedBy,
                      record.pending, verification?.tokenHash, verification?.expireTime.millisecondsSince1970, record.suspect,
                      marks?.ipHash, marks?.domainHash, salt])
        return db.changesCount == 1
      }
      var inserted = try insert()
      if !inserted {
        // A signature that waited for verification past its expiry makes
        // way for the new one (looked for only when the signer has one).
        try db.cachedStatement(
          sql: """
            DELETE FROM signatures
            WHERE petition_id = ? AND signer = ? AND pending = 1 AND suspect = 0 AND verification_expire_time < ?
            """
        ).execute(arguments: [signature.petitionID, signer, time])
        if db.changesCount > 0 {
          try db.cachedStatement(sql: "UPDATE petition_counters SET pending_count = pending_count - 1 WHERE petition_id = ?")
            .execute(arguments: [signature.petitionID])
          inserted = try insert()
        }
      }
      let outcome: SignOutcome
      if inserted {
        record.sequence = db.lastInsertedRowID
        // The signature's event before the milestones its count reaches
        // (written when the transaction finishes).
        try EventOutbox.signature(
          db, .signatureCreated, record, counted: salt != nil, owner: owner, time: time, signerKey: signer,
          into: &transaction.events)
        if let salt {
          try transaction.count(db, record, salt: salt, now: time)
        } else {
          try Self.moveUncounted(db, record, by: 1)
        }
        outcome = try transaction.outcome(db, record, alreadySigned: false)
      } else {
        let stored = try Self.stored(db, petitionID: signature.petitionID, signer: signer)!
        outcome = try transaction.outcome(db, stored, alreadySigned: true)
      }
      if let key {
        try db.cachedStatement(
          sql: """
            INSERT INTO sign_requests (caller, request_id, fingerprint, answer, create_time, signature_id)
            VALUES (?, ?, ?, ?, ?, ?)
            """
        ).execute(arguments: [key.caller, key.requestID, key.fingerprint, answer(outcome), time, outcome.signature.id])
      }
      return .signed(outcome)
    }
  }

  public func withdraw(petitionID: String, supporter: String, now: Date) async throws -> SignOutcome? {
    try await pool.tracedWrite { db in
      guard let stored = try Row.fetchOne(
        db, sql: "SELECT rowid, * FROM signatures WHERE petition_id = ? AND signer = \(SignerKeys.lookup)",
        arguments: [petitionID, supporter]
      ).map(Self.signatureRecord) else { return nil }
      try Self.remove(db, stored, because: .signatureWithdrawn, now: now.millisecondsSince1970)
      return try Self.outcome(db, stored, alreadySigned: false)
    }
  }

  /// Deletes a signature with the retry answers that hold it, and undoes
  /// what it did to the counters: lowered once with a ledger tombstone if it
  /// counted, its waiting or suspect number otherwise; the event says why.
  /// Returns whether it had counted.
  @discardableResult
  static func remove(_ db: Database, _ signature: SignatureRecord, because reason: EventOutbox.Event.TypeEnum, now: Int64) throws -> Bool {
    try db.execute(sql: "DELETE FROM signatures WHERE id = ?", arguments: [signature.id])
    try db.execute(sql: "DELETE FROM sign_requests WHERE signature_id = ?", arguments: [signature.id])
    try EventOutbox.signature(db, reason, signature, counted: false, time: now)
    if signature.pending || signature.suspect {
      try moveUncounted(db, signature, by: -1)
      return false
    }
    try count(db, signature, by: -1, now: now)
    try appendLedger(db, petitionID: signature.petitionID, kind: .tombstone, signatureID: signature.id, time: now, signerHash: nil)
    return true
  }

  /// The change for the feeds after a transaction moved `signed` into and
  /// `withdrawn` out of a petition's counted signatures: its figures now,
  /// with the minutes the `touched` signatures were made in.
  static func change(
    _ db: Database, petitionID: String, touched: [SignatureRecord], signed: Set<String> = [], withdrawn: Set<String> = []
  ) throws -> PetitionChange {
    let row = try Row.fetchOne(
      db,
      sql: """
        SELECT p.organization, c.signature_count, c.version, c.update_time, c.last_signature_time
        FROM petitions p JOIN petition_counters c ON c.petition_id = p.id WHERE p.id = ?
        """,
      arguments: [petitionID])!
    var minutes: [Int64: Int64] = [:]
    for minute in Set(touched.map { HistoryBucketSize.minute.start(of: $0.createTime.millisecondsSince1970 / 1000) }) {
      minutes[minute] = try Int64.fetchOne(
        db, sql: "SELECT signature_count FROM signatures_per_minute WHERE petition_id = ? AND bucket_start = ?",
        arguments: [petitionID, minute]) ?? 0
    }
    return PetitionChange(
      petitionID: petitionID, organization: row["organization"], count: row["signature_count"], version: row["version"],
      updateTime: Date(millisecondsSince1970: row["update_time"]), lastSignatureTime: row.date("last_signature_time"),
      signed: signed, withdrawn: withdrawn, minutes: minutes)
  }

  /// Counts a signature that was just recorded or verified, and opens its
  /// ledger entry with a fresh salt.
  static func countAndRecord(_ db: Database, _ signature: SignatureRecord, now: Int64) throws {
    try count(db, signature, by: 1, now: now)
    let salt = LedgerChain.newSalt()
    try db.cachedStatement(sql: "UPDATE signatures SET signer_salt = ? WHERE id = ?").execute(arguments: [salt, signature.id])
    try appendLedger(
      db, petitionID: signature.petitionID, kind: .signature, signatureID: signature.id,
      time: signature.createTime.millisecondsSince1970, signerHash: LedgerChain.signerHash(salt: salt, supporter: signature.supporter))
  }

  /// Moves the petition's, the region's and the history's counters by
  /// `delta`, bumps the counter's version, and marks milestones reached (or
  /// no longer reached) at the new count.
  static func count(_ db: Database, _ signature: SignatureRecord, by delta: Int, now: Int64) throws {
    var tally = SignatureTally(petitionID: signature.petitionID)
    tally.add(signature, by: delta)
    try tally.apply(db, now: now)
  }

  /// A signature of a petition by a signer (their key), as stored.
  static func stored(_ db: Database, petitionID: String, signer: Int64) throws -> SignatureRecord? {
    try Row.fetchOne(
      db.cachedStatement(sql: "SELECT rowid, * FROM signatures WHERE petition_id = ? AND signer = ?"),
      arguments: [petitionID, signer]
    ).map(Self.signatureRecord)
  }

  /// Throws unless the petition exists and is OPEN at `now`, reading only
  /// its state, deadline and organization; returns the organization (the
  /// events' owner).
  ///
  /// With `kept`, a petition the cache holds is taken from it: on the writer,
  /// inside a transaction, it is the petition as last committed (a change
  /// empties the cache when it commits, before the next transaction starts).
  @discardableResult
  static func requireOpen(_ db: Database, petitionID: String, now: Date, kept: SignablePetitionCache? = nil) throws -> String {
    if let petition = kept?.petition(id: petitionID) {
      let state = petition.state(at: now)
      guard state == .open else { throw PetitionStoreError.wrongState(current: state) }
      return petition.organization
    }
    guard let row = try Row.fetchOne(
      db.cachedStatement(sql: "SELECT state, deadline_time, organization FROM petitions WHERE id = ?"), arguments: [petitionID])
    else { throw PetitionStoreError.notFound }
    let state = (PetitionState(rawValue: row["state"]) ?? .draft).seen(deadline: row.date("deadline_time"), at: now)
    guard state == .open else { throw PetitionStoreError.wrongState(current: state) }
    return row["organization"]
  }

  static func outcome(_ db: Database, _ signature: SignatureRecord, alreadySigned: Bool) throws -> SignOutcome {
    let counter = try Row.fetchOne(
      db.cachedStatement(sql: "SELECT * FROM petition_counters WHERE petition_id = ?"), arguments: [signature.petitionID])!
    let minute = HistoryBucketSize.minute.start(of: signature.createTime.millisecondsSince1970 / 1000)
    let minuteCount = try storedMinuteCount(db, petitionID: signature.petitionID, minute: minute)
    return SignOutcome(
      signature: signature, alreadySigned: alreadySigned, signatureCount: counter["signature_count"],
      updateTime: Date(millisecondsSince1970: counter["update_time"]), version: counter["version"],
      lastSignatureTime: counter.date("last_signature_time"), minuteStart: minute, minuteCount: minuteCount)
  }

  /// The petition's stored count for the minute starting at `minute`
  /// (seconds), 0 for none.
  static func storedMinuteCount(_ db: Database, petitionID: String, minute: Int64) throws -> Int64 {
    try Int64.fetchOne(
      db.cachedStatement(sql: "SELECT signature_count FROM signatures_per_minute WHERE petition_id = ? AND bucket_start = ?"),
      arguments: [petitionID, minute]) ?? 0
  }

  public func signatures(petitionID: String, before: Int64, limit: Int) async throws -> (signatures: [SignatureRecord], hasMore: Bool) {
    try await pageOfSignatures(where: "petition_id = ? AND pending = 0 AND suspect = 0", [petitionID], before: before, limit: limit)
  }

  public func signatures(supporter: String, organization: String?, before: Int64, limit: Int) async throws -> (signatures: [SignatureRecord], hasMore: Bool) {
    guard let organization else {
      return try await pageOfSignatures(where: "signer = \(SignerKeys.lookup)", [supporter], before: before, limit: limit)
    }
    return try await pageOfSignatures(
      where: "signer = \(SignerKeys.lookup) AND petition_id IN (SELECT id FROM petitions WHERE organization = ?)",
      [supporter, organization], before: before, limit: limit)
  }

  private func pageOfSignatures(
    where condition: String, _ values: [String], before: Int64, limit: Int
  ) async throws -> (signatures: [SignatureRecord], hasMore: Bool) {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT rowid, * FROM signatures WHERE \(condition) AND rowid < ? ORDER BY rowid DESC LIMIT ?",
        arguments: StatementArguments(values) + [before > 0 ? before : Int64.max, limit + 1])
      return (rows.prefix(limit).map(Self.signatureRecord), rows.count > limit)
    }
  }

  public func regionCounts(petitionID: String) async throws -> [(region: Region, count: Int64)] {
    try await pool.tracedRead { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT country, subdivision, signature_count FROM region_counters
          WHERE petition_id = ? AND signature_count > 0 ORDER BY signature_count DESC, country, subdivision
          """,
        arguments: [petitionID]
      ).map { (Region(country: $0["country"], subdivision: $0["subdivision"]), $0["signature_count"]) }
    }
  }

  public func counts(ids: [String]) async throws -> [String: PetitionCount] {
    guard !ids.isEmpty else { return [:] }
    return try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT c.petition_id, c.signature_count, c.update_time, p.organization, p.state
          FROM petition_counters c JOIN petitions p ON p.id = c.petition_id
          WHERE c.petition_id IN (\(SQLiteColumns.placeholders(ids.count)))
          """,
        arguments: StatementArguments(ids))
      var result: [String: PetitionCount] = [:]
      for row in rows {
        result[row["petition_id"]] = PetitionCount(
          count: row["signature_count"], updateTime: Date(millisecondsSince1970: row["update_time"]),
          organization: row["organization"], state: PetitionState(rawValue: row["state"]) ?? .removed)
      }
      return result
    }
  }

  public func petitionsStarted(organizations: [String]) async throws -> [String: Int64] {
    guard !organizations.isEmpty else { return [:] }
    return try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT organization, COUNT(*) AS started FROM petitions
          WHERE organization IN (\(SQLiteColumns.placeholders(organizations.count)))
            AND publish_time IS NOT NULL AND state != ?
          GROUP BY organization
          """,
        arguments: StatementArguments(organizations) + [PetitionState.removed.rawValue])
      return Dictionary(uniqueKeysWithValues: rows.map { ($0["organization"], $0["started"]) })
    }
  }

  // MARK: rows

  static func fetch(_ db: Database, id: String) throws -> PetitionRecord? {
    try Row.fetchOne(db, sql: select + " WHERE p.id = ?", arguments: [id]).map { try record(db, $0) }
  }

  private static func record(_ db: Database, _ row: Row) throws -> PetitionRecord {
    let id: String = row["id"]
    let milestones = try Row.fetchAll(
      db, sql: "SELECT * FROM petition_milestones WHERE petition_id = ? ORDER BY threshold", arguments: [id]
    ).map { MilestoneRecord(threshold: $0["threshold"], label: $0["label"], reachTime: $0.date("reach_time")) }
    return PetitionRecord(
      id: id, organization: row["organization"], title: row["title"], summary: row["summary"], body: row["body"],
      letter: row["letter"], tags: try row.json("tags"),
      imageURI: row["image_uri"], deadline: row.date("deadline_time"),
      targets: try row.json("targets"),
      milestones: milestones, state: PetitionState(rawValue: row["state"]) ?? .draft,
      signatureCount: row["signature_count"],
      createTime: Date(millisecondsSince1970: row["create_time"]),
      updateTime: Date(millisecondsSince1970: max(row["update_time"] as Int64, row["count_time"] as Int64)),
      publishTime: row.date("publish_time"), victoryNote: row["victory_note"], victoryTime: row.date("victory_time"),
      removalReason: row["removal_reason"], removeTime: row.date("remove_time"), sequence: row["seq"],
      requireVerification: row["require_verification"], pendingCount: row["pending_count"], suspectCount: row["suspect_count"],
      offlineCount: row["offline_count"])
  }

  static func signatureRecord(_ row: Row) -> SignatureRecord {
    SignatureRecord(
      id: row["id"], petitionID: row["petition_id"], supporter: row["supporter"],
      createTime: Date(millisecondsSince1970: row["create_time"]), comment: row["comment"], showName: row["show_name"],
      source: row["source"], country: row["country"], subdivision: row["subdivision"], publicName: row["public_name"],
      collectedBy: row["collected_by"], sequence: row["rowid"], pending: row["pending"], suspect: row["suspect"],
      offline: row["offline"])
  }
}

// MARK: feed and history

extension SQLitePetitionRepository {
  public func figures(after: String, limit: Int, minutesSince: Date?) async throws -> [PetitionFiguresRecord] {
    try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT p.id, p.organization, c.signature_count, c.version, c.last_signature_time FROM petitions p
          JOIN petition_counters c ON c.petition_id = p.id WHERE p.id > ? AND p.state != ? ORDER BY p.id LIMIT ?
          """,
        arguments: [after, PetitionState.removed.rawValue, limit])
      guard let first = rows.first?["id"] as String?, let last = rows.last?["id"] as String? else { return [] }
      var supporters: [String: [String]] = [:]
      let cursor = try Row.fetchCursor(
        db, sql: "SELECT petition_id, supporter FROM signatures WHERE petition_id BETWEEN ? AND ? AND pending = 0 AND suspect = 0",
        arguments: [first, last])
      while let row = try cursor.next() { supporters[row["petition_id"], default: []].append(row["supporter"]) }
      var minutes: [String: [Int64: Int64]] = [:]
      if let minutesSince {
        let recent = try Row.fetchAll(
          db,
          sql: """
            SELECT petition_id, bucket_start, signature_count FROM signatures_per_minute
            WHERE petition_id BETWEEN ? AND ? AND bucket_start >= ? AND signature_count != 0
            """,
          arguments: [first, last, Int64(minutesSince.timeIntervalSince1970)])
        for row in recent { minutes[row["petition_id"], default: [:]][row["bucket_start"]] = row["signature_count"] }
      }
      return rows.map { row in
        let id: String = row["id"]
        return PetitionFiguresRecord(
          petitionID: id, organization: row["organization"], count: row["signature_count"], version: row["version"],
          lastSignatureTime: row.date("last_signature_time"), supporters: supporters[id] ?? [], minutes: minutes[id] ?? [:])
      }
    }
  }

  public func history(petitionIDs: [String], size: HistoryBucketSize, start: Int64, end: Int64) async throws -> [Int64: Int64] {
    guard !petitionIDs.isEmpty else { return [:] }
    return try await pool.tracedRead { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT bucket_start, SUM(signature_count) AS n FROM signatures_per_\(size.rawValue)
          WHERE petition_id IN (\(SQLiteColumns.placeholders(petitionIDs.count))) AND bucket_start >= ? AND bucket_start < ?
          GROUP BY bucket_start
          """,
        arguments: StatementArguments(petitionIDs) + [start, end])
      var buckets: [Int64: Int64] = [:]
      for row in rows where (row["n"] as Int64) != 0 { buckets[row["bucket_start"]] = row["n"] }
      return buckets
    }
  }

  public func pruneHistory(now: Date) async throws -> Int {
    try await pool.tracedWrite { db in
      var deleted = 0
      for size in HistoryBucketSize.allCases {
        guard let retention = size.retention else { continue }
        let cutoff = Int64(now.timeIntervalSince1970) - retention.components.seconds
        try db.execute(sql: "DELETE FROM signatures_per_\(size.rawValue) WHERE bucket_start < ?", arguments: [cutoff])
        deleted += db.changesCount
      }
      return deleted
    }
  }
}
