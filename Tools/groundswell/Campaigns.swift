import ArgumentParser
import GroundswellAPI
import GroundswellRuntime

struct Campaigns: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create and read campaigns; add petitions; manage the coalition.",
    subcommands: [List.self, Get.self, Create.self, AddPetition.self, AcceptPetition.self, RemovePetition.self, Coalition.self])

  typealias Campaign = Groundswell_Campaign_V1_Campaign

  static let header = ["CAMPAIGN", "ORGANIZATION", "STATE", "PETITIONS", "MEMBERS", "TITLE"]

  static func row(_ campaign: Campaign) -> [String] {
    [campaign.name, campaign.organization, "\(campaign.state)".uppercased(), "\(campaign.petitions.count)",
     "\(campaign.members.count)", String(campaign.title.prefix(60))]
  }

  static func table(_ campaign: Campaign) -> String {
    Table.render(header: header, rows: [row(campaign)], rightAligned: [3, 4])
  }

  /// A campaign and one other name, for the membership commands.
  struct Pair: ParsableArguments {
    @Argument(help: "The campaign, campaigns/{id}.")
    var campaign: String

    @Argument(help: "The petition, petitions/{id}.")
    var petition: String

    enum Change { case add, accept, remove }

    /// Changes the campaign's petitions and prints the campaign as it now is.
    func run(_ change: Change, gateway: GatewayOptions) async throws {
      let (campaign, petition) = (campaign, petition)
      let options = gateway.callOptions
      let updated = try await gateway.using(CampaignClient.init) { service in
        switch change {
        case .add:
          try await service.addCampaignPetition(
            .with {
              $0.campaign = campaign
              $0.petition = petition
            }, metadata: gateway.metadata, options: options
          ).campaign
        case .accept:
          try await service.acceptCampaignPetition(
            .with {
              $0.campaign = campaign
              $0.petition = petition
            }, metadata: gateway.metadata, options: options
          ).campaign
        case .remove:
          try await service.removeCampaignPetition(
            .with {
              $0.campaign = campaign
              $0.petition = petition
            }, metadata: gateway.metadata, options: options
          ).campaign
        }
      }
      // Every answer is `{"campaign": …}`.
      gateway.show(Groundswell_Campaign_V1_AddCampaignPetitionResponse.with { $0.campaign = updated }) {
        Campaigns.table($0.campaign)
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists an organization's campaigns (or every campaign you may see).")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "Only this organization's campaigns, organizations/{id}.")
    var organization: String = ""

    @Option(name: .long, help: "The most campaigns to show (1 to 10000).")
    var limit: Int = 100

    func validate() throws {
      if !(1...10_000).contains(limit) { throw ValidationError("--limit must be 1 to 10000") }
    }

    func run() async throws {
      let campaigns = try await gateway.using(CampaignClient.init) { service in
        try await collectPages(limit: limit) { size, token in
          let page = try await service.listCampaigns(
            .with {
              $0.parent = organization
              $0.pageSize = size
              $0.pageToken = token
            }, metadata: gateway.metadata, options: gateway.callOptions)
          return (page.campaigns, page.nextPageToken)
        }
      }
      gateway.show(campaigns, header: Campaigns.header, rightAligned: [3, 4], row: Campaigns.row)
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows one campaign.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The campaign, campaigns/{id}.")
    var campaign: String

    func run() async throws {
      let response = try await gateway.using(CampaignClient.init) {
        try await $0.getCampaign(.with { $0.name = campaign }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Campaigns.table($0.campaign) }
    }
  }

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates a campaign.")

    @OptionGroup var gateway: GatewayOptions

    @Option(name: .long, help: "The organization, organizations/{id} (your key's).")
    var organization: String

    @Option(name: .long, help: "The title.")
    var title: String

    @Option(name: .long, help: "The description.")
    var description: String = ""

    @Option(name: .long, help: "The id (3 to 63 lower-case letters, digits, hyphens); empty generates one.")
    var id: String = ""

    func run() async throws {
      let response = try await gateway.using(CampaignClient.init) {
        try await $0.createCampaign(
          .with {
            $0.parent = organization
            $0.campaignID = id
            $0.campaign = .with {
              $0.title = title
              $0.description_p = description
            }
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Campaigns.table($0.campaign) }
    }
  }

  struct AddPetition: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Adds a petition to a campaign (another organization's petition is proposed until it accepts).")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var pair: Pair

    func run() async throws { try await pair.run(.add, gateway: gateway) }
  }

  struct AcceptPetition: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accepts your petition proposed for another organization's campaign.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var pair: Pair

    func run() async throws { try await pair.run(.accept, gateway: gateway) }
  }

  struct RemovePetition: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Removes a petition from a campaign.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var pair: Pair

    func run() async throws { try await pair.run(.remove, gateway: gateway) }
  }

  struct Coalition: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Invite organizations into a campaign's coalition, accept an invitation, remove a member.",
      subcommands: [Add.self, Accept.self, Remove.self])

    struct Add: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Invites an organization into the coalition.")

      @OptionGroup var gateway: GatewayOptions

      @Argument(help: "The campaign, campaigns/{id}.")
      var campaign: String

      @Argument(help: "The organization, organizations/{id}.")
      var organization: String

      @Option(name: .long, help: "organizer, partner or endorser.")
      var role: Role = .partner

      enum Role: String, ExpressibleByArgument, CaseIterable {
        case organizer, partner, endorser
      }

      func run() async throws {
        let response = try await gateway.using(CampaignClient.init) {
          try await $0.addCoalitionMember(
            .with {
              $0.campaign = campaign
              $0.member = .with {
                $0.organization = organization
                $0.role = switch role {
                case .organizer: .organizer
                case .partner: .partner
                case .endorser: .endorser
                }
              }
            }, metadata: gateway.metadata, options: gateway.callOptions)
        }
        gateway.show(response) { Campaigns.table($0.campaign) }
      }
    }

    struct Accept: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Accepts your organization's invitation into a coalition.")

      @OptionGroup var gateway: GatewayOptions

      @Argument(help: "The campaign, campaigns/{id}.")
      var campaign: String

      func run() async throws {
        let response = try await gateway.using(CampaignClient.init) {
          try await $0.acceptCoalitionInvitation(.with { $0.campaign = campaign }, metadata: gateway.metadata, options: gateway.callOptions)
        }
        gateway.show(response) { Campaigns.table($0.campaign) }
      }
    }

    struct Remove: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Removes an organization from the coalition.")

      @OptionGroup var gateway: GatewayOptions

      @Argument(help: "The campaign, campaigns/{id}.")
      var campaign: String

      @Argument(help: "The organization, organizations/{id}.")
      var organization: String

      func run() async throws {
        let response = try await gateway.using(CampaignClient.init) {
          try await $0.removeCoalitionMember(
            .with {
              $0.campaign = campaign
              $0.organization = organization
            }, metadata: gateway.metadata, options: gateway.callOptions)
        }
        gateway.show(response) { Campaigns.table($0.campaign) }
      }
    }
  }
}

struct Organizations: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create (operators), list and read organizations.", subcommands: [List.self, Get.self, Create.self])

  typealias Organization = Groundswell_Campaign_V1_Organization

  static let header = ["ORGANIZATION", "SUPPORTERS", "PETITIONS STARTED", "NAME"]

  static func row(_ organization: Organization) -> [String] {
    [organization.name, organization.supporterCount.formatted(), organization.petitionsStarted.formatted(), organization.displayName]
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists organizations.")

    @OptionGroup var gateway: GatewayOptions

    func run() async throws {
      let organizations = try await gateway.using(OrganizationClient.init) { service in
        try await collectPages(limit: 100_000) { size, token in
          let page = try await service.listOrganizations(
            .with {
              $0.pageSize = size
              $0.pageToken = token
            }, metadata: gateway.metadata, options: gateway.callOptions)
          return (page.organizations, page.nextPageToken)
        }
      }
      gateway.show(organizations, header: Organizations.header, rightAligned: [1, 2], row: Organizations.row)
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shows one organization.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The organization, organizations/{id}.")
    var organization: String

    func run() async throws {
      let response = try await gateway.using(OrganizationClient.init) {
        try await $0.getOrganization(.with { $0.name = organization }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Table.render(header: Organizations.header, rows: [Organizations.row($0.organization)], rightAligned: [1, 2]) }
    }
  }

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates an organization (an operator key).")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "The id: 3 to 63 lower-case letters, digits and hyphens, starting with a letter.")
    var id: String

    @Option(name: .long, help: "The name shown.")
    var displayName: String

    func run() async throws {
      let response = try await gateway.using(OrganizationClient.init) {
        try await $0.createOrganization(
          .with {
            $0.organizationID = id
            $0.organization = .with { $0.displayName = displayName }
          }, metadata: gateway.metadata, options: gateway.callOptions)
      }
      gateway.show(response) { Table.render(header: Organizations.header, rows: [Organizations.row($0.organization)], rightAligned: [1, 2]) }
    }
  }
}
