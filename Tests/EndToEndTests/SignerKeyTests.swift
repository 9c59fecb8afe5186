import Foundation
import GRDB
@testable import PetitionService
import Testing

/// Migration 13 gives each signer a local key: a petition-service database
/// from before it keeps every signature (and its rowid, which pages are
/// keyed by), each signer gets a key in the order they first signed, an
/// anonymous signature none; lookups by supporter then go through the key,
/// and an erasure (or the pruning of the last event naming them) deletes it.
@Suite struct SignerKeyTests {
  static func rows(_ pool: DatabasePool, _ sql: String) async throws -> [[String]] {
    try await pool.read { db in
      try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { $0.isNull ? "NULL" : "\($0.storage.value!)" } }
    }
  }

  @Test func aDatabaseFromBeforeKeepsEverySignatureAndGivesKeysInSigningOrder() async throws {
    let directory = NSTemporaryDirectory() + "groundswell-signer-keys-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    do {
      let queue = try DatabaseQueue(path: directory + "/petition.sqlite")
      var migrator = DatabaseMigrator()
      SQLitePetitionRepository.registerMigrations(&migrator)
      try migrator.migrate(queue, upTo: "12 event sources")
      try await queue.write { db in
        try db.execute(sql: """
          INSERT INTO petitions (id, organization, title, summary, body, state, create_time, update_time)
            VALUES ('p1', 'organizations/a', 'One', '', '', 2, 1, 1), ('p2', 'organizations/a', 'Two', '', '', 2, 1, 1);
          INSERT INTO petition_counters (petition_id, signature_count, update_time, version) VALUES ('p1', 2, 1, 2), ('p2', 1, 1, 1);
          INSERT INTO signatures (id, petition_id, supporter, create_time) VALUES ('gone', 'p1', 'supporters/x', 1);
          INSERT INTO signatures (id, petition_id, supporter, create_time, comment) VALUES
            ('s1', 'p1', 'supporters/b', 2, 'first'), ('s2', 'p1', 'supporters/a', 3, ''), ('s3', 'p2', 'supporters/a', 4, ''),
            ('s4', 'p2', 'anonymous/t', 5, '');
          DELETE FROM signatures WHERE id = 'gone';
          INSERT INTO events (organization, sequence, create_time, supporter, body) VALUES
            ('organizations/a', 1, 2, 'supporters/b', x''), ('organizations/a', 2, 3, 'supporters/c', x''),
            ('organizations/a', 3, 4, '', x'');
          INSERT INTO event_heads (organization, last_sequence) VALUES ('organizations/a', 3);
          """)
      }
    }
    let repository = try SQLitePetitionRepository(directory: directory)
    let pool = repository.database
    // Every signature, with its rowid and what it held; keys in first-signed order.
    #expect(
      try await Self.rows(pool, "SELECT rowid, id, supporter, signer, comment FROM signatures ORDER BY rowid") == [
        ["2", "s1", "supporters/b", "1", "first"], ["3", "s2", "supporters/a", "2", ""], ["4", "s3", "supporters/a", "2", ""],
        ["5", "s4", "anonymous/t", "NULL", ""],
      ])
    // A signer known only from an event (a withdrawn signature) has a key too.
    #expect(
      try await Self.rows(pool, "SELECT key, supporter FROM signers ORDER BY key")
        == [["1", "supporters/b"], ["2", "supporters/a"], ["3", "supporters/c"]])
    #expect(try await Self.rows(pool, "SELECT sequence, signer FROM events ORDER BY sequence") == [["1", "1"], ["2", "3"], ["3", "NULL"]])
    #expect(try await Self.rows(pool, "PRAGMA foreign_key_check") == [])
    #expect(try await Self.rows(pool, "PRAGMA integrity_check") == [["ok"]])
    // One signature per signer and petition still holds, through the key.
    await #expect(throws: DatabaseError.self) {
      try await pool.write { db in
        try db.execute(sql: "INSERT INTO signatures (id, petition_id, supporter, signer, create_time) VALUES ('s5', 'p1', 'supporters/a', 2, 6)")
      }
    }

    // Lookups by supporter find theirs, newest first, and nobody else's.
    let page = try await repository.signatures(supporter: "supporters/a", organization: nil, before: 0, limit: 10)
    #expect(page.signatures.map(\.id) == ["s3", "s2"])
    #expect(try await repository.signatures(supporter: "supporters/nobody", organization: nil, before: 0, limit: 10).signatures.isEmpty)
    let withdrawn = try await repository.withdraw(petitionID: "p1", supporter: "supporters/b", now: Date(millisecondsSince1970: 10))
    #expect(withdrawn?.signature.id == "s1")

    // Erasure: the signatures keep counting under a token, with no key;
    // the person's key is deleted, their events hold no signer.
    let erased = try await repository.anonymize(supporter: "supporters/a", organization: nil, now: Date(millisecondsSince1970: 11))
    #expect(erased.map(\.anonymizedCount) == [1, 1])
    #expect(try await Self.rows(pool, "SELECT count(*) FROM signatures WHERE supporter = 'supporters/a' OR signer = 2") == [["0"]])
    #expect(try await Self.rows(pool, "SELECT supporter FROM signers ORDER BY key") == [["supporters/b"], ["supporters/c"]])
    // Once the events that named them are pruned, the signers whose
    // signatures were withdrawn (or who only had events) are forgotten too.
    #expect(try await repository.pruneEvents(before: Date(millisecondsSince1970: 1_000_000)) > 0)
    #expect(try await Self.rows(pool, "SELECT count(*) FROM signers") == [["0"]])
    try await repository.checkpoint()
  }
}
