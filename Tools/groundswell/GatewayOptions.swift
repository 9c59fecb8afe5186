import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import GroundswellRuntime

/// How to reach and authenticate to the gateway.
struct GatewayOptions: ParsableArguments {
  @Option(name: .long, help: "The gateway's address, host:port. [env: GROUNDSWELL_GATEWAY, default: 127.0.0.1:7400]")
  var gateway: String?

  @Option(name: .long, help: "Your API key. [env: GROUNDSWELL_API_KEY]")
  var apiKey: String?

  @Option(name: .long, help: "PEM file of the CA that issued the gateway's certificate. [env: GROUNDSWELL_CA_FILE, default: deploy/certs/dev/ca.crt]")
  var caFile: String?

  @Option(name: .long, help: "Seconds to wait for each answer.")
  var timeout: Int = 10

  @Option(name: .long, help: "table for people, json for scripts (one object per line). [env: GROUNDSWELL_OUTPUT, default: table]")
  var output: String?

  var key: String { setting(apiKey, env: "GROUNDSWELL_API_KEY", default: "") }

  func validate() throws {
    if key.isEmpty { throw ValidationError("an API key is required: pass --api-key or set GROUNDSWELL_API_KEY") }
    let format = setting(output, env: "GROUNDSWELL_OUTPUT", default: "table")
    if OutputFormat(rawValue: format) == nil {
      throw ValidationError("--output must be table or json; got `\(format.prefix(40))`")
    }
    if !(1...3_600).contains(timeout) { throw ValidationError("--timeout must be 1 to 3600 seconds") }
    let ca = setting(caFile, env: "GROUNDSWELL_CA_FILE", default: "deploy/certs/dev/ca.crt")
    if !FileManager.default.isReadableFile(atPath: ca) { throw ValidationError("cannot read the CA file \(ca)") }
  }

  var callOptions: CallOptions {
    var options = CallOptions.defaults
    options.timeout = .seconds(timeout)
    return options
  }

  /// Runs `body` with a connected client and prints a gRPC failure as one
  /// readable error (with each bad field) before exiting with the status
  /// `ExitStatus` gives its code.
  func withClient<T: Sendable>(_ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
    let endpoint = try endpointSetting(gateway, env: "GROUNDSWELL_GATEWAY", default: "127.0.0.1:7400", name: "--gateway")
    let ca = setting(caFile, env: "GROUNDSWELL_CA_FILE", default: "deploy/certs/dev/ca.crt")
    do {
      return try await withGRPCClient(transport: makeGatewayTransport(endpoint: endpoint, caFile: ca)) { client in
        try await body(client)
      }
    } catch let error as RPCError {
      var message = "\(error.code): \(error.message)"
      if let status = try? error.unpackGoogleRPCStatus() {
        for detail in status.details {
          for violation in detail.badRequest?.violations ?? [] {
            message += "\n  \(violation.field): \(violation.violationDescription)"
          }
        }
      }
      if error.code == .unavailable { message += " (\(rootCause(of: error)))" }
      FileHandle.standardError.write(Data("groundswell: error: \(message)\n".utf8))
      throw ExitCode(ExitStatus.forStatus(error.code))
    }
  }
}
