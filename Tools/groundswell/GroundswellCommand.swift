import ArgumentParser

@main
struct GroundswellCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groundswell",
    abstract: "Talk to a Groundswell gateway from a terminal: petitions, signatures, campaigns, supporters, events, webhooks, keys, exports.",
    discussion: """
      Every command needs the gateway's address, an API key and the CA file that issued the gateway's \
      certificate (flags or GROUNDSWELL_GATEWAY, GROUNDSWELL_API_KEY, GROUNDSWELL_CA_FILE). After \
      `deploy/local/run.sh`, `source .groundswell/demo.env` sets all three.

      --output json (or GROUNDSWELL_OUTPUT=json) prints the API's responses in its JSON mapping, one object \
      per line.

      Exit status: 0 done, 3 invalid argument, 4 not found, 5 already exists, 6 failed precondition, \
      7 permission denied, 8 unauthenticated, 9 over quota, 10 unavailable (retry), 64 bad flags, \
      1 anything else (docs/cli.md).

      Shell completion: groundswell --generate-completion-script bash|zsh|fish.
      """,
    subcommands: [
      Sign.self, Petitions.self, Signatures.self, Campaigns.self, Organizations.self, Supporters.self, Events.self, Webhooks.self,
      Totals.self, Dashboard.self, Keys.self, ExportDelivery.self, ExportLedger.self, VerifyLedger.self, Demo.self,
    ]
  )
}
