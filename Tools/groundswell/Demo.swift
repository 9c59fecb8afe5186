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

/// Invented organizations, people and petitions in the shape of real campaign
/// pages: a statewide clemency campaign with a petition to a governor, and a
/// coalition campaign whose several petitions carry its demands.
enum DemoData {
  struct Org {
    var name: String
    var displayName: String
    var description: String
    var website: String
  }

  struct PetitionSeed {
    var key: String
    var organization: String
    var title: String
    var summary: String
    var body: String
    var signatures: Int
  }

  static let organizations = [
    Org(
      name: "organizations/harbor-light", displayName: "Harbor Light Justice Project",
      description: "A statewide group of formerly incarcerated women organizing for clemency, re-entry support and family reunification.",
      website: "https://harbor-light.example.org"),
    Org(
      name: "organizations/open-gate-network", displayName: "Open Gate Network",
      description: "A national network of families and advocates that starts campaigns and hands them to local organizers.",
      website: "https://open-gate.example.org"),
  ]

  static let petitions = [
    PetitionSeed(
      key: "governor", organization: "organizations/harbor-light",
      title: "Governor Marlowe: grant clemency to elderly and ill women in state prisons",
      summary: "Use the clemency power now for women who are elderly, seriously ill, serving ten years or more, or were punished for surviving abuse.",
      body: """
        The Governor and the Board of Pardons can release vulnerable women with the stroke of a pen.
        We ask for commutations for women who meet any of these criteria:
        - aged 60 or older;
        - seriously or chronically ill;
        - serving a sentence of ten years or more;
        - convicted after surviving domestic violence.
        Update: crowded facilities put incarcerated women at higher risk during outbreaks of illness. Act now.
        """,
      signatures: 24),
    PetitionSeed(
      key: "commissioner", organization: "organizations/open-gate-network",
      title: "Commissioner Adeyemi: end unpaid prison labor in state facilities",
      summary: "Pay every working incarcerated person at least the state minimum wage.",
      body: "Work inside prisons keeps the system running. Those who do it deserve fair pay and safe conditions.",
      signatures: 14),
    PetitionSeed(
      key: "sheriff", organization: "organizations/open-gate-network",
      title: "Sheriff Okafor: restore in-person family visits at the county jail",
      summary: "Video screens are not a substitute for seeing your family.",
      body: "Children should be able to hug their parents. Restore contact visits and end fees for video calls.",
      signatures: 9),
    PetitionSeed(
      key: "legislature", organization: "organizations/harbor-light",
      title: "State Judiciary Committee: pass the Second Look sentencing bill",
      summary: "Let judges review long sentences after ten years.",
      body: "People change. A second look at long sentences brings people home to families who need them.",
      signatures: 6),
  ]

  static let campaigns: [(id: String, organization: String, title: String, description: String, petitions: [String])] = [
    (
      "clemency-now", "organizations/harbor-light", "#ClemencyNow statewide clemency campaign",
      "A statewide clemency campaign started by Open Gate Network and organized in this state by Harbor Light Justice Project.",
      ["governor", "legislature"]
    ),
    (
      "dignity-inside", "organizations/open-gate-network", "Dignity Inside: a coalition for humane conditions",
      "A coalition of families and advocates with five demands: fair pay for prison labor, family visits, healthcare, an end to solitary confinement, and a second look at long sentences.",
      ["commissioner", "sheriff", "legislature"]
    ),
  ]

  static let givenNames = ["Ana", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Mae", "Ned", "Oda"]
  static let familyNames = ["Reyes", "Stone", "Turner", "Underwood", "Vance", "Walsh", "Young", "Zimmer"]

  /// Creates everything through the gateway, as partners would. Returns false
  /// when the first organization exists already (the data was seeded before).
  static func seed(
    client: GRPCClient<some ClientTransport>, operatorKey: String, partnerKeys: [String: String], options: CallOptions
  ) async throws -> Bool {
    let organizationsService = Groundswell_Campaign_V1_OrganizationService.Client(wrapping: client)
    let petitionService = Groundswell_Petition_V1_PetitionService.Client(wrapping: client)
    let campaignService = Groundswell_Campaign_V1_CampaignService.Client(wrapping: client)
    for organization in organizations {
      do {
        _ = try await organizationsService.createOrganization(
          .with {
            $0.organizationID = String(organization.name.dropFirst("organizations/".count))
            $0.organization = .with {
              $0.displayName = organization.displayName
              $0.description_p = organization.description
              $0.websiteUri = organization.website
            }
          }, metadata: bearer(operatorKey), options: options)
      } catch let error as RPCError where error.code == .alreadyExists {
        return false
      }
    }
    var names: [String: String] = [:]
    for (index, seed) in petitions.enumerated() {
      let key = bearer(partnerKeys[seed.organization]!)
      let petition = try await petitionService.createPetition(
        .with {
          $0.parent = seed.organization
          $0.petition = .with {
            $0.title = seed.title
            $0.summary = seed.summary
            $0.body = seed.body
          }
        }, metadata: key, options: options
      ).petition
      _ = try await petitionService.publishPetition(.with { $0.name = petition.name }, metadata: key, options: options)
      names[seed.key] = petition.name
      for signer in 0..<seed.signatures {
        let given = givenNames[(signer + index) % givenNames.count]
        let family = familyNames[(signer * 3 + index) % familyNames.count]
        _ = try await petitionService.signPetition(
          .with {
            $0.petition = petition.name
            $0.signer = .with {
              $0.email = "\(given).\(family)\(signer)@example.org".lowercased()
              $0.givenName = given
              $0.familyName = family
            }
          }, metadata: key, options: options)
      }
    }
    for campaign in campaigns {
      let key = bearer(partnerKeys[campaign.organization]!)
      let created = try await campaignService.createCampaign(
        .with {
          $0.parent = campaign.organization
          $0.campaignID = campaign.id
          $0.campaign = .with {
            $0.title = campaign.title
            $0.description_p = campaign.description
          }
        }, metadata: key, options: options
      ).campaign
      for petition in campaign.petitions {
        _ = try await campaignService.addCampaignPetition(
          .with {
            $0.campaign = created.name
            $0.petition = names[petition]!
          }, metadata: key, options: options)
      }
    }
    return true
  }
}
