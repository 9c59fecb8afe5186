import ArgumentParser
import GroundswellAPI
import GroundswellRuntime

struct Petitions: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Work with petitions.", subcommands: [List.self])

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List petitions, newest first, as a table.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "Only petitions of this organization, organizations/{id}.")
    var organization: String = ""

    @Option(name: .long, help: "The most petitions to show.")
    var limit: Int = 100

    func run() async throws {
      let petitions = try await gateway.withClient { client in
        let service = Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
        var all: [Groundswell_Petition_V1_Petition] = []
        var token = ""
        repeat {
          let page = try await service.listPetitions(
            .with {
              $0.parent = organization
              $0.pageSize = Int32(min(100, limit - all.count))
              $0.pageToken = token
            }, metadata: bearer(gateway.key), options: gateway.callOptions)
          all += page.petitions
          token = page.nextPageToken
        } while !token.isEmpty && all.count < limit
        return all
      }
      print(
        Table.render(
          header: ["PETITION", "STATE", "SIGNATURES", "GOAL", "TITLE"],
          rows: petitions.map {
            [$0.name, "\($0.state)".uppercased(), $0.signatureCount.formatted(), $0.goal.formatted(), String($0.title.prefix(60))]
          },
          rightAligned: [2, 3]))
    }
  }
}
