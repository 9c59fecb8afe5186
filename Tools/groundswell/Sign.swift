import ArgumentParser
import GroundswellAPI
import GroundswellRuntime

struct Sign: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Sign an open petition.")

  @OptionGroup var gateway: GatewayOptions

  @Argument(help: "The petition, petitions/{id}.")
  var petition: String

  @Option(name: .long, help: "The signer's email address.")
  var email: String

  @Option(name: .long, help: "The signer's given (first) name.")
  var givenName: String

  @Option(name: .long, help: "The signer's family (last) name.")
  var familyName: String = ""

  func run() async throws {
    let request = Groundswell_Petition_V1_SignPetitionRequest.with {
      $0.petition = petition
      $0.signer = .with {
        $0.email = email
        $0.givenName = givenName
        $0.familyName = familyName
      }
    }
    let response = try await gateway.withClient { client in
      try await Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
        .signPetition(request, metadata: bearer(gateway.key), options: gateway.callOptions)
    }
    let what = response.alreadySigned ? "already signed" : "signed"
    print("\(what) \(petition): \(response.signature.name); the petition has \(response.signatureCount.formatted()) signatures")
  }
}
