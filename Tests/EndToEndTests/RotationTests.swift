import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Testing

/// Certificate rotation without a restart, as real processes on loopback
/// TLS: while eight clients sign through the gateway, the gateway's and
/// petition-service's certificate and key files are replaced by a renewed
/// pair from the same CA. New connections get the new certificate within the
/// reload interval, and no call fails.
@Suite(.serialized) struct RotationTests {
  @Test func renewedCertificatesAreServedToNewConnectionsAndNoCallFails() async throws {
    try #require(ProcessStack.available, "build the executables first (scripts/test.sh does)")
    let stack = try await ProcessStack.start(arguments: ["--cert-reload-interval", "1"])
    defer { stack.kill() }
    let (organization, partnerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: partnerKey)
    let key = try await stack.makeKey(organization: organization) { $0.quota = .with { $0.unlimited = true } }
    let pki = stack.pki.directory
    let renewed = "\(stack.root)/renewed"
    let rotated = ["gateway", "petition-service"]
    var before: [String: String] = [:]
    for service in rotated { before[service] = try await servedSerial(stack, service) }
    #expect(before["gateway"] == (try await fileSerial("\(pki)/gateway.crt")))

    let tally = DrainTally()
    try await stack.withGateway { api in
      try await withThrowingTaskGroup(of: Void.self) { group in
        tally.addSigners(8, to: &group, api: api, petition: petition, key: key, prefix: "rotation")
        try await Task.sleep(for: .seconds(1))
        // Renew from the same CA, then move each pair into place: the
        // certificate first, so for a moment the files do not match.
        try FileManager.default.createDirectory(atPath: renewed, withIntermediateDirectories: true)
        for file in ["ca.crt", "ca.key", "ca.srl"] where FileManager.default.fileExists(atPath: "\(pki)/\(file)") {
          try FileManager.default.copyItem(atPath: "\(pki)/\(file)", toPath: "\(renewed)/\(file)")
        }
        let made = try await runProgram(
          "/bin/bash", [repositoryRoot.appendingPathComponent("deploy/certs/make-dev-pki.sh").path, renewed], environment: [:])
        try #require(made.status == 0, "\(made.output)")
        for service in rotated {
          for suffix in ["crt", "key"] {
            #expect(rename("\(renewed)/\(service).\(suffix)", "\(pki)/\(service).\(suffix)") == 0)
            try await Task.sleep(for: .milliseconds(300))
          }
        }
        for service in rotated {
          let expected = try await fileSerial("\(pki)/\(service).crt")
          #expect(expected != before[service])
          let served = try await eventually(timeout: .seconds(15)) {
            try? await servedSerial(stack, service)
          } until: { $0 == expected }
          #expect(served == expected, "\(service) still serves \(served ?? "nothing"), renewed \(expected)")
        }
        try await Task.sleep(for: .seconds(1))
        tally.stop()
        try await group.waitForAll()
      }
    }
    // A new client connection, verified against the same CA, works.
    let signed = try await stack.withGateway { api in
      try await api.petitions.signPetition(signRequest(petition, email: "after-rotation@example.org"), metadata: bearer(key))
    }
    #expect(!signed.signature.supporter.isEmpty)
    let (ok, failures) = tally.state.withLock { ($0.ok, $0.failures) }
    #expect(ok > 0)
    #expect(failures.isEmpty, "calls failed during the rotation: \(failures)")
    for service in rotated {
      #expect(stack.log(service).contains("certificate reloaded"), "\(service) did not log the reload")
    }
    _ = stack.stop()
    let database = try DatabaseQueue(path: "\(stack.root)/petition-service/petition.sqlite")
    let stored = try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM signatures") ?? -1 }
    #expect(stored == ok + 1, "\(ok) acknowledged before the last one, \(stored) stored")
  }

  /// The serial of the certificate a member presents to a new TLS
  /// connection (petition-service asks for a client certificate: the
  /// gateway's is given).
  func servedSerial(_ stack: ProcessStack, _ service: String) async throws -> String {
    let pki = stack.pki.directory
    let client = service == "gateway" ? "" : "-cert \(pki)/campaign-service.crt -key \(pki)/campaign-service.key"
    let command =
      "openssl s_client -connect 127.0.0.1:\(stack.member(service).port) -servername localhost -CAfile \(pki)/ca.crt \(client) "
      + "</dev/null 2>/dev/null | openssl x509 -noout -serial"
    let run = try await runProgram("/bin/bash", ["-c", command], environment: [:])
    return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func fileSerial(_ path: String) async throws -> String {
    let run = try await runProgram("/usr/bin/openssl", ["x509", "-in", path, "-noout", "-serial"], environment: [:])
    return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
