import Foundation
import GRDB

/// Online backup and restore of a service's data directory: every `*.sqlite`
/// file through SQLite's backup API (a consistent copy while the service
/// keeps writing: WAL readers do not block writers), and the
/// `deployment.secret` beside them, which a restore needs as much as the
/// rows (it keys the pseudonyms and the ledger).
public enum DataBackup {
  /// Files copied besides the databases.
  static let companions = [DeploymentSecret.fileName]

  public struct Failure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
  }

  /// Copies `dataDirectory` into `destination`, which must not exist yet or
  /// be empty. Each copy is checked with `PRAGMA quick_check` afterwards.
  public static func backup(dataDirectory: String, to destination: String, progress: (String) -> Void) throws {
    let databases = try databaseFiles(in: dataDirectory, role: "data directory")
    try prepareEmpty(destination)
    for file in databases {
      let start = ContinuousClock.now
      let source = try DatabaseQueue(path: path(dataDirectory, file), configuration: quiet())
      let copy = try DatabaseQueue(path: path(destination, file), configuration: quiet())
      // One step: the read snapshot is held for the whole copy, so it is
      // consistent and is not restarted by the service's writes.
      try source.backup(to: copy)
      let pages = try check(copy, file)
      try copy.close()
      try source.close()
      progress("backed up \(file): \(pages) pages, \(size(path(destination, file))) bytes in \(elapsed(since: start))")
    }
    for file in companions where FileManager.default.fileExists(atPath: path(dataDirectory, file)) {
      try copyPrivate(path(dataDirectory, file), to: path(destination, file))
      progress("copied \(file)")
    }
  }

  /// Replaces the databases in `dataDirectory` with those of `source`. The
  /// service must be stopped: a database another process has open is
  /// refused. Each file is written beside its target and renamed over it,
  /// and a stale WAL of the replaced file is removed, so a restore that
  /// stops halfway leaves every file either old or new.
  public static func restore(from source: String, dataDirectory: String, progress: (String) -> Void) throws {
    let databases = try databaseFiles(in: source, role: "backup")
    for file in databases {
      let backup = try DatabaseQueue(path: path(source, file), configuration: quiet(readonly: true))
      _ = try check(backup, file)
      try backup.close()
    }
    try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
    for file in databases where FileManager.default.fileExists(atPath: path(dataDirectory, file)) {
      try refuseIfOpen(path(dataDirectory, file))
    }
    for file in databases {
      let start = ContinuousClock.now
      let target = path(dataDirectory, file)
      let staging = target + ".restoring"
      try? FileManager.default.removeItem(atPath: staging)
      let backup = try DatabaseQueue(path: path(source, file), configuration: quiet(readonly: true))
      let copy = try DatabaseQueue(path: staging, configuration: quiet())
      try backup.backup(to: copy)
      // Leave the file whole, with no WAL beside it, before it replaces the target.
      try copy.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
      try copy.close()
      try backup.close()
      for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: staging + suffix) }
      for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
      if rename(staging, target) != 0 {
        throw Failure("cannot move the restored \(file) into place: \(String(cString: strerror(errno)))")
      }
      progress("restored \(file): \(size(target)) bytes in \(elapsed(since: start))")
    }
    for file in companions where FileManager.default.fileExists(atPath: path(source, file)) {
      try copyPrivate(path(source, file), to: path(dataDirectory, file))
      progress("restored \(file)")
    }
  }

  static func databaseFiles(in directory: String, role: String) throws -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
      throw Failure("cannot read the \(role) \(directory)")
    }
    let databases = names.filter { $0.hasSuffix(".sqlite") }.sorted()
    guard !databases.isEmpty else { throw Failure("the \(role) \(directory) holds no .sqlite file") }
    return databases
  }

  static func prepareEmpty(_ directory: String) throws {
    if let existing = try? FileManager.default.contentsOfDirectory(atPath: directory), !existing.isEmpty {
      throw Failure("the destination \(directory) is not empty; give a new directory for each backup")
    }
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw Failure("cannot create the destination \(directory)")
    }
  }

  /// Fails when another process has the database open (a running service):
  /// taking an exclusive lock is then refused at once.
  static func refuseIfOpen(_ file: String) throws {
    var configuration = quiet()
    configuration.busyMode = .immediateError
    let probe = try DatabaseQueue(path: file, configuration: configuration)
    defer { try? probe.close() }
    do {
      try probe.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
        try db.execute(sql: "BEGIN EXCLUSIVE")
        try db.execute(sql: "ROLLBACK")
      }
    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
      throw Failure("\(file) is in use: stop the service before restoring")
    }
  }

  /// The page count, after `quick_check` found the file whole.
  static func check(_ database: DatabaseQueue, _ file: String) throws -> Int {
    try database.read { db in
      let result = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
      guard result == "ok" else { throw Failure("\(file) failed its integrity check: \(result.prefix(200))") }
      return try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
    }
  }

  static func copyPrivate(_ from: String, to: String) throws {
    guard let data = FileManager.default.contents(atPath: from) else { throw Failure("cannot read \(from)") }
    try? FileManager.default.removeItem(atPath: to)
    guard FileManager.default.createFile(atPath: to, contents: data, attributes: [.posixPermissions: 0o600]) else {
      throw Failure("cannot write \(to)")
    }
  }

  static func quiet(readonly: Bool = false) -> Configuration {
    var configuration = Configuration()
    configuration.readonly = readonly
    configuration.busyMode = .timeout(10)
    return configuration
  }

  static func path(_ directory: String, _ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

  static func size(_ file: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0
  }

  static func elapsed(since start: ContinuousClock.Instant) -> String {
    let duration = start.duration(to: .now)
    return String(format: "%.2f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
  }
}
