import Foundation
import GRDB
import GroundswellModel
import GroundswellRuntime

extension SQLitePetitionRepository {
  public func importSignatures(_ signatures: [SignatureRecord], marks: [SignerMarks], now: Date) async throws -> ImportOutcome {
    precondition(signatures.count == marks.count)
    guard let petitionID = signatures.first?.petitionID else {
      return ImportOutcome(items: [], signatureCount: 0, offlineCount: 0, change: nil)
    }
    let time = now.millisecondsSince1970
    let outcome = try await pool.tracedWrite { db in
      let owner = try Self.requireOpen(db, petitionID: petitionID, now: now)
      // Most deployments block nobody: then no signature needs the lookup.
      let anyBlocked = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM blocked_signers)")) ?? false
      var tally = SignatureTally(petitionID: petitionID)
      var ledger = try LedgerAppender(db, petitionID: petitionID)
      var events = EventBatch()
      var items: [ImportedOutcome] = []
      items.reserveCapacity(signatures.count)
      var counted: [SignatureRecord] = []
      var held = 0
      let insert = try db.cachedStatement(
        sql: """
          INSERT OR IGNORE INTO signatures (id, petition_id, supporter, signer, create_time, comment, show_name, source, country,
            subdivision, public_name, collected_by, pending, suspect, offline, signer_salt, domain_hash)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 1, ?, ?)
          """)
      for (signature, mark) in zip(signatures, marks) {
        var record = signature
        record.offline = true
        record.pending = false
        record.suspect = try anyBlocked && Self.isBlocked(db, marks: mark)
        let salt = record.suspect ? nil : LedgerChain.newSalt()
        let signer = try SignerKeys.key(db, supporter: record.supporter)
        try insert.execute(arguments: [
          record.id, petitionID, record.supporter, signer, record.createTime.millisecondsSince1970, record.comment, record.showName,
          record.source, record.country, record.subdivision, record.publicName, record.collectedBy, record.suspect, salt,
          mark.domainHash,
        ])
        guard db.changesCount == 1 else {
          items.append(.alreadySigned(try Self.stored(db, petitionID: petitionID, signer: signer)!))
          continue
        }
        record.sequence = db.lastInsertedRowID
        try EventOutbox.signature(
          db, .signatureCreated, record, counted: salt != nil, owner: owner, time: time, signerKey: signer, into: &events)
        guard let salt else {
          held += 1
          items.append(.held(record))
          continue
        }
        tally.add(record, by: 1)
        try ledger.append(
          db, kind: .signature, signatureID: record.id, time: record.createTime.millisecondsSince1970,
          signerHash: LedgerChain.signerHash(salt: salt, supporter: record.supporter))
        counted.append(record)
        items.append(.signed(record))
      }
      // Before the tally, which may append milestone events of its own.
      try events.finish(db)
      try tally.apply(db, now: time)
      if held > 0 {
        try db.execute(
          sql: "UPDATE petition_counters SET suspect_count = suspect_count + ? WHERE petition_id = ?", arguments: [held, petitionID])
      }
      let counts = try Row.fetchOne(
        db, sql: "SELECT signature_count, offline_count FROM petition_counters WHERE petition_id = ?", arguments: [petitionID])!
      // The feeds carry minutes of the last day only.
      let recent = counted.filter { $0.createTime > now.addingTimeInterval(-86_400) }
      let change = counted.isEmpty
        ? nil : try Self.change(db, petitionID: petitionID, touched: recent, signed: Set(counted.map(\.supporter)))
      return ImportOutcome(
        items: items, signatureCount: counts["signature_count"], offlineCount: counts["offline_count"], change: change)
    }
    ProcessMetrics.recordCommitSize(signatures.count)
    return outcome
  }
}
