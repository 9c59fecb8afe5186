import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Synchronization
import Testing

/// SIGKILL, again and again, to each service on the sign path while
/// partners sign and import, as real processes. Each client sends the same
/// request (the same `request_id`, the same import rows) until it is
/// answered, as the partner guide tells partners to. Afterwards every
/// answered signature is stored exactly once, the counters and the
/// gateway's live totals agree with the rows, and a repeat of any request
/// gets its first answer.
@Suite(.serialized) struct CrashLoopTests {
  static let crashes = 3

  @Test(arguments: ["petition-service", "supporter-service", "gateway"])
  func killedAgainAndAgainLosesAndDoublesNothing(victim: String) async throws {
    try #require(ProcessStack.available, "build the executables first (scripts/test.sh does)")
    let stack = try await ProcessStack.start()
    defer { stack.kill() }
    let (_, petition, campaign, key) = try await stack.makeUnlimitedPetition()
    let tally = CrashTally()
    let prefix = "crash-\(victim)"

    try await withThrowingTaskGroup(of: Void.self) { group in
      for worker in 0..<6 {
        group.addTask {
          try await stack.withGateway { api in
            var n = 0
            while !tally.stopped {
              n += 1
              let request = signRequest(petition, email: "\(prefix)-\(worker)-\(n)@example.org") {
                $0.requestID = "\(prefix)-\(worker)-\(n)"
              }
              let answer = try await tally.untilAnswered { try await api.petitions.signPetition(request, metadata: bearer(key)) }
              tally.signed(request, answer.signature.name)
            }
          }
        }
      }
      group.addTask {
        try await stack.withGateway { api in
          var batch = 0
          while !tally.stopped {
            batch += 1
            let request = Groundswell_Petition_V1_ImportSignaturesRequest.with {
              $0.petition = petition
              $0.signatures = (0..<25).map { ImportTests.item("\(prefix)-paper-\(batch)-\($0)@example.org", at: Date(timeIntervalSince1970: 1_790_000_000)) }
            }
            let answer = try await tally.untilAnswered { try await api.petitions.importSignatures(request, metadata: bearer(key)) }
            tally.imported(answer.results)
          }
        }
      }
      for _ in 0..<Self.crashes {
        try await Task.sleep(for: .milliseconds(800))
        stack.crash(victim)
        try await Task.sleep(for: .milliseconds(200))
        try stack.restart(victim)
        try await stack.waitUntilReady(victim)
      }
      try await Task.sleep(for: .milliseconds(800))
      tally.stop()
      try await group.waitForAll()
    }

    let seen = tally.state.withLock { $0 }
    let total = seen.answers.count + seen.rows
    #expect(seen.answers.count > 0 && seen.rows > 0)
    // What a crash may show a client: the service is not there.
    #expect(Set(seen.failures.keys).isSubset(of: ["unavailable"]), "\(victim): failures \(seen.failures)")
    #expect(seen.failures.values.reduce(0, +) > 0, "the crashes met no call: the test proved nothing")
    // A row is signed once; a row of a batch that was stored before the
    // crash cut its answer is already signed when the batch comes again.
    #expect(seen.outcomes.keys.allSatisfy { $0 == .signed || $0 == .alreadySigned }, "\(seen.outcomes)")
    // No two signers answered with one signature.
    #expect(Set(seen.answers.values).count == seen.answers.count)

    try await stack.withGateway { api in
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == Int64(total), "\(victim): \(total) answered, the petition counts \(stored.signatureCount)")
      #expect(stored.offlineSignatureCount == Int64(seen.rows))
      // A repeat gets the first answer, and a new request by the same person
      // finds the same signature.
      for (request, name) in seen.answers.shuffled().prefix(20) {
        let repeated = try await api.petitions.signPetition(request, metadata: bearer(key))
        #expect(repeated.signature.name == name)
        var again = request
        again.requestID = ""
        let anew = try await api.petitions.signPetition(again, metadata: bearer(key))
        #expect(anew.alreadySigned && anew.signature.name == name)
      }
      // The gateway's live view catches up with the rows, whichever process
      // died (its feed resumes where it stopped; a new gateway loads anew).
      let totals = try await liveTotals(api, campaign, key: key) { $0.signatureCount == Int64(total) }
      #expect(totals.signatureCount == Int64(total), "\(victim): live totals \(totals.signatureCount), stored \(total)")
      #expect(totals.uniqueSupporterCount == Int64(total))
      // One SIGNATURE_CREATED event per signature answered, none twice, in
      // order.
      let answered = Set(seen.answers.values).union(seen.importedSignatures)
      #expect(answered.count == total)
      let events = try await EventTests.collect(api, key: key, types: [.signatureCreated], count: total, within: .seconds(20)).events
      #expect(events.count == total, "\(victim): \(events.count) events for \(total) signatures")
      #expect(Set(events.map(\.signature)) == answered)
      #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
    }

    // Each import chunk waited for its turn in both lanes, and said so.
    let metrics = try await stack.admin("petition-service", "/metrics")
    for lane in ["resolve", "write"] {
      #expect(metrics.contains("groundswell_import_turn_wait_seconds_count{lane=\"\(lane)\"}"), "\(victim): no turn waits of \(lane)")
    }

    _ = stack.stop()
    let petitions = try DatabaseQueue(path: "\(stack.root)/petition-service/petition.sqlite")
    let (rows, signers) = try await petitions.read { db in
      let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COUNT(DISTINCT supporter) FROM signatures")!
      return (row[0] as Int, row[1] as Int)
    }
    #expect(rows == total && signers == total, "\(victim): \(total) answered, \(rows) rows of \(signers) signers")
    let supporters = try DatabaseQueue(path: "\(stack.root)/supporter-service/supporter.sqlite")
    let people = try await supporters.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM supporters WHERE email LIKE ?", arguments: ["\(prefix)-%"])!
    }
    #expect(people == total, "\(victim): \(total) signers, \(people) supporters")
  }
}

/// What the clients of a crash loop saw.
final class CrashTally: Sendable {
  struct Seen: Sendable {
    var answers: [Groundswell_Petition_V1_SignPetitionRequest: String] = [:]
    var rows = 0
    var importedSignatures: [String] = []
    var outcomes: [Groundswell_Petition_V1_ImportResult.Outcome: Int] = [:]
    var failures: [String: Int] = [:]
    var stopped = false
  }
  let state = Mutex(Seen())

  var stopped: Bool { state.withLock { $0.stopped } }
  func stop() { state.withLock { $0.stopped = true } }
  func signed(_ request: Groundswell_Petition_V1_SignPetitionRequest, _ signature: String) {
    state.withLock { $0.answers[request] = signature }
  }
  func imported(_ results: [Groundswell_Petition_V1_ImportResult]) {
    state.withLock {
      $0.rows += results.count
      $0.importedSignatures += results.map(\.signature)
      for result in results { $0.outcomes[result.outcome, default: 0] += 1 }
    }
  }

  /// `call` until it is answered, the same request again 50 ms after each
  /// failure, for at most a minute; each failure counted by its code.
  func untilAnswered<T>(_ call: () async throws -> T) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
      do {
        return try await call()
      } catch let error as RPCError where ContinuousClock.now < deadline {
        state.withLock { $0.failures["\(error.code)", default: 0] += 1 }
        try await Task.sleep(for: .milliseconds(50))
      }
    }
  }
}
