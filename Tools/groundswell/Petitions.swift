import ArgumentParser
import GroundswellAPI
import GroundswellRuntime

struct Petitions: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create, publish, close, declare won, withdraw and read petitions; post updates.",
    subcommands: [List.self, Get.self, Create.self, Publish.self, Close.self, DeclareVictory.self, Withdraw.self, PostUpdate.self])

  typealias Petition = Groundswell_Petition_V1_Petition

  static let header = ["PETITION", "STATE", "SIGNATURES", "GOAL", "TITLE"]

  static func row(_ petition: Petition) -> [String] {
    [petition.name, "\(petition.state)".uppercased(), petition.signatureCount.formatted(), petition.goal.formatted(),
     String(petition.title.prefix(60))]
  }

  /// One petition as a table.
  static func table(_ petition: Petition) -> String {
    Table.render(header: header, rows: [row(petition)], rightAligned: [2, 3])
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists petitions, newest first.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "Only petitions of this organization, organizations/{id}.")
    var organization: String = ""

    @Option(name: .long, help: "The most petitions to show (1 to 10000).")
    var limit: Int = 100

    func validate() throws {
      if !(1...10_000).contains(limit) { throw ValidationError("--limit must be 1 to 10000") }
    }

    func run() async throws {
      let petitions = try await gateway.using(PetitionClient.init) { service in
        try await collectPages(limit: limit) { size, token in
          let page = try await service.listPetitions(
            .with {
              $0.parent = organization
              $0.pageSize = size
              $0.pageToken = token
            }, metadata: gateway.metadata, options: gateway.callOptions)
          return (page.petitions, page.nextPageToken)
        }
      }
      gateway.show(petitions, header: Petitions.header, rightAligned: [2, 3], row: Petitions.row)
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows one petition.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The petition, petitions/{id}.")
    var petition: String

    func run() async throws {
      let response = try await gateway.using(PetitionClient.init) {
        try await $0.getPetition(.with { $0.name = petition }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Petitions.table($0.petition) }
    }
  }

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates a DRAFT petition; publish it to open it for signing.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization, organizations/{id} (your key's).")
    var organization: String

    @Option(name: .long, help: "The title, 1 to 200 characters.")
    var title: String

    @Option(name: .long, help: "A short summary, at most 500 characters.")
    var summary: String = ""

    @Option(name: .long, help: "The text of the petition, at most 20000 characters.")
    var body: String = ""

    @Option(
      name: .long,
      help: "A decision maker as `name|office|jurisdiction`, e.g. `Pat Example|Governor|US-CT`; repeat for more.")
    var target: [String] = []

    func validate() throws {
      for value in target where value.split(separator: "|", omittingEmptySubsequences: false).count != 3 {
        throw ValidationError("--target must be `name|office|jurisdiction`; got `\(value.prefix(40))`")
      }
    }

    func run() async throws {
      let targets = target.map { value -> Groundswell_Petition_V1_Target in
        let parts = value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        return .with {
          $0.displayName = parts[0]
          $0.office = parts[1]
          $0.jurisdiction = parts[2]
        }
      }
      let response = try await gateway.using(PetitionClient.init) {
        try await $0.createPetition(
          .with {
            $0.parent = organization
            $0.petition = .with {
              $0.title = title
              $0.summary = summary
              $0.body = body
              $0.targets = targets
            }
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Petitions.table($0.petition) }
    }
  }

  /// A lifecycle move on one petition.
  struct Move: ParsableArguments {
    @Argument(help: "The petition, petitions/{id}.")
    var petition: String

    enum Kind { case publish, close, declareVictory, withdraw }

    /// Makes the move and prints the petition as it now stands.
    func run(_ kind: Kind, note: String = "", gateway: GatewayOptions) async throws {
      let petition = petition
      let options = gateway.callOptions
      let moved = try await gateway.using(PetitionClient.init) { service in
        switch kind {
        case .publish:
          try await service.publishPetition(.with { $0.name = petition }, metadata: gateway.metadata, options: options).petition
        case .close:
          try await service.closePetition(.with { $0.name = petition }, metadata: gateway.metadata, options: options).petition
        case .withdraw:
          try await service.withdrawPetition(.with { $0.name = petition }, metadata: gateway.metadata, options: options).petition
        case .declareVictory:
          try await service.declareVictory(
            .with {
              $0.name = petition
              $0.note = note
            }, metadata: gateway.metadata, options: options
          ).petition
        }
      }
      // Every answer is `{"petition": …}`.
      gateway.show(Groundswell_Petition_V1_GetPetitionResponse.with { $0.petition = moved }) { Petitions.table($0.petition) }
    }
  }

  struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Publishes a DRAFT petition: it opens for signing.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var move: Move

    func run() async throws { try await move.run(.publish, gateway: gateway) }
  }

  struct Close: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Closes an OPEN petition: it stops taking signatures.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var move: Move

    func run() async throws { try await move.run(.close, gateway: gateway) }
  }

  struct DeclareVictory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Declares an OPEN or CLOSED petition won, with a note on the outcome.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var move: Move

    @Option(name: .long, help: "What was won, shown with the petition.")
    var note: String = ""

    func run() async throws { try await move.run(.declareVictory, note: note, gateway: gateway) }
  }

  struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraws a petition: it stops taking signatures and is marked withdrawn.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var move: Move

    func run() async throws { try await move.run(.withdraw, gateway: gateway) }
  }

  struct PostUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Posts an update on a petition (its supporters see it).")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The petition, petitions/{id}.")
    var petition: String

    @Option(name: .long, help: "The update's title.")
    var title: String

    @Option(name: .long, help: "The update's text.")
    var body: String

    func run() async throws {
      let response = try await gateway.using(PetitionClient.init) {
        try await $0.createPetitionUpdate(
          .with {
            $0.parent = petition
            $0.update = .with {
              $0.title = title
              $0.body = body
            }
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { "posted \($0.update.name)" }
    }
  }
}
