import Foundation
import GRDB
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Synchronization
import Testing

/// Group commit: concurrent writers share durable transactions, and one
/// caller's failure is that caller's alone.
@Suite struct GroupCommitTests {
  /// A fresh database in a folder of its own (the caller removes it) with
  /// one table.
  static func temporaryPool(_ createTable: String) throws -> (DatabasePool, String) {
    let directory = NSTemporaryDirectory() + "group-commit-" + UUID().uuidString
    let pool = try SQLiteDatabase.open(directory: directory, file: "test.sqlite") { migrator in
      migrator.registerMigration("1") { db in try db.execute(sql: createTable) }
    }
    return (pool, directory)
  }

  @Test func callersShareTransactionsAndFailAlone() async throws {
    let (pool, directory) = try Self.temporaryPool("CREATE TABLE rows (id INTEGER PRIMARY KEY, caller INTEGER NOT NULL UNIQUE)")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let sizes = Mutex<[Int]>([])
    let writer = GroupCommitWriter(pool: pool, name: "test") { size in sizes.withLock { $0.append(size) } }
    struct Refused: Error {}
    let callers = 400
    let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
      for caller in 0..<callers {
        group.addTask {
          do {
            let id = try await writer.write { db -> Int64 in
              try db.execute(sql: "INSERT INTO rows (caller) VALUES (?)", arguments: [caller])
              // Every tenth caller fails after writing: its row must not stay.
              if caller % 10 == 0 { throw Refused() }
              return db.lastInsertedRowID
            }
            return (caller, id > 0)
          } catch {
            return (caller, false)
          }
        }
      }
      return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
    }
    let stored = try await pool.read { try Set(Int.fetchAll($0, sql: "SELECT caller FROM rows")) }
    let succeeded = Set(outcomes.filter(\.value).map(\.key))
    #expect(succeeded.count == callers - callers / 10)
    #expect(stored == succeeded, "exactly the callers that were answered with success are stored")
    let committed = sizes.withLock { $0 }
    #expect(committed.reduce(0, +) == callers)
    #expect(committed.count < callers, "some transactions served more than one caller: \(committed.count) transactions")
  }

  @Test func whatCallersGatherIsKeptOnlyForThoseThatSucceed() async throws {
    let (pool, directory) = try Self.temporaryPool(
      "CREATE TABLE totals (transactions INTEGER NOT NULL, callers INTEGER NOT NULL, sum INTEGER NOT NULL)")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    /// Each transaction's callers' numbers, summed and written once.
    struct Sum: GroupCommitState {
      var callers = 0
      var sum = 0
      mutating func finish(_ db: Database) throws {
        try db.execute(sql: "INSERT INTO totals VALUES (1, ?, ?)", arguments: [callers, sum])
      }
    }
    let writer = GroupCommitWriter(pool: pool, name: "test", state: Sum.self)
    struct Refused: Error {}
    let callers = 300
    let answers = await withTaskGroup(of: (Int, Int?).self) { group in
      for caller in 1...callers {
        group.addTask {
          // Every seventh caller fails after gathering: its number must not count.
          let sumBefore = try? await writer.write { _, sum -> Int in
            let before = sum.sum
            sum.callers += 1
            sum.sum += caller
            if caller % 7 == 0 { throw Refused() }
            return before
          }
          return (caller, sumBefore)
        }
      }
      return await group.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
    }
    let succeeded = answers.filter { $0.value != nil }.map(\.key)
    #expect(succeeded.count == callers - callers / 7)
    let totals = try await pool.read { try Row.fetchOne($0, sql: "SELECT SUM(transactions) AS t, SUM(callers) AS c, SUM(sum) AS s FROM totals")! }
    #expect(totals["c"] as Int == succeeded.count)
    #expect(totals["s"] as Int == succeeded.reduce(0, +))
    #expect((totals["t"] as Int) < succeeded.count, "some transactions served more than one caller")
  }

  @Test func concurrentSignaturesAreEachAnsweredWithTheirOwnCount() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let counts = try await withThrowingTaskGroup(of: Int64.self) { group in
        for index in 0..<80 {
          group.addTask { try await sign(api, petition, email: "own-count\(index)@example.org", key: key).signatureCount }
        }
        return try await group.reduce(into: [Int64]()) { $0.append($1) }
      }
      // Sharing transactions, each signature still answers the count just
      // after it: 1 to 80, each once.
      #expect(counts.sorted() == Array(1...80))
      let stored = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition
      #expect(stored.signatureCount == 80)
      let ledger = try await api.petitions.getPetitionLedger(.with { $0.petition = petition }, metadata: bearer(key))
      #expect(ledger.entryCount == 80)
    }
  }

  @Test func aClosedPetitionAmongConcurrentSignaturesFailsAlone() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let open = try await stack.makeOpenPetition(organization: organization, key: key)
    let closed = try await stack.makeOpenPetition(organization: organization, key: key, title: "Closed early")
    try await stack.withGateway { api in
      _ = try await api.petitions.closePetition(.with { $0.name = closed }, metadata: bearer(key))
      let codes = await withTaskGroup(of: RPCError.Code?.self) { group in
        for index in 0..<60 {
          group.addTask {
            await rpcError {
              _ = try await sign(api, index % 4 == 0 ? closed : open, email: "together\(index)@example.org", key: key)
            }?.code
          }
        }
        return await group.reduce(into: [RPCError.Code?]()) { $0.append($1) }
      }
      #expect(codes.filter { $0 == nil }.count == 45)
      #expect(codes.filter { $0 == .failedPrecondition }.count == 15)
      let count = try await api.petitions.getPetition(.with { $0.name = open }, metadata: bearer(key)).petition.signatureCount
      #expect(count == 45)
      let ledger = try await api.petitions.getPetitionLedger(.with { $0.petition = open }, metadata: bearer(key))
      #expect(ledger.entryCount == 45)
    }
  }
}
