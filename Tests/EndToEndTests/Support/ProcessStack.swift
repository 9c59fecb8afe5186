import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GatewayService
import GroundswellAPI
import GroundswellRuntime

/// The four real executables (`.build/debug/…`, which `swift build` makes),
/// each a process of its own with its own stderr, admin listener and
/// environment, as an operator runs them.
final class ProcessStack: GatewayFixture, @unchecked Sendable {
  struct Member {
    let name: String
    var process: Process
    let port: Int
    let adminPort: Int
    let log: String
    let arguments: [String]
    let environment: [String: String]
  }

  let pki: TestPKI
  let root: String
  private let lock = NSLock()
  private var _members: [Member]
  var members: [Member] { lock.withLock { _members } }
  let operatorKey: String

  var gatewayEndpoint: ServiceAddress { ServiceAddress(host: "127.0.0.1", port: member("gateway").port) }
  var caFile: String { pki.caFile }

  func member(_ name: String) -> Member { members.first { $0.name == name }! }

  static func binary(_ name: String) -> String { repositoryRoot.appendingPathComponent(".build/debug/\(name)").path }

  static var available: Bool {
    ["gateway", "petition-service", "supporter-service", "campaign-service"].allSatisfy {
      FileManager.default.isExecutableFile(atPath: binary($0))
    }
  }

  private init(pki: TestPKI, root: String, members: [Member], operatorKey: String) {
    self.pki = pki
    self.root = root
    self._members = members
    self.operatorKey = operatorKey
  }

  /// Starts the four with `environment` added to this process's, and waits
  /// until the gateway reports SERVING.
  static func start(environment: [String: String] = [:], arguments: [String] = []) async throws -> ProcessStack {
    let pki = try TestPKI.make()
    let root = NSTemporaryDirectory() + "groundswell-processes-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let names = ["supporter-service", "petition-service", "campaign-service", "gateway"]
    var ports: [String: (port: Int, admin: Int)] = [:]
    for name in names { ports[name] = (try freePort(), try freePort()) }
    func address(_ name: String) -> String { "127.0.0.1:\(ports[name]!.port)" }
    let keys = try SQLiteAPIKeyRepository(directory: "\(root)/gateway")
    let operatorKey = try await keys.create(organization: nil, isOperator: true, scopes: [], label: "test operator").key
    var members: [Member] = []
    for name in names {
      let files = pki.files(for: name)
      var args = [
        "--listen", address(name), "--admin-listen", "127.0.0.1:\(ports[name]!.admin)", "--data-dir", "\(root)/\(name)",
        "--cert", files.certificate, "--key", files.privateKey, "--ca", files.certificateAuthority,
      ] + arguments
      switch name {
      case "gateway":
        args += [
          "--petition-service", address("petition-service"), "--supporter-service", address("supporter-service"),
          "--campaign-service", address("campaign-service"),
        ]
      case "petition-service": args += ["--supporter-service", address("supporter-service")]
      case "supporter-service": args += ["--petition-service", address("petition-service")]
      default: args += ["--petition-service", address("petition-service"), "--supporter-service", address("supporter-service")]
      }
      let log = "\(root)/\(name).log"
      FileManager.default.createFile(atPath: log, contents: nil)
      let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
      let process = try launch(name, arguments: args, environment: merged, log: log)
      members.append(
        Member(
          name: name, process: process, port: ports[name]!.port, adminPort: ports[name]!.admin, log: log, arguments: args,
          environment: merged))
    }
    let stack = ProcessStack(pki: pki, root: root, members: members, operatorKey: operatorKey)
    let serving = try await eventually(timeout: .seconds(60), {
      try? await stack.withGateway { api in try await api.health.check(.init()).status }
    }, until: { $0 == .serving })
    guard serving == .serving else {
      stack.kill()
      throw StackError("the gateway process did not report SERVING within 60 s")
    }
    // Each member ready too (its required dependency found), as an
    // orchestrator waits for every readiness probe.
    for name in names {
      do {
        try await stack.waitUntilReady(name)
      } catch {
        stack.kill()
        throw error
      }
    }
    return stack
  }

  static func launch(_ name: String, arguments: [String], environment: [String: String], log: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary(name))
    process.arguments = arguments
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    handle.seekToEndOfFile()
    process.standardError = handle
    try process.run()
    return process
  }

  /// Starts a member that was terminated again, with the same arguments,
  /// ports and data directory.
  func restart(_ name: String) throws {
    try lock.withLock {
      let index = _members.firstIndex { $0.name == name }!
      let member = _members[index]
      precondition(!member.process.isRunning, "\(name) still runs")
      _members[index].process = try Self.launch(name, arguments: member.arguments, environment: member.environment, log: member.log)
    }
  }

  /// The body of a GET to a member's admin listener.
  func admin(_ name: String, _ path: String) async throws -> String {
    let url = URL(string: "http://127.0.0.1:\(member(name).adminPort)\(path)")!
    return String(decoding: try await URLSession.shared.data(from: url).0, as: UTF8.self)
  }

  func log(_ name: String) -> String {
    (try? String(contentsOfFile: member(name).log, encoding: .utf8)) ?? ""
  }

  /// SIGTERM to each, the gateway first; their exit statuses once they end.
  func stop() -> [String: Int32] {
    var statuses: [String: Int32] = [:]
    for member in members.reversed() {
      member.process.terminate()
      member.process.waitUntilExit()
      statuses[member.name] = member.process.terminationStatus
    }
    return statuses
  }

  /// SIGTERM to one member; its exit status once it has ended.
  func terminate(_ name: String) -> Int32 {
    let process = member(name).process
    process.terminate()
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// SIGKILL to one member, as a crash or the out-of-memory killer ends
  /// it: nothing of its own runs after the signal.
  func crash(_ name: String) {
    let process = member(name).process
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// Waits until a member's readiness probe answers SERVING.
  func waitUntilReady(_ name: String, timeout: Duration = .seconds(30)) async throws {
    let ready = try await eventually(timeout: timeout, { try? await admin(name, "/readyz") }, until: { $0 == "SERVING\n" })
    guard ready == "SERVING\n" else { throw StackError("\(name) was not ready within \(timeout): \(ready ?? "no answer")") }
  }

  func kill() {
    for member in members where member.process.isRunning { member.process.terminate() }
  }
}
