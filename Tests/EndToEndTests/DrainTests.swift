import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Synchronization
import Testing

/// SIGTERM under load, to each of the three services on the sign path, as
/// real processes: each exits 0, what fails is UNAVAILABLE, and the
/// signatures stored are exactly the signatures acknowledged — no call that
/// had started is cut (the server refuses new calls and lets the running
/// ones finish before it closes its listener).
@Suite(.serialized) struct DrainTests {

  @Test(arguments: ["gateway", "petition-service", "supporter-service"])
  func sigtermUnderLoadFailsNoCallThatHadStarted(victim: String) async throws {
    try #require(ProcessStack.available, "build the executables first (scripts/test.sh does)")
    let stack = try await ProcessStack.start()
    defer { stack.kill() }
    let (organization, partnerKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: partnerKey)
    // Unlimited, so that the load meets the drain and not the quota.
    let key = try await stack.makeKey(organization: organization) { $0.quota = .with { $0.unlimited = true } }
    let tally = DrainTally()
    let status = try await stack.withGateway { api in
      try await withThrowingTaskGroup(of: Void.self) { group in
        tally.addSigners(8, to: &group, api: api, petition: petition, key: key, prefix: "drain")
        try await Task.sleep(for: .seconds(1.5))
        let status = stack.terminate(victim)
        try await Task.sleep(for: .seconds(1))
        tally.stop()
        try await group.waitForAll()
        return status
      }
    }
    #expect(status == 0, "\(victim) exited \(status) after SIGTERM")
    let (ok, failures) = tally.state.withLock { ($0.ok, $0.failures) }
    #expect(ok > 0)
    #expect(Set(failures.keys).isSubset(of: ["unavailable"]), "\(victim): failures \(failures)")
    _ = stack.stop()
    let database = try DatabaseQueue(path: "\(stack.root)/petition-service/petition.sqlite")
    let stored = try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM signatures") ?? -1 }
    #expect(stored == ok, "\(victim): \(ok) acknowledged, \(stored) stored, failures \(failures)")
  }
}

/// What the signers saw: acknowledged signatures, failures by code.
final class DrainTally: Sendable {
  let state = Mutex<(ok: Int, failures: [String: Int], stopped: Bool)>((0, [:], false))
  func ok() { state.withLock { $0.ok += 1 } }
  func failed(_ code: String) { state.withLock { $0.failures[code, default: 0] += 1 } }
  func stop() { state.withLock { $0.stopped = true } }
  var stopped: Bool { state.withLock { $0.stopped } }

  /// `count` clients signing `petition` with new addresses until `stop()`;
  /// after a failure each waits 20 ms.
  func addSigners(
    _ count: Int, to group: inout ThrowingTaskGroup<Void, any Error>, api: GatewayAPI, petition: String, key: String, prefix: String
  ) {
    for worker in 0..<count {
      group.addTask {
        var n = 0
        while !self.stopped {
          n += 1
          do {
            _ = try await api.petitions.signPetition(
              signRequest(petition, email: "\(prefix)-\(worker)-\(n)@example.org"), metadata: bearer(key))
            self.ok()
          } catch let error as RPCError {
            self.failed("\(error.code)")
            try await Task.sleep(for: .milliseconds(20))
          }
        }
      }
    }
  }
}
