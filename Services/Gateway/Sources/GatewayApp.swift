import GroundswellAPI
import GroundswellRuntime
import Logging

/// The configuration of the gateway.
public struct GatewayConfig: Sendable {
  /// The public listener (TLS, API keys).
  public var listen: ServiceAddress
  public var dataDirectory: String
  /// The gateway's certificate serves the public listener and, with the same
  /// CA, authenticates it to the internal services.
  public var tls: TLSFiles
  public var petitionService: ServiceAddress
  public var supporterService: ServiceAddress
  public var campaignService: ServiceAddress

  public init(
    listen: ServiceAddress, dataDirectory: String, tls: TLSFiles,
    petitionService: ServiceAddress, supporterService: ServiceAddress, campaignService: ServiceAddress
  ) {
    self.listen = listen
    self.dataDirectory = dataDirectory
    self.tls = tls
    self.petitionService = petitionService
    self.supporterService = supporterService
    self.campaignService = campaignService
  }
}

/// The composition root of the gateway.
public enum GatewayApp {
  public static let name = ServiceName.gateway

  /// The services whose every method the gateway forwards, by owner.
  static func routes(petition: ClientHost, supporter: ClientHost, campaign: ClientHost) -> [Forwarder.Route] {
    [
      .init(methods: Groundswell_Petition_V1_PetitionService.Method.descriptors, client: petition.client),
      .init(methods: Groundswell_Supporter_V1_SupporterService.Method.descriptors, client: supporter.client),
      .init(
        methods: Groundswell_Campaign_V1_OrganizationService.Method.descriptors
          + Groundswell_Campaign_V1_CampaignService.Method.descriptors,
        client: campaign.client),
    ]
  }

  public static func build(_ config: GatewayConfig, logger: Logger) throws -> BuiltService {
    try config.tls.checkReadable()
    let keys = try SQLiteAPIKeyRepository(directory: config.dataDirectory)
    let petition = try ClientHost(endpoint: config.petitionService, serverName: ServiceName.petition, security: config.tls.clientMutualTLS)
    let supporter = try ClientHost(endpoint: config.supporterService, serverName: ServiceName.supporter, security: config.tls.clientMutualTLS)
    let campaign = try ClientHost(endpoint: config.campaignService, serverName: ServiceName.campaign, security: config.tls.clientMutualTLS)
    let canceller = LongCallCanceller()
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverTLS,
      services: [
        Forwarder(routes: routes(petition: petition, supporter: supporter, campaign: campaign), canceller: canceller),
        TotalsHandlers(source: RemoteTotalsSource(campaigns: campaign.client, petitions: petition.client)),
      ],
      serviceNames: [
        Groundswell_Gateway_V1_GatewayService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_PetitionService.descriptor.fullyQualifiedService,
        Groundswell_Supporter_V1_SupporterService.descriptor.fullyQualifiedService,
        Groundswell_Campaign_V1_OrganizationService.descriptor.fullyQualifiedService,
        Groundswell_Campaign_V1_CampaignService.descriptor.fullyQualifiedService,
      ],
      interceptors: [APIKeyInterceptor(keys: keys, logger: logger)],
      logger: logger,
      onShutdown: { canceller.beginShutdown() }
    )
    return BuiltService(server: server, dependencies: [petition, supporter, campaign])
  }
}
