import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime

/// `groundswell supporters …`: answering a person's request — find them by
/// email, export what is held, erase it.
struct Supporters: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Find a person by email, export what an organization holds about them, or erase it (docs/privacy.md).",
    subcommands: [Find.self, Export.self, Erase.self]
  )

  struct Find: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prints the supporter name an organization knows an email address by.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization, organizations/{id} (your key's).")
    var organization: String

    @Argument(help: "The email address, as the person wrote it.")
    var email: String

    func run() async throws {
      let supporter = try await gateway.withClient { client in
        try await Groundswell_Supporter_V1_SupporterService.Client(wrapping: client).findSupporter(
          .with {
            $0.parent = organization
            $0.email = email
          }, metadata: bearer(gateway.key), options: gateway.callOptions
        ).supporter
      }
      print(Table.render(
        header: ["SUPPORTER", "GIVEN NAME", "FAMILY NAME", "REGION", "CONSENT"],
        rows: [[supporter.name, supporter.givenName, supporter.familyName, supporter.region,
                supporter.consents.first.map { $0.state == .optedIn ? "opted in" : "opted out" } ?? "—"]]))
    }
  }

  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Writes everything held about a supporter as JSON Lines to standard output.",
      discussion: "The last line is {\"record\":\"end\",…}: a file without it is incomplete.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization, organizations/{id}; operators may leave it out for every organization.")
    var organization: String = ""

    @Argument(help: "The supporter, supporters/{id}.")
    var supporter: String

    func run() async throws {
      var exportOptions = gateway.callOptions
      exportOptions.timeout = .seconds(120)
      let options = exportOptions
      try await gateway.withClient { client in
        try await Groundswell_Supporter_V1_SupporterService.Client(wrapping: client).exportSupporter(
          .with {
            $0.name = supporter
            $0.organization = organization
          }, metadata: bearer(gateway.key), options: options
        ) { response in
          for try await message in response.messages { print(message.json) }
        }
      }
    }
  }

  struct Erase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Erases what an organization holds about a supporter; their signatures stay counted, anonymous.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization, organizations/{id}; operators may leave it out to erase the person everywhere.")
    var organization: String = ""

    @Argument(help: "The supporter, supporters/{id}.")
    var supporter: String

    func run() async throws {
      let erasure = try await gateway.withClient { client in
        try await Groundswell_Supporter_V1_SupporterService.Client(wrapping: client).eraseSupporter(
          .with {
            $0.name = supporter
            $0.organization = organization
          }, metadata: bearer(gateway.key), options: gateway.callOptions
        ).erasure
      }
      switch erasure.state {
      case .complete:
        let count = erasure.signaturesAnonymized
        print("erased: \(count) signature\(count == 1 ? "" : "s") made anonymous")
      default: print("pending: recorded, and finished as soon as petition-service answers (ask again to see it complete)")
      }
    }
  }
}
