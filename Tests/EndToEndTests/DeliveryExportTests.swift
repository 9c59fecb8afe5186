import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime
import Testing

/// `PetitionService/ExportDelivery` through the gateway, and `groundswell
/// export`: CSV grouped by jurisdiction (US states, then countries), only
/// what each signer allowed to be shown, with the count and the ledger head.
@Suite struct DeliveryExportTests {
  /// The rows of a CSV text (RFC 4180, quoted fields with "" inside).
  static func rows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
      if quoted {
        if character == "\"" {
          if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
        } else {
          field.append(character)
        }
      } else if character == "\"" {
        quoted = true
      } else if character == "," {
        row.append(field)
        field = ""
      } else if character == "\r\n" || character == "\n" {
        row.append(field)
        rows.append(row)
        row = []
        field = ""
      } else {
        field.append(character)
      }
    }
    return rows
  }

  @Test func aDeliveryIsGroupedByJurisdictionAndShowsOnlyWhatSignersAllowed() async throws {
    let stack = try await sharedStack.value
    let (organization, key) = try await stack.makeOrganization()
    let (_, otherKey) = try await stack.makeOrganization()
    let petition = try await stack.makeOpenPetition(organization: organization, key: key)
    try await stack.withGateway { api in
      let signers: [(String, String, String, Bool, String)] = [
        ("ny.shown@example.org", "US", "10001", true, "Bring them home"),
        ("ca.hidden@example.org", "US", "90210", false, "=HYPERLINK(\"http://x\"), said \"no\""),
        ("gb@example.org", "GB", "SW1A 1AA", true, "line one\nline two"),
        ("ny.hidden@example.org", "US", "10002", false, ""),
      ]
      for (email, country, postal, show, comment) in signers {
        _ = try await api.petitions.signPetition(
          signRequest(petition, email: email, given: "Ada", family: "Lovelace", country: country, postal: postal) {
            $0.showName = show
            $0.comment = comment
          }, metadata: bearer(key))
      }
      let (summary, csv) = try await api.petitions.exportDelivery(.with { $0.petition = petition }, metadata: bearer(key)) { response in
        var summary = Groundswell_Petition_V1_ExportDeliverySummary()
        var csv = Data()
        for try await message in response.messages {
          if message.hasSummary { summary = message.summary }
          csv += message.csv
        }
        return (summary, String(decoding: csv, as: UTF8.self))
      }
      #expect(summary.signatureCount == 4)
      let ledger = try await api.petitions.getPetitionLedger(.with { $0.petition = petition }, metadata: bearer(key))
      #expect(summary.ledgerHead == ledger.head.map { String(format: "%02x", $0) }.joined())
      #expect(summary.ledgerEntryCount == ledger.entryCount)

      let rows = Self.rows(csv)
      try #require(rows.count == 5, "\(rows)")
      #expect(rows[0] == ["jurisdiction", "signed_at", "name", "comment", "country", "subdivision", "offline"])
      // GB, then the US states in order; within a group, signing order.
      #expect(rows[1...].map(\.[0]) == ["GB", "US-CA", "US-NY", "US-NY"])
      #expect(rows[1][2] == "Ada L." && rows[1][3] == "line one\nline two")
      #expect(rows[2][2] == "", "a name the signer did not show stays out")
      #expect(rows[2][3] == "'=HYPERLINK(\"http://x\"), said \"no\"", "a formula is made inert")
      #expect(rows[3][2] == "Ada L." && rows[3][3] == "Bring them home")
      #expect(rows[4][2] == "")
      #expect(!csv.contains("@") && !csv.contains("10001") && !csv.contains("Lovelace"), "no email, postal code or family name")

      let refused = await #expect(throws: RPCError.self) {
        _ = try await api.petitions.exportDelivery(.with { $0.petition = petition }, metadata: bearer(otherKey)) { response in
          for try await _ in response.messages {}
        }
      }
      #expect(refused?.code == .permissionDenied)
    }

    // The same from the command line, into a file.
    let bin = repositoryRoot.appendingPathComponent(".build/debug/groundswell").path
    try #require(FileManager.default.isExecutableFile(atPath: bin), "build the executables first (scripts/test.sh does)")
    let file = NSTemporaryDirectory() + "delivery-\(UUID().uuidString).csv"
    let exported = try await runProgram(
      bin, ["export", petition, "--out", file],
      environment: [
        "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile,
        "GROUNDSWELL_API_KEY": key,
      ])
    #expect(exported.status == 0, "\(exported.output)")
    #expect(keyValues(exported.output)["signature_count"] == "4")
    let written = try String(contentsOfFile: file, encoding: .utf8)
    #expect(Self.rows(written).count == 5)
    // Refused: an exit status, the reason, and no file at all.
    let refusedFile = NSTemporaryDirectory() + "delivery-\(UUID().uuidString).csv"
    let refused = try await runProgram(
      bin, ["export", petition, "--out", refusedFile],
      environment: [
        "GROUNDSWELL_GATEWAY": "127.0.0.1:\(stack.gateway.port)", "GROUNDSWELL_CA_FILE": stack.pki.caFile,
        "GROUNDSWELL_API_KEY": otherKey,
      ])
    #expect(refused.status != 0)
    #expect(refused.output.contains("PERMISSION_DENIED") || refused.output.contains("only a key of"), "\(refused.output)")
    #expect(!FileManager.default.fileExists(atPath: refusedFile) && !FileManager.default.fileExists(atPath: refusedFile + ".partial"))
  }
}
