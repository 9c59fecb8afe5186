import ArgumentParser
import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime
import PetitionService
import SupporterService

/// The storage floor of `ImportSignatures`: the rows an import of new
/// signers writes, written straight into fresh petition-service and
/// supporter-service databases (their own migrations, indexes and
/// settings: WAL, `synchronous=FULL`, foreign keys, the writer's 16 MB
/// cache) with prepared statements, in durable transactions of one batch
/// each — and nothing else: no gRPC, TLS, protobuf, validation, fraud marks
/// or events to watchers. Per signer, supporter-service looks the address up
/// and writes the supporter and the organization's record (not the consent
/// row an opt-in adds); petition-service looks the signer's local key up and
/// gives it, and writes the signature, its partner event and its ledger entry (the SHA-256 chain computed), and per batch
/// the counters, the history buckets and the event head. Whatever the
/// services do, an import cannot be cheaper than this; its CPU per
/// signature bounds the rate two cores can reach.
struct Floor: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Writes an import's rows straight into fresh databases: the storage floor under ImportSignatures.")

  @Option(help: "A folder for the two databases (created; must not hold them yet).") var data: String
  @Option(help: "Signatures (and new signers) to write, at most 10,000,000.") var signatures = 200_000
  @Option(help: "Signatures per transaction (an ImportSignatures call holds at most 1,000).") var batch = 1_000
  @Option(
    name: .customLong("drop-index"),
    help: "An index to drop after the migrations (repeat): what each one costs the writes, for experiments.")
  var droppedIndexes: [String] = []
  @Option(
    name: .customLong("checkpoint-pages"),
    help: "The WAL's length in pages at which a commit checkpoints it (the services': \(SQLiteDatabase.checkpointPages); SQLite's default: 1000).")
  var checkpointPages = SQLiteDatabase.checkpointPages
  @Option(
    name: .customLong("pragma"),
    help: "A setting for both databases' connection, as `name=value` (repeat; for example mmap_size=268435456), for experiments.")
  var pragmas: [String] = []
  @Option(
    name: .customLong("page-size"),
    help: "Rebuild both fresh databases with pages of this many bytes (512 to 65,536, a power of two; SQLite's default: 4096), for experiments.")
  var pageSize: Int?
  @Flag(
    name: .customLong("random-signature-ids"),
    help: "Make signature ids wholly random, as petition-service did before they began with their time, for comparison.")
  var randomSignatureIDs = false
  @Flag(name: .customLong("ordered-supporter-ids"), help: "Make supporter ids in the order they are written, for experiments.")
  var orderedSupporterIDs = false
  @Flag(
    name: .customLong("local-supporter-keys"),
    help: """
      Write supporter-service's rows into tables keyed by a local integer per supporter (the random id kept, \
      unique, in the supporters table), as petition-service's signer keys do, for experiments.
      """)
  var localSupporterKeys = false
  @Flag(
    name: .customLong("random-emails"),
    help: "Make the signers' addresses random, as real ones sort, rather than numbered in write order.")
  var randomEmails = false

  /// The experiment's supporter-service tables (`--local-supporter-keys`).
  static let localKeyTables = """
    CREATE TABLE supporters_keyed (
      key INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      email TEXT NOT NULL UNIQUE,
      create_time INTEGER NOT NULL
    );
    CREATE TABLE supporter_organizations_keyed (
      supporter INTEGER NOT NULL REFERENCES supporters_keyed(key),
      organization TEXT NOT NULL,
      first_seen_time INTEGER NOT NULL,
      given_name TEXT NOT NULL, family_name TEXT NOT NULL, postal_code TEXT NOT NULL, country TEXT NOT NULL,
      region TEXT NOT NULL, update_time INTEGER NOT NULL,
      PRIMARY KEY (supporter, organization)
    );
    CREATE INDEX supporters_keyed_by_organization ON supporter_organizations_keyed (organization);
    """

  /// A supporter id of the usual shape (16 characters) whose first
  /// characters sort by `number`, the rest random: the clock part of a
  /// time-ordered id with `number` for its milliseconds.
  static func orderedID(_ number: Int) -> String {
    String(ResourceName.newTimeOrderedID(at: Date(timeIntervalSince1970: Double(number) / 1000)).prefix(16))
  }

  func validate() throws {
    if let pageSize, !(512...65_536).contains(pageSize) || pageSize.nonzeroBitCount != 1 {
      throw ValidationError("--page-size takes a power of two from 512 to 65,536; got \(pageSize)")
    }
    guard (0...1_000_000).contains(checkpointPages) else {
      throw ValidationError("--checkpoint-pages takes 0 (never) to 1,000,000; got \(checkpointPages)")
    }
    guard (1...10_000_000).contains(signatures), (1...100_000).contains(batch) else {
      throw ValidationError("need 1 to 10,000,000 signatures and 1 to 100,000 per transaction")
    }
    for file in ["petition-service/petition.sqlite", "supporter-service/supporter.sqlite"]
    where FileManager.default.fileExists(atPath: "\(data)/\(file)") {
      throw ValidationError("\(data)/\(file) exists: give a new folder (the floor is measured on fresh databases)")
    }
    if let bad = pragmas.first(where: { setting in
      let parts = setting.split(separator: "=", omittingEmptySubsequences: false)
      return parts.count != 2 || !parts[0].allSatisfy({ $0.isLetter || $0 == "_" }) || !parts[1].allSatisfy({ $0.isNumber || $0.isLetter })
    }) {
      throw ValidationError("--pragma takes name=value (letters and _, then letters or digits); got \(bad.prefix(40))")
    }
    if let bad = droppedIndexes.first(where: { !$0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) {
      throw ValidationError("--drop-index takes an index name (letters, digits, _); got \(bad.prefix(40))")
    }
  }

  func run() async throws {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let organization = "organizations/floor"
    // Made before the timed writes, in both shapes the two services store.
    let supporterIDs = (0..<signatures).map { orderedSupporterIDs ? Self.orderedID($0) : ResourceName.newID() }
    let supporters = supporterIDs.map { "supporters/" + $0 }
    let emails = (0..<signatures).map { randomEmails ? "\(ResourceName.newID())@example.org" : "floor.signer.\($0)@example.org" }

    _ = try SQLiteSupporterRepository(directory: "\(data)/supporter-service")
    let supporterDB = try open("\(data)/supporter-service/supporter.sqlite")
    if localSupporterKeys { try await supporterDB.write { try $0.execute(sql: Self.localKeyTables) } }
    // The supporter, then the organization's record of them, in either shape.
    let (supporterTable, personInsert, recordTable, recordKey) = localSupporterKeys
      ? ("supporters_keyed", "INSERT INTO supporters_keyed (id, email, create_time) VALUES (?, ?, ?)",
         "supporter_organizations_keyed", "supporter")
      : ("supporters",
         "INSERT INTO supporters (id, email, given_name, family_name, create_time, postal_code, country, region) VALUES (?, ?, '', '', ?, '', '', '')",
         "supporter_organizations", "supporter_id")
    let supporterCost = try await Self.measure("supporter-service", signatures) {
      try await supporterDB.writeWithoutTransaction { db in
        let find = try db.makeStatement(sql: "SELECT id FROM \(supporterTable) WHERE email = ?")
        let person = try db.makeStatement(sql: personInsert)
        let record = try db.makeStatement(
          sql: """
            INSERT INTO \(recordTable)
              (\(recordKey), organization, first_seen_time, given_name, family_name, postal_code, country, region, update_time)
            VALUES (?, ?, ?, 'Floor', 'Signer', 'SW1A 1AA', 'GB', 'GB-ENG', ?)
            """)
        for start in stride(from: 0, to: signatures, by: batch) {
          try db.inTransaction(.immediate) {
            for number in start..<min(start + batch, signatures) {
              guard try String.fetchOne(find, arguments: [emails[number]]) == nil else { continue }
              try person.execute(arguments: [supporterIDs[number], emails[number], now])
              let key: any DatabaseValueConvertible = localSupporterKeys ? db.lastInsertedRowID : supporterIDs[number]
              try record.execute(arguments: [key, organization, now, now])
            }
            return .commit
          }
        }
      }
    }

    _ = try SQLitePetitionRepository(directory: "\(data)/petition-service")
    let petitionDB = try open("\(data)/petition-service/petition.sqlite")
    let petition = "floor"
    try await petitionDB.write { db in
      try db.execute(
        sql: """
          INSERT INTO petitions (id, organization, title, summary, body, state, create_time, update_time, publish_time)
          VALUES (?, ?, 'Floor', '', '', 2, ?, ?, ?)
          """,
        arguments: [petition, organization, now, now, now])
      try db.execute(
        sql: "INSERT INTO petition_counters (petition_id, signature_count, update_time, version) VALUES (?, 0, ?, 0)",
        arguments: [petition, now])
    }
    let petitionCost = try await Self.measure("petition-service", signatures) {
      try await petitionDB.writeWithoutTransaction { db in
        let findSigner = try db.makeStatement(sql: "SELECT key FROM signers WHERE supporter = ?")
        let signer = try db.makeStatement(sql: "INSERT INTO signers (supporter) VALUES (?)")
        let signature = try db.makeStatement(
          sql: """
            INSERT OR IGNORE INTO signatures (id, petition_id, supporter, signer, create_time, comment, show_name, source, country,
              subdivision, public_name, collected_by, pending, suspect, offline, signer_salt, domain_hash)
            VALUES (?, ?, ?, ?, ?, '', 1, 'paper', 'GB', 'GB-ENG', 'Floor S.', '', 0, 0, 1, ?, ?)
            """)
        let event = try db.makeStatement(
          sql: """
            INSERT INTO events (organization, sequence, create_time, supporter, signer, supporter_shown, body)
            VALUES (?, ?, ?, ?, ?, 1, ?)
            """)
        let ledger = try db.makeStatement(
          sql: """
            INSERT INTO ledger_entries (petition_id, position, kind, signature_id, time, signer_hash, commitment, head)
            VALUES (?, ?, \(LedgerEntryKind.signature.rawValue), ?, ?, ?, ?, ?)
            """)
        let domainHash = Data(repeating: 7, count: 32)
        var head = LedgerChain.emptyHead
        var position: Int64 = 0
        for start in stride(from: 0, to: signatures, by: batch) {
          try db.inTransaction(.immediate) {
            let end = min(start + batch, signatures)
            for number in start..<end {
              let id = randomSignatureIDs ? ResourceName.newID() : ResourceName.newTimeOrderedID(at: Date())
              let salt = LedgerChain.newSalt()
              let time = now - Int64(number)
              // The signer's local key, given as the service does (looked up first).
              var key = try Int64.fetchOne(findSigner, arguments: [supporters[number]])
              if key == nil {
                try signer.execute(arguments: [supporters[number]])
                key = db.lastInsertedRowID
              }
              try signature.execute(arguments: [id, petition, supporters[number], key, time, salt, domainHash])
              // The size of a real signature-created event's body.
              let body = Data(repeating: 0x2a, count: 96 + id.utf8.count)
              try event.execute(arguments: [organization, Int64(number + 1), now, supporters[number], key, body])
              let signerHash = LedgerChain.signerHash(salt: salt, supporter: supporters[number])
              let commitment = LedgerChain.signatureCommitment(signature: id, timeMillis: time, signerHash: signerHash)
              head = LedgerChain.next(head: head, commitment: commitment)
              position += 1
              try ledger.execute(arguments: [petition, position, id, time, signerHash, commitment, head])
            }
            let added = end - start
            try db.execute(
              sql: """
                UPDATE petition_counters SET signature_count = signature_count + ?, offline_count = offline_count + ?,
                  version = version + 1, update_time = ? WHERE petition_id = ?
                """,
              arguments: [added, added, now, petition])
            for size in HistoryBucketSize.allCases {
              try db.execute(
                sql: """
                  INSERT INTO signatures_per_\(size.rawValue) (petition_id, bucket_start, signature_count) VALUES (?, ?, ?)
                  ON CONFLICT DO UPDATE SET signature_count = signature_count + excluded.signature_count
                  """,
                arguments: [petition, size.start(of: now / 1000), added])
            }
            try db.execute(
              sql: """
                INSERT INTO event_heads (organization, last_sequence) VALUES (?, ?)
                ON CONFLICT (organization) DO UPDATE SET last_sequence = excluded.last_sequence
                """,
              arguments: [organization, end])
            return .commit
          }
        }
      }
    }
    let total = supporterCost + petitionCost
    print(
      String(
        format: "floor: %.1f µs of CPU per signature in all: at most %.0f signatures/s on two cores with nothing else running",
        total * 1e6, 2 / total))
  }

  /// The services' connection settings on one connection, without the
  /// indexes asked to be dropped (those the database has).
  func open(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.prepareDatabase { db in
      try db.execute(
        sql: """
          PRAGMA secure_delete = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -\(SQLiteDatabase.writerCacheKiB);
          PRAGMA wal_autocheckpoint = \(checkpointPages)
          """)
      for setting in pragmas { try db.execute(sql: "PRAGMA \(setting)") }
    }
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    if let pageSize {
      // A WAL database keeps its page size: rebuild it (still empty) out of WAL.
      try queue.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA journal_mode = DELETE; PRAGMA page_size = \(pageSize); VACUUM; PRAGMA journal_mode = WAL")
        print("\(path.split(separator: "/").dropLast().last ?? ""): pages of \(try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0) bytes")
      }
    }
    try queue.write { db in
      for index in droppedIndexes {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)", arguments: [index])!
        else { continue }
        try db.execute(sql: "DROP INDEX \(index)")
        print("dropped index \(index) of \(path.split(separator: "/").dropLast().last ?? "")")
      }
    }
    return queue
  }

  /// Runs `work`, prints its rate and CPU per signature, returns the CPU
  /// seconds per signature.
  static func measure(_ name: String, _ count: Int, _ work: () async throws -> Void) async throws -> Double {
    let cpu = processCPUSeconds()
    let started = ContinuousClock.now
    try await work()
    let seconds = (ContinuousClock.now - started).seconds
    let used = processCPUSeconds() - cpu
    print(
      String(
        format: "%@: %d signatures in %.2f s, %.0f/s; CPU %.1f µs per signature (user and system, this process)",
        name, count, seconds, Double(count) / seconds, used / Double(count) * 1e6))
    fflush(nil)
    return used / Double(count)
  }

  /// User plus system CPU seconds of this process so far, read as the
  /// services' are.
  static func processCPUSeconds() -> Double {
    ServiceProcess(argument: "floor=\(getpid())")!.cpuSeconds()
  }
}
