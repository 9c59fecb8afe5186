import Foundation
import GroundswellRuntime

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A throwaway PKI made by the same script operators use
/// (`deploy/certs/make-dev-pki.sh`) in a temporary directory.
struct TestPKI: Sendable {
  let directory: String

  static func make() throws -> TestPKI {
    let directory = NSTemporaryDirectory() + "groundswell-pki-" + UUID().uuidString
    let status = try run("/bin/bash", [repositoryRoot.appendingPathComponent("deploy/certs/make-dev-pki.sh").path, directory])
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
