import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime

struct ExportDelivery: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Export a petition's counted signatures for delivery to its targets, as CSV grouped by jurisdiction.",
    discussion: """
      Writes the CSV to --out (or standard output) and prints the count and the ledger head it stands for; \
      `groundswell export-ledger` and `verify-ledger` prove the list against that head. Only the petition's \
      own organization may export it.
      """)

  @OptionGroup var gateway: GatewayOptions

  @Argument(help: "The petition, petitions/{id}.")
  var petition: String

  @Option(name: .long, help: "The CSV file to write; standard output without it.")
  var out: String?

  func run() async throws {
    var callOptions = gateway.callOptions
    callOptions.timeout = .seconds(120)
    let options = callOptions
    let output: FileHandle
    if let out {
      guard FileManager.default.createFile(atPath: out + ".partial", contents: nil), let handle = FileHandle(forWritingAtPath: out + ".partial")
      else { throw ValidationError("cannot write \(out).partial") }
      output = handle
    } else {
      output = FileHandle.standardOutput
    }
    let summary: Groundswell_Petition_V1_ExportDeliverySummary
    do {
      summary = try await gateway.withClient { client in
        try await Groundswell_Petition_V1_PetitionService.Client(wrapping: client).exportDelivery(
          .with { $0.petition = petition }, metadata: bearer(gateway.key), options: options
        ) { response in
          var summary = Groundswell_Petition_V1_ExportDeliverySummary()
          for try await message in response.messages {
            if message.hasSummary { summary = message.summary }
            if !message.csv.isEmpty { try output.write(contentsOf: message.csv) }
          }
          return summary
        }
      }
    } catch {
      // Nothing half-written is left behind.
      if let out { try? FileManager.default.removeItem(atPath: out + ".partial") }
      throw error
    }
    if let out {
      try output.close()
      // Whole or not at all: the file appears only once the export ended.
      if FileManager.default.fileExists(atPath: out) { try FileManager.default.removeItem(atPath: out) }
      try FileManager.default.moveItem(atPath: out + ".partial", toPath: out)
    }
    FileHandle.standardError.write(Data("""
      petition=\(summary.petition)
      signature_count=\(summary.signatureCount)
      ledger_entry_count=\(summary.ledgerEntryCount)
      ledger_head=\(summary.ledgerHead)

      """.utf8))
  }
}
