import ArgumentParser
import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellRuntime

struct Demo: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Demo data for a local stack (used by deploy/local/run.sh).", subcommands: [Seed.self])

  struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create the demo organizations, petitions, campaigns and signatures; does nothing if they exist.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "A partner key for the demo organization it names, as organizations/{id}=KEY; give one per demo organization.")
    var partnerKey: [String] = []

    func run() async throws {
      var keys: [String: String] = [:]
      for pair in partnerKey {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("--partner-key must be organizations/{id}=KEY") }
        keys[parts[0]] = parts[1]
      }
      for organization in DemoData.organizations where keys[organization.name] == nil {
        throw ValidationError("--partner-key is missing for \(organization.name)")
      }
      let options = gateway.callOptions
      let operatorKey = gateway.key
      let partnerKeys = keys
      let created = try await gateway.withClient { client in
        try await DemoData.seed(client: client, operatorKey: operatorKey, partnerKeys: partnerKeys, options: options)
      }
      print(created ? "demo data created" : "demo data present; nothing to do")
    }
  }
}
