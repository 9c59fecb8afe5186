import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Testing

/// The tamper-evident signature ledger: a hash chain per petition that
/// counts what the petition counts, keeps no personal data, survives an
/// erasure unchanged, and that `groundswell verify-ledger` checks offline.
@Suite struct LedgerTests {
  @Test func theLedgerCountsWithThePetitionAndVerifiesOffline() async throws {
    let stack = try await sharedStack.value
    let (owner, key) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: owner, key: key)
    let tag = UUID().uuidString.prefix(8).lowercased()
    let (head, entries) = try await stack.withGateway { api in
      var supporters: [String] = []
      for person in ["first", "second", "third"] {
        supporters.append(
          try await api.petitions.signPetition(signRequest(petition, email: "ledger-\(person)-\(tag)@example.org"), metadata: bearer(key))
            .signature.supporter)
      }
      // A repeat adds nothing; a withdrawal appends a tombstone.
      _ = try await api.petitions.signPetition(signRequest(petition, email: "ledger-first-\(tag)@example.org"), metadata: bearer(key))
      _ = try await api.petitions.withdrawSignature(
        .with {
          $0.petition = petition
          $0.supporter = supporters[1]
        }, metadata: bearer(key))
      let before = try await api.petitions.getPetitionLedger(.with { $0.petition = petition }, metadata: bearer(key))
      // An erasure removes the person and leaves the chain as it was.
      _ = try await erase(api, supporters[2], in: owner, key: key)
      let head = try await api.petitions.getPetitionLedger(.with { $0.petition = petition }, metadata: bearer(key))
      #expect(head == before, "erasure rewrites nothing")
      let count = try await api.petitions.getPetition(.with { $0.name = petition }, metadata: bearer(key)).petition.signatureCount
      #expect(head.entryCount == 4)
      #expect(head.countedSignatures == count)
      #expect(count == 2)
      let entries = try await api.petitions.listPetitionLedgerEntries(.with { $0.petition = petition }, metadata: bearer(key)).entries
      return (head, entries)
    }
    #expect(entries.map(\.kind) == [.signature, .signature, .signature, .tombstone])
    #expect(entries.map(\.position) == [1, 2, 3, 4])
    // The chain recomputed here, from the documented definition.
    var current = LedgerChain.emptyHead
    for entry in entries {
      let commitment = entry.kind == .signature
        ? LedgerChain.signatureCommitment(signature: entry.signature, timeMillis: entry.timeUnixMillis, signerHash: entry.signerHash)
        : LedgerChain.tombstoneCommitment(signature: entry.signature, timeMillis: entry.timeUnixMillis)
      #expect(entry.commitment == commitment)
      current = LedgerChain.next(head: current, commitment: commitment)
      #expect(entry.head == current)
    }
    #expect(current == head.head)
    #expect(entries[3].signature == entries[1].signature, "the tombstone names the withdrawn signature")

    // Exported and verified with the command line, as a target's office would.
    let bin = repositoryRoot.appendingPathComponent(".build/debug/groundswell").path
    try #require(FileManager.default.isExecutableFile(atPath: bin), "build the executables first (scripts/test.sh does)")
    let environment = [
      "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile, "GROUNDSWELL_API_KEY": key,
    ]
    let exported = try await runProgram(bin, ["export-ledger", petition], environment: environment)
    #expect(exported.status == 0, "\(exported.output)")
    #expect(!exported.output.contains("@"), "no email in the export")
    let file = NSTemporaryDirectory() + "ledger-\(tag).jsonl"
    try Data(exported.output.utf8).write(to: URL(fileURLWithPath: file))
    let hex = head.head.map { String(format: "%02x", $0) }.joined()
    let verified = try await runProgram(bin, ["verify-ledger", file, "--head", hex], environment: [:])
    #expect(verified.status == 0, "\(verified.output)")
    #expect(verified.output.contains("verified: 4 entries, 2 signatures counted"))

    // Any change is caught: a time moved, an entry dropped, another head.
    var lines = exported.output.split(separator: "\n").map(String.init)
    let original = lines[0]
    lines[0] = original.replacingOccurrences(of: "\"time_unix_millis\":", with: "\"time_unix_millis\":1")
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
    let moved = try await runProgram(bin, ["verify-ledger", file, "--head", hex], environment: [:])
    #expect(moved.status != 0)
    #expect(moved.output.contains("entry 1"), "\(moved.output)")
    lines[0] = original
    lines.remove(at: 1)
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
    #expect(try await runProgram(bin, ["verify-ledger", file, "--head", hex], environment: [:]).status != 0)
    try Data(exported.output.utf8).write(to: URL(fileURLWithPath: file))
    let other = try await runProgram(bin, ["verify-ledger", file, "--head", String(repeating: "ab", count: 32)], environment: [:])
    #expect(other.status != 0)
    #expect(other.output.contains("not the delivered head"))
  }

  @Test func anotherOrganizationsDraftHasNoLedgerToRead() async throws {
    let stack = try await sharedStack.value
    let (owner, key) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    try await stack.withGateway { api in
      let draft = try await api.petitions.createPetition(
        .with {
          $0.parent = owner
          $0.petition = .with { $0.title = "Not yet" }
        }, metadata: bearer(key)
      ).petition.name
      let hidden = await rpcError { _ = try await api.petitions.getPetitionLedger(.with { $0.petition = draft }, metadata: bearer(otherKey)) }
      #expect(hidden?.code == .notFound)
      let empty = try await api.petitions.getPetitionLedger(.with { $0.petition = draft }, metadata: bearer(key))
      #expect(empty.head == LedgerChain.emptyHead)
      #expect(empty.entryCount == 0)
    }
  }
}
