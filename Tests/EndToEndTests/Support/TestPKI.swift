import Foundation
import Synchronization
import GroundswellRuntime

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A throwaway PKI made by the same script operators use
/// (`deploy/certs/make-dev-pki.sh`) in a temporary directory.
struct TestPKI: Sendable {
  let directory: String

  /// `extraIdentities` get certificates too, like the services'.
  static func make(extraIdentities: [String] = []) throws -> TestPKI {
    let directory = NSTemporaryDirectory() + "groundswell-pki-" + UUID().uuidString
    let status = try run(
      "/bin/bash", [repositoryRoot.appendingPathComponent("deploy/certs/make-dev-pki.sh").path, directory] + extraIdentities)
    guard status == 0 else { throw StartupError("make-dev-pki.sh failed with \(status)") }
    return TestPKI(directory: directory)
  }

  func files(for service: String) -> TLSFiles {
    TLSFiles(
      certificate: "\(directory)/\(service).crt", privateKey: "\(directory)/\(service).key",
      certificateAuthority: "\(directory)/ca.crt")
  }

  var caFile: String { "\(directory)/ca.crt" }
}

/// Runs a program to completion and returns its exit status.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: Pipe? = nil) throws -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
  if let output {
    process.standardOutput = output
    process.standardError = output
  } else {
    process.standardError = FileHandle.nullDevice
  }
  try process.run()
  process.waitUntilExit()
  return process.terminationStatus
}

/// Runs a program to completion without holding a thread of the shared
/// concurrency pool (the services under test need those), and returns its
/// exit status and everything it printed.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  let collected = Mutex(Data())
  pipe.fileHandleForReading.readabilityHandler = { handle in
    let chunk = handle.availableData
    collected.withLock { $0.append(chunk) }
  }
  let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
    process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
    do {
      try process.run()
    } catch {
      process.terminationHandler = nil
      continuation.resume(throwing: error)
    }
  }
  pipe.fileHandleForReading.readabilityHandler = nil
  let rest = pipe.fileHandleForReading.readDataToEndOfFile()
  return (status, String(decoding: collected.withLock { $0 } + rest, as: UTF8.self))
}

/// The `key=value` lines of a test program's output.
func keyValues(_ text: String) -> [String: String] {
  Dictionary(
    text.split(separator: "\n").compactMap { line -> (String, String)? in
      let parts = line.split(separator: "=", maxSplits: 1)
      return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }, uniquingKeysWith: { $1 })
}
