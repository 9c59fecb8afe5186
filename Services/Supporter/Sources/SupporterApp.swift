import GroundswellAPI
import GroundswellRuntime
import Logging

/// The configuration of supporter-service.
public struct SupporterServiceConfig: Sendable {
  public var listen: ServiceAddress
  public var dataDirectory: String
  public var tls: TLSFiles
  /// Where petition-service listens: exports read, and erasures anonymise,
  /// the signatures it keeps.
  public var petitionService: ServiceAddress
  /// How often pending erasures are retried.
  public var erasureRetryInterval: Duration = .seconds(30)
  /// The admin listener and metrics registry.
  public var observability = ObservabilityConfig()

  public init(listen: ServiceAddress, dataDirectory: String, tls: TLSFiles, petitionService: ServiceAddress) {
    self.listen = listen
    self.dataDirectory = dataDirectory
    self.tls = tls
    self.petitionService = petitionService
  }
}

/// The composition root of supporter-service.
public enum SupporterApp {
  public static let name = ServiceName.supporter

  public static func build(_ config: SupporterServiceConfig, logger: Logger) throws -> BuiltService {
    try config.tls.checkReadable()
    // Before any transport is made from the files: they all share it.
    let rotation = try config.tls.startRotation(logger: logger)
    try AccessDeclarations.checkGenerated()
    let repository = try SQLiteSupporterRepository(directory: config.dataDirectory)
    let petitions = try ClientHost(endpoint: config.petitionService, serverName: ServiceName.petition, security: config.tls.clientMutualTLS)
    let keeper = RemoteSignatureKeeper(client: petitions.client)
    let erasures = Erasures(repository: repository, keeper: keeper, logger: logger)
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverMutualTLS,
      services: [
        SupporterHandlers(repository: repository, keeper: keeper, erasures: erasures), SupporterResolverHandlers(repository: repository),
        SupporterStatsHandlers(repository: repository),
      ],
      serviceNames: [
        Groundswell_Supporter_V1_SupporterService.descriptor.fullyQualifiedService,
        Groundswell_Supporter_V1_SupporterResolverService.descriptor.fullyQualifiedService,
        Groundswell_Supporter_V1_SupporterStatsService.descriptor.fullyQualifiedService,
      ],
      identity: [PeerIdentityInterceptor()],
      registry: config.observability.registry,
      logger: logger,
      shutdownGrace: config.observability.shutdownGrace
    )
    // Pending erasures resume at start (the first pass) and are retried
    // until they finish.
    let resumer = PeriodicService(every: config.erasureRetryInterval, immediately: true) { await erasures.resumePending() }
    let admin = config.observability.adminListener(serverName: name, health: server.health, logger: logger)
    return BuiltService(server: server, dependencies: rotation + [petitions, resumer], admin: admin)
  }
}
