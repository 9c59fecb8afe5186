import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Testing

/// `petition-service backup` while eight clients sign, then `restore` into
/// the stopped service, as real processes: the backup is consistent (its
/// counters equal its rows), a restore into a running service is refused,
/// and after the restart the gateway — which kept running — reports the
/// restored, lower counts and goes on counting from them.
@Suite(.serialized) struct BackupTests {
  @Test func onlineBackupAndRestoreAreExactAndTheGatewayFollowsTheRestoredCounts() async throws {
    try #require(ProcessStack.available, "build the executables first (scripts/test.sh does)")
    let stack = try await ProcessStack.start()
    defer { stack.kill() }
    let (_, petition, campaign, key) = try await stack.makeUnlimitedPetition()
    let data = "\(stack.root)/petition-service"
    let backup = "\(stack.root)/backup"

    let tally = DrainTally()
    let output = try await stack.withGateway { api in
      try await withThrowingTaskGroup(of: Void.self) { group in
        tally.addSigners(8, to: &group, api: api, petition: petition, key: key, prefix: "backup")
        try await Task.sleep(for: .seconds(1))
        let run = try await tool(["backup", "--data-dir", data, "--to", backup])
        try await Task.sleep(for: .seconds(0.5))
        tally.stop()
        try await group.waitForAll()
        return run
      }
    }
    #expect(output.status == 0, "backup: \(output.text)")
    #expect(output.text.contains("backed up petition.sqlite"), "\(output.text)")
    #expect(output.text.contains("copied deployment.secret"), "\(output.text)")
    let (acknowledged, failures) = tally.state.withLock { ($0.ok, $0.failures) }
    #expect(failures.isEmpty, "signing failed during the backup: \(failures)")

    // The copy is one consistent moment: its counter equals its rows.
    let copy = try DatabaseQueue(path: "\(backup)/petition.sqlite")
    let (rows, counter) = try await copy.read { db in
      (
        try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM signatures") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT SUM(signature_count) FROM petition_counters") ?? -1
      )
    }
    try copy.close()
    #expect(rows == counter, "backup: \(rows) signatures, counters say \(counter)")
    #expect(rows > 0 && rows < Int64(acknowledged), "backup \(rows) of \(acknowledged) acknowledged")

    try await stack.withGateway { api in
      _ = try await liveTotals(api, campaign, key: key) { $0.signatureCount == Int64(acknowledged) }
    }
    // A running service's database is not replaced.
    let refused = try await tool(["restore", "--data-dir", data, "--from", backup])
    #expect(refused.status == 1 && refused.text.contains("stop the service"), "\(refused.text)")

    #expect(stack.terminate("petition-service") == 0)
    let restored = try await tool(["restore", "--data-dir", data, "--from", backup])
    #expect(restored.status == 0 && restored.text.contains("restored petition.sqlite"), "\(restored.text)")
    try stack.restart("petition-service")

    try await stack.withGateway { api in
      let totals = try await liveTotals(api, campaign, key: key) { $0.signatureCount == rows }
      #expect(totals.signatureCount == rows, "the gateway still reports \(totals.signatureCount), restored \(rows)")
      let stored = try await eventually(timeout: .seconds(30)) {
        try? await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
      } until: { $0 == rows }
      #expect(stored == rows)
      // Counting goes on from the restored figures.
      _ = try await eventually(timeout: .seconds(30)) {
        try? await api.petitions.signPetition(signRequest(petition, email: "after-restore@example.org"), metadata: bearer(key))
      } until: { $0 != nil }
      let after = try await liveTotals(api, campaign, key: key) { $0.signatureCount == rows + 1 }
      #expect(after.signatureCount == rows + 1)
    }
    #expect(stack.stop().values.allSatisfy { $0 == 0 })
  }
}

/// Runs `petition-service` with `arguments` to its end: status and output.
func tool(_ arguments: [String]) async throws -> (status: Int32, text: String) {
  let run = try await runProgram(ProcessStack.binary("petition-service"), arguments, environment: [:])
  return (run.status, run.output)
}
