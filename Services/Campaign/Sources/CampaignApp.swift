import GroundswellAPI
import GroundswellRuntime
import Logging

/// The configuration of campaign-service.
public struct CampaignServiceConfig: Sendable {
  public var listen: ServiceAddress
  public var dataDirectory: String
  public var tls: TLSFiles
  /// Where petition-service listens (to check petitions added to campaigns).
  public var petitionService: ServiceAddress
  /// Where supporter-service listens (for organizations' supporter counts).
  public var supporterService: ServiceAddress
  /// The admin listener and metrics registry.
  public var observability = ObservabilityConfig()

  public init(
    listen: ServiceAddress, dataDirectory: String, tls: TLSFiles, petitionService: ServiceAddress,
    supporterService: ServiceAddress
  ) {
    self.listen = listen
    self.dataDirectory = dataDirectory
    self.tls = tls
    self.petitionService = petitionService
    self.supporterService = supporterService
  }
}

/// The composition root of campaign-service.
public enum CampaignApp {
  public static let name = ServiceName.campaign

  public static func build(_ config: CampaignServiceConfig, logger: Logger) throws -> BuiltService {
    try config.tls.checkReadable()
    // Before any transport is made from the files: they all share it.
    let rotation = try config.tls.startRotation(logger: logger)
    try AccessDeclarations.checkGenerated()
    let store = try SQLiteCampaignStore(directory: config.dataDirectory)
    let changes = CampaignChanges()
    let campaigns = PublishingCampaignRepository(store, changes: changes)
    let petitionClient = try ClientHost(endpoint: config.petitionService, serverName: ServiceName.petition, security: config.tls.clientMutualTLS)
    let supporterClient = try ClientHost(
      endpoint: config.supporterService, serverName: ServiceName.supporter, security: config.tls.clientMutualTLS)
    let stats = RemoteOrganizationStats(supporters: supporterClient.client, petitions: petitionClient.client)
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverMutualTLS,
      services: [
        OrganizationHandlers(repository: store, stats: stats),
        CampaignHandlers(
          repository: campaigns, organizations: store, petitions: RemotePetitionDirectory(client: petitionClient.client),
          secret: try DeploymentSecret.load(directory: config.dataDirectory)),
        CampaignFeedHandlers(repository: campaigns, changes: changes),
      ],
      serviceNames: [
        Groundswell_Campaign_V1_OrganizationService.descriptor.fullyQualifiedService,
        Groundswell_Campaign_V1_CampaignService.descriptor.fullyQualifiedService,
        Groundswell_Campaign_V1_CampaignFeedService.descriptor.fullyQualifiedService,
      ],
      identity: [PeerIdentityInterceptor()],
      registry: config.observability.registry,
      logger: logger,
      shutdownGrace: config.observability.shutdownGrace,
      onShutdown: { changes.finishAll() }
    )
    let admin = config.observability.adminListener(serverName: name, health: server.health, logger: logger)
    let relay = CampaignEventRelay(outbox: store, client: petitionClient.client, logger: logger)
    return BuiltService(server: server, dependencies: rotation + [petitionClient, supporterClient, relay], admin: admin)
  }
}
