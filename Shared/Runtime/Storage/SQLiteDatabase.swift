import Foundation
import GRDB
import GroundswellModel
import Logging

/// Opens a service's own SQLite database: one file under its data directory,
/// WAL journal, `synchronous=FULL` (an acknowledged write survives power loss),
/// `secure_delete` on every connection (deleted and overwritten content is
/// zeroed in the file, not left in free space), versioned migrations run
/// before anything else touches it.
public enum SQLiteDatabase {
  /// The writer's page cache: every write walks each index's B-tree from the
  /// root, and with SQLite's default 2 MB the upper levels of a million-row
  /// table's indexes no longer stay cached (each miss a `pread`).
  public static let writerCacheKiB = 16_384

  /// The WAL's length, in pages, at which a commit copies it into the
  /// database (SQLite's default is 1,000, 4 MB). A signature dirties a page
  /// of each random-keyed index, so a sign transaction of a hundred
  /// signatures passed the default and each commit also ran a checkpoint;
  /// over a longer WAL, a page changed by several transactions is copied
  /// once (`sign-benchmark floor`: about a sixth less CPU per signature,
  /// docs/performance.md). The WAL then reaches about 40 MB on disk before
  /// each checkpoint; durability is the same (each commit's fsync is of the
  /// WAL), and an erasure and each retention pass still empty it.
  public static let checkpointPages = 10_000

  public static func open(
    directory: String,
    file: String,
    migrate: (inout DatabaseMigrator) -> Void
  ) throws -> DatabasePool {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw StartupError("cannot create the data directory \(directory): check that its parent exists and this user may write there")
    }
    guard FileManager.default.isWritableFile(atPath: directory), FileManager.default.isReadableFile(atPath: directory) else {
      throw StartupError("the data directory \(directory) is not readable and writable by this user")
    }
    let path = (directory as NSString).appendingPathComponent(file)
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
    do {
      let pool = try DatabasePool(path: path, configuration: configuration)
      // DatabasePool sets its writer to synchronous=NORMAL when it opens;
      // set FULL afterwards, on the one writer connection.
      try pool.writeWithoutTransaction {
        try $0.execute(
          sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -\(writerCacheKiB); PRAGMA wal_autocheckpoint = \(checkpointPages)")
      }
      var migrator = DatabaseMigrator()
      migrate(&migrator)
      try migrator.migrate(pool)
      return pool
    } catch let error as DatabaseError {
      throw StartupError("cannot open the database \(path): \(error.message ?? error.description)")
    }
  }

  /// Copies the WAL into the database file and truncates the WAL to nothing,
  /// so that content deleted with `secure_delete` survives in neither file.
  /// Waits (up to the busy timeout) for readers to finish their snapshots.
  public static func checkpoint(_ pool: DatabasePool) throws {
    try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
  }

  /// A setting of the writer connection, as it reads back.
  public enum WriterSetting: String, Sendable {
    /// 2 is FULL.
    case synchronous
    /// The WAL's length in pages at which a commit checkpoints it.
    case checkpointPages = "wal_autocheckpoint"
  }

  /// The writer connection's value of `setting`, for tests.
  public static func writerSetting(_ pool: DatabasePool, _ setting: WriterSetting) throws -> Int {
    try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA \(setting.rawValue)") ?? -1 }
  }

  /// The journal mode, `wal` when WAL is on, for tests.
  public static func journalMode(_ pool: DatabasePool) throws -> String {
    try pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
  }
}

extension Date {
  /// Milliseconds since 1970, the form timestamps take in the databases,
  /// clamped into `TimeRange` so that no value can trap the conversion.
  public var millisecondsSince1970: Int64 { TimeRange.milliseconds(self) }

  public init(millisecondsSince1970 milliseconds: Int64) {
    self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
  }
}

/// Column conventions shared by the services' SQLite repositories: lists as
/// JSON text, times as milliseconds (NULL when unset).
public enum SQLiteColumns {
  /// `?,?,…` for an `IN (…)` list of `count` values.
  public static func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ",")
  }

  /// The JSON text a column stores for `value`.
  public static func json<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
  }
}

extension Row {
  /// A JSON text column, decoded.
  public func json<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
    try JSONDecoder().decode(type, from: Data((self[column] as String).utf8))
  }

  /// A nullable millisecond-timestamp column.
  public func date(_ column: String) -> Date? {
    (self[column] as Int64?).map(Date.init(millisecondsSince1970:))
  }
}

/// Runs `checkpoint` (a WAL checkpoint that empties the WAL, where deleted
/// rows may still be); a failure — a reader that held on too long — is
/// logged, and the next checkpoint does it.
public func emptyingWAL(_ checkpoint: () async throws -> Void, logger: Logger) async {
  do {
    try await checkpoint()
  } catch {
    logger.warning("emptying the WAL failed; the next checkpoint retries", metadata: ["error": "\(error)"])
  }
}
