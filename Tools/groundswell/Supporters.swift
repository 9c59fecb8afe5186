import ArgumentParser
import Foundation
import GroundswellAPI
import GroundswellRuntime

/// `groundswell supporters …`: answering a person's request — find them by
/// email, export what is held, erase it.
struct Supporters: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Find, list and read supporters; record consent; attach your own ids; export or erase what is held (docs/privacy.md).",
    subcommands: [Find.self, Get.self, List.self, Consent.self, Identifiers.self, Export.self, Erase.self]
  )

  typealias Supporter = Groundswell_Supporter_V1_Supporter

  static let header = ["SUPPORTER", "GIVEN NAME", "FAMILY NAME", "REGION", "CONSENT", "IDENTIFIERS"]

  static func row(_ supporter: Supporter) -> [String] {
    [supporter.name, supporter.givenName, supporter.familyName, supporter.region.isEmpty ? supporter.country : supporter.region,
     supporter.consents.first.map { $0.state == .optedIn ? "opted in" : "opted out" } ?? "-",
     supporter.identifiers.isEmpty ? "-" : supporter.identifiers.joined(separator: ",")]
  }

  static func table(_ supporter: Supporter) -> String {
    Table.render(header: header, rows: [row(supporter)])
  }

  struct Find: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Finds the organization's record of a person by email address or by one of its own ids.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization, organizations/{id} (your key's).")
    var organization: String

    @Argument(help: "The email address, as the person wrote it (or use --identifier).")
    var email: String?

    @Option(name: .long, help: "Your own id for the person, system:id.")
    var identifier: String?

    func validate() throws {
      if (email == nil) == (identifier == nil) { throw ValidationError("give an email address or --identifier, not both") }
    }

    func run() async throws {
      let response = try await gateway.using(SupporterClient.init) {
        try await $0.findSupporter(
          .with {
            $0.parent = organization
            $0.email = email ?? ""
            $0.identifier = identifier ?? ""
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Supporters.table($0.supporter) }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows a supporter as your organization knows them.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The supporter, supporters/{id}.")
    var supporter: String

    func run() async throws {
      let response = try await gateway.using(SupporterClient.init) {
        try await $0.getSupporter(.with { $0.name = supporter }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Supporters.table($0.supporter) }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists the organization's supporters, in the order it came to know them.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization, organizations/{id} (your key's).")
    var organization: String

    @Flag(name: .long, help: "Only those who opted in.")
    var optedIn = false

    @Option(name: .long, help: "The most supporters to show (1 to 1000000).")
    var limit: Int = 100

    func validate() throws {
      if !(1...1_000_000).contains(limit) { throw ValidationError("--limit must be 1 to 1000000") }
    }

    func run() async throws {
      let supporters = try await gateway.using(SupporterClient.init) { service in
        try await collectPages(limit: limit) { size, token in
          let page = try await service.listSupporters(
            .with {
              $0.parent = organization
              $0.optedInOnly = optedIn
              $0.pageSize = size
              $0.pageToken = token
            }, metadata: gateway.metadata, options: gateway.callOptions)
          return (page.supporters, page.nextPageToken)
        }
      }
      gateway.show(supporters, header: Supporters.header, row: Supporters.row)
    }
  }

  struct Consent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Records that a supporter opted in to or out of hearing from you.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The supporter, supporters/{id}.")
    var supporter: String

    @Option(name: .long, help: "The organization, organizations/{id} (your key's).")
    var organization: String

    @Flag(help: "Opted in or out.")
    var choice: Choice

    @Option(name: .long, help: "Where they said so (a page, an email link).")
    var source: String = ""

    enum Choice: String, EnumerableFlag {
      case optIn, optOut
    }

    func run() async throws {
      let response = try await gateway.using(SupporterClient.init) {
        try await $0.recordConsent(
          .with {
            $0.supporter = supporter
            $0.organization = organization
            $0.optedIn = choice == .optIn
            $0.source = source
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { "\(supporter): \($0.consent.state == .optedIn ? "opted in" : "opted out")" }
    }
  }

  struct Identifiers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Attach or detach your own ids for a supporter (system:id, e.g. acme_crm:12345).",
      subcommands: [Attach.self, Detach.self])

    struct Change: ParsableArguments {
      @Argument(help: "The supporter, supporters/{id}.")
      var supporter: String

      @Option(name: .long, help: "The organization, organizations/{id} (your key's).")
      var organization: String

      @Argument(help: "The identifiers, system:id.")
      var identifiers: [String]

      /// Attaches or detaches, and prints the supporter as it now stands.
      func run(attach: Bool, gateway: GatewayOptions) async throws {
        let (supporter, organization, identifiers) = (supporter, organization, identifiers)
        let response = try await gateway.using(SupporterClient.init) { service in
          attach
            ? try await service.attachIdentifiers(
              .with {
                $0.supporter = supporter
                $0.organization = organization
                $0.identifiers = identifiers
              }, metadata: gateway.metadata, options: gateway.callOptions
            ).supporter
            : try await service.detachIdentifiers(
              .with {
                $0.supporter = supporter
                $0.organization = organization
                $0.identifiers = identifiers
              }, metadata: gateway.metadata, options: gateway.callOptions
            ).supporter
        }
        // Both answers are `{"supporter": …}`.
        gateway.show(Groundswell_Supporter_V1_AttachIdentifiersResponse.with { $0.supporter = response }) {
          Supporters.table($0.supporter)
        }
      }
    }

    struct Attach: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Attaches ids; one already another supporter's exits 5 (ALREADY_EXISTS).")

      @OptionGroup var gateway: GatewayOptions
      @OptionGroup var change: Change

      func run() async throws { try await change.run(attach: true, gateway: gateway) }
    }

    struct Detach: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Detaches ids (ids not attached are ignored).")

      @OptionGroup var gateway: GatewayOptions
      @OptionGroup var change: Change

      func run() async throws { try await change.run(attach: false, gateway: gateway) }
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
      if gateway.format == .json { return print(GatewayOptions.json(erasure)) }
      switch erasure.state {
      case .complete:
        let count = erasure.signaturesAnonymized
        print("erased: \(count) signature\(count == 1 ? "" : "s") made anonymous")
      default: print("pending: recorded, and finished as soon as petition-service answers (ask again to see it complete)")
      }
    }
  }
}
