import ArgumentParser

@main
struct GroundswellCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groundswell",
    abstract: "Talk to a Groundswell gateway from a terminal: sign petitions, list them, show campaign totals, watch them live.",
    discussion: """
      Every command needs the gateway's address, an API key and the CA file that issued the gateway's
      certificate. After `deploy/local/run.sh`, `source .groundswell/demo.env` sets all three.
      """,
    subcommands: [Sign.self, Petitions.self, Totals.self, Dashboard.self, Keys.self, Supporters.self, ExportDelivery.self, ExportLedger.self, VerifyLedger.self, Demo.self]
  )
}
