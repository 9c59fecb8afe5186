import Foundation
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
/// exit status and everything it printed. Its output is read and its exit
/// awaited on threads of their own, not through `readabilityHandler`: read
/// sources set up and torn down by several tests at once corrupt
/// libdispatch's epoll bookkeeping on Linux and crash the whole test
/// process (swiftlang/swift-corelibs-libdispatch#949, seen here as a
/// SIGSEGV in `_dispatch_event_loop_drain`).
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  // The output is read while the program runs, so that a full pipe never
  // stops it; it ends when the program and its children close the pipe.
  let reader = pipe.fileHandleForReading
  async let output = onThreadOfItsOwn { reader.readDataToEndOfFile() }
  let status = await onThreadOfItsOwn {
    process.waitUntilExit()
    return process.terminationStatus
  }
  return (status, String(decoding: await output, as: UTF8.self))
}

/// Runs blocking `work` on a new thread and returns its result.
private func onThreadOfItsOwn<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
  await withCheckedContinuation { continuation in
    Thread.detachNewThread { continuation.resume(returning: work()) }
  }
}

/// The `key=value` lines of a test program's output.
func keyValues(_ text: String) -> [String: String] {
  Dictionary(
    text.split(separator: "\n").compactMap { line -> (String, String)? in
      let parts = line.split(separator: "=", maxSplits: 1)
      return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }, uniquingKeysWith: { $1 })
}
