import ArgumentParser
import Foundation
import GRDB
import GroundswellModel
import PetitionService
import SupporterService

/// Fills petition-service's and supporter-service's SQLite files (after
/// their own migrations ran) with signatures and the supporters who made
/// them, before the services start: the sign path is then measured with
/// that much data stored. Going through the API would take hours at this
/// size and is not what is measured. Written in large transactions with a
/// large page cache; a progress line every million rows.
struct Seed: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Seeds petition-service's and supporter-service's databases with signatures and supporters.")

  @Option(help: "The data root: petition-service/ and supporter-service/ go below it.") var data: String
  @Option(help: "Signatures to store (at most 100,000,000).") var signatures = 10_000_000
  @Option(help: "Petitions they are spread over.") var petitions = 10_000
  @Option(help: "Distinct supporters who made them (each signs signatures/supporters petitions).") var supporters = 5_000_000
  @Option(help: "The organization owning the petitions and knowing the supporters.") var organization = "organizations/seeded"

  func validate() throws {
    guard (1...100_000_000).contains(signatures), (1...1_000_000).contains(petitions), (1...signatures).contains(supporters)
    else { throw ValidationError("need 1 ≤ supporters ≤ signatures ≤ 100,000,000 and 1 to 1,000,000 petitions") }
    guard (signatures + supporters - 1) / supporters <= petitions else {
      throw ValidationError("each supporter signs a petition at most once: give more petitions or supporters")
    }
  }

  func run() async throws {
    let started = ContinuousClock.now
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    // Supporter ids made from their number, so both files agree without a
    // table of millions in memory.
    // Shaped like the ids supporter-service makes (a letter, then 15
    // characters of base32), so the gateway's view stores them as it would
    // real ones: number n is "s" and n in base32.
    @Sendable func supporterID(_ number: Int) -> String {
      let alphabet = ResourceName.idAlphabet
      var digits = [UInt8](repeating: alphabet[0], count: 16)
      digits[0] = UInt8(ascii: "s")
      var rest = number
      for index in stride(from: 15, to: 0, by: -1) {
        digits[index] = alphabet[rest & 31]
        rest >>= 5
      }
      return String(decoding: digits, as: UTF8.self)
    }
    @Sendable func progress(_ what: String, _ done: Int) {
      print(String(format: "seed: %@ %d (%.0f s)", what, done, (ContinuousClock.now - started).seconds), terminator: "\n")
      fflush(nil)
    }

    _ = try SQLiteSupporterRepository(directory: "\(data)/supporter-service")
    let supporterDB = try DatabaseQueue(path: "\(data)/supporter-service/supporter.sqlite")
    try await supporterDB.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA cache_size = -4000000; PRAGMA synchronous = OFF")
      for start in stride(from: 0, to: supporters, by: 1_000_000) {
        try db.inTransaction {
          let person = try db.makeStatement(
            sql: "INSERT INTO supporters (id, email, given_name, family_name, create_time) VALUES (?, ?, '', '', ?)")
          let record = try db.makeStatement(
            sql: """
              INSERT INTO supporter_organizations (supporter_id, organization, first_seen_time, given_name, family_name, update_time)
              VALUES (?, ?, ?, 'Seeded', 'Signer', ?)
              """)
          for number in start..<min(start + 1_000_000, supporters) {
            let id = supporterID(number)
            try person.execute(arguments: [id, "seeded\(number)@example.org", now])
            try record.execute(arguments: [id, organization, now, now])
          }
          return .commit
        }
        progress("supporters", min(start + 1_000_000, supporters))
      }
    }

    _ = try SQLitePetitionRepository(directory: "\(data)/petition-service")
    let petitionDB = try DatabaseQueue(path: "\(data)/petition-service/petition.sqlite")
    try await petitionDB.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA cache_size = -4000000; PRAGMA synchronous = OFF")
      try db.inTransaction {
        for index in 0..<petitions {
          let id = String(format: "seeded%07d", index)
          try db.execute(
            sql: """
              INSERT INTO petitions (id, organization, title, summary, body, state, create_time, update_time, publish_time)
              VALUES (?, ?, ?, '', '', 2, ?, ?, ?)
              """,
            arguments: [id, organization, "Seeded petition \(index)", now, now, now])
          try db.execute(
            sql: "INSERT INTO petition_counters (petition_id, signature_count, update_time, version, last_signature_time) VALUES (?, 0, ?, 0, ?)",
            arguments: [id, now, now])
        }
        return .commit
      }
      // Signature k is by supporter s = k % supporters, their j = k / supporters
      // th, on petition (s + j) % petitions: a supporter's signatures land on
      // different petitions (j < petitions, as `validate` checks).
      // Each supporter's local key is their number + 1.
      for start in stride(from: 0, to: supporters, by: 1_000_000) {
        try db.inTransaction {
          let insert = try db.makeStatement(sql: "INSERT INTO signers (key, supporter) VALUES (?, ?)")
          for number in start..<min(start + 1_000_000, supporters) {
            try insert.execute(arguments: [number + 1, "supporters/" + supporterID(number)])
          }
          return .commit
        }
        progress("signer keys", min(start + 1_000_000, supporters))
      }
      var written = 0
      while written < signatures {
        let end = min(written + 1_000_000, signatures)
        try db.inTransaction {
          let insert = try db.makeStatement(
            sql: "INSERT INTO signatures (id, petition_id, supporter, signer, create_time) VALUES (?, ?, ?, ?, ?)")
          for number in written..<end {
            try insert.execute(arguments: [
              ResourceName.newID(), String(format: "seeded%07d", (number % supporters + number / supporters) % petitions),
              "supporters/" + supporterID(number % supporters), number % supporters + 1,
              now - Int64(number % 86_400_000),
            ])
          }
          return .commit
        }
        written = end
        progress("signatures", written)
      }
      try db.execute(sql: """
        UPDATE petition_counters SET signature_count = (SELECT COUNT(*) FROM signatures s WHERE s.petition_id = petition_counters.petition_id),
          version = (SELECT COUNT(*) FROM signatures s WHERE s.petition_id = petition_counters.petition_id)
        WHERE petition_id LIKE 'seeded%'
        """)
    }
    print(String(format: "seed: %d signatures on %d petitions by %d supporters in %.0f s", signatures, petitions, supporters,
      (ContinuousClock.now - started).seconds))
  }
}
