import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Settings as an operator gives them to a real executable: a flag, a
/// `GROUNDSWELL_*` variable or a key of the `--config` file, in that order
/// of precedence; a bad value or an unknown key stops start-up with status
/// 64 and a line naming it.
@Suite struct SettingsTests {
  let binary = ProcessStack.binary("petition-service")

  func writeConfig(_ json: String) throws -> String {
    let path = NSTemporaryDirectory() + "groundswell-config-\(UUID().uuidString).json"
    try Data(json.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func badValuesAndUnknownKeysStopStartUpNamingTheSetting() async throws {
    try #require(ProcessStack.available, "build the executables first (scripts/test.sh does)")
    let data = NSTemporaryDirectory() + "groundswell-settings-\(UUID().uuidString)"
    let cases: [(arguments: [String], names: String)] = [
      (["--shutdown-grace", "999"], "--shutdown-grace"),
      (["--log-format", "xml"], "--log-format"),
      (["--admin-listen", "nowhere"], "--admin-listen"),
      (["--config", try writeConfig(#"{"shutdown-grace": "soon"}"#)], "--shutdown-grace"),
      (["--config", try writeConfig(#"{"log-format": "json", "lisen": "127.0.0.1:1"}"#)], "`lisen`"),
      (["--config", try writeConfig(#"{"log-level": true}"#)], "`log-level`"),
      (["--config", try writeConfig(#"["log-level"]"#)], "one JSON object"),
      (["--config", try writeConfig("log-level = debug")], "not valid JSON"),
      (["--config", "/nonexistent/groundswell.json"], "cannot read /nonexistent/groundswell.json"),
    ]
    for (arguments, names) in cases {
      let run = try await tool(["--data-dir", data, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"] + arguments)
      #expect(run.status == 64, "\(arguments): status \(run.status), \(run.text)")
      #expect(run.text.contains(names), "\(arguments): \(run.text)")
    }
  }

  @Test func theFileSetsWhatNoFlagOrVariableSets() async throws {
    try #require(ProcessStack.available, "build the executables first (scripts/test.sh does)")
    let pki = try TestPKI.make()
    let files = pki.files(for: "petition-service")
    let admin = try freePort()
    let config = try writeConfig(
      """
      { "admin-listen": "127.0.0.1:\(admin)", "log-format": "json", "shutdown-grace": 3,
        "tls-cert": "\(files.certificate)", "tls-key": "\(files.privateKey)", "tls-ca": "\(files.certificateAuthority)",
        "supporter-service": "127.0.0.1:1" }
      """)
    let data = NSTemporaryDirectory() + "groundswell-settings-\(UUID().uuidString)"
    // From the file: the admin address, JSON lines, the certificates.
    let fromFile = try await startAndRead(["--config", config, "--data-dir", data, "--listen", "127.0.0.1:0"], admin: admin)
    #expect(fromFile.live, "the admin listener named in the file did not answer: \(fromFile.log)")
    let firstLine = fromFile.log.split(separator: "\n").first.map(String.init) ?? ""
    #expect(firstLine.hasPrefix("{") && firstLine.contains(#""msg""#), "not a JSON line: \(firstLine)")
    #expect(fromFile.log.contains("\"grace_s\":\"3\"") || fromFile.log.contains("\"grace_s\": \"3\""), "\(fromFile.log)")
    // A flag wins over the file.
    let overridden = try await startAndRead(
      ["--config", config, "--data-dir", data, "--listen", "127.0.0.1:0", "--log-format", "logfmt"], admin: admin)
    #expect(overridden.log.hasPrefix("time="), "\(overridden.log)")
  }

  /// Starts petition-service, waits for `/livez` on `admin`, sends SIGTERM;
  /// whether it answered and what the process logged.
  func startAndRead(_ arguments: [String], admin: Int) async throws -> (live: Bool, log: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let log = NSTemporaryDirectory() + "groundswell-settings-\(UUID().uuidString).log"
    FileManager.default.createFile(atPath: log, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    let live = try await eventually(timeout: .seconds(20)) {
      (try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(admin)/livez")!))?.1 as? HTTPURLResponse
    } until: { $0?.statusCode == 200 }
    process.terminate()
    process.waitUntilExit()
    return (live?.statusCode == 200, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
  }
}
