import ArgumentParser
import Foundation

/// `<service> backup`: an online copy of the service's data directory.
public struct BackupCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Copies the service's databases and deployment secret while it runs (SQLite's online backup API).",
    discussion: "Signing may go on meanwhile: each database is copied from one consistent read snapshot, then checked."
  )

  @OptionGroup var data: DataDirectoryOption

  @Option(name: .long, help: "A new or empty directory for the copy.")
  var to: String

  public init() {}

  public func run() throws {
    let directory = try data.required()
    try reportingFailure { try DataBackup.backup(dataDirectory: directory, to: to, progress: announce) }
    announce("backup complete: \(to)")
  }
}

/// `<service> restore`: puts a backup back, with the service stopped.
public struct RestoreCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Replaces the service's databases and deployment secret with a backup's. Stop the service first.",
    discussion: "A database another process has open is refused. Start the service afterwards: the gateway follows the restored counts."
  )

  @OptionGroup var data: DataDirectoryOption

  @Option(name: .long, help: "The directory a backup wrote.")
  var from: String

  public init() {}

  public func run() throws {
    let directory = try data.required()
    try reportingFailure { try DataBackup.restore(from: from, dataDirectory: directory, progress: announce) }
    announce("restore complete: \(directory)")
  }
}

/// The `--data-dir` both commands take, with no default: they name the
/// directory they read or replace.
public struct DataDirectoryOption: ParsableArguments {
  @Option(name: .long, help: "The service's data directory. [env: GROUNDSWELL_DATA_DIR]")
  var dataDir: String?

  public init() {}

  func required() throws -> String {
    let directory = setting(dataDir, env: "GROUNDSWELL_DATA_DIR", default: "")
    guard !directory.isEmpty else { throw ValidationError("--data-dir (or GROUNDSWELL_DATA_DIR) is required") }
    return directory
  }
}

func announce(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A backup failure as one line on stderr and status 1.
func reportingFailure(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let error as DataBackup.Failure {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    throw ExitCode(1)
  }
}
