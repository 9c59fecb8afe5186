import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging

/// The configuration of petition-service.
public struct PetitionServiceConfig: Sendable {
  public var listen: ServiceAddress
  public var dataDirectory: String
  public var tls: TLSFiles
  /// Where supporter-service listens.
  public var supporterService: ServiceAddress
  /// The steps of the goal ladder petitions show.
  public var goalLadder: GoalLadder

  public init(
    listen: ServiceAddress, dataDirectory: String, tls: TLSFiles, supporterService: ServiceAddress,
    goalLadder: GoalLadder = .standard
  ) {
    self.listen = listen
    self.dataDirectory = dataDirectory
    self.tls = tls
    self.supporterService = supporterService
    self.goalLadder = goalLadder
  }
}

/// The composition root of petition-service.
public enum PetitionApp {
  public static let name = ServiceName.petition

  public static func build(_ config: PetitionServiceConfig, logger: Logger) throws -> BuiltService {
    try config.tls.checkReadable()
    let repository = try SQLitePetitionRepository(directory: config.dataDirectory)
    let supporters = try ClientHost(endpoint: config.supporterService, serverName: ServiceName.supporter, security: config.tls.clientMutualTLS)
    let broadcaster = CountBroadcaster()
    let handlers = PetitionHandlers(
      repository: repository, resolver: RemoteSupporterResolver(client: supporters.client), broadcaster: broadcaster,
      ladder: config.goalLadder)
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverMutualTLS,
      services: [handlers],
      serviceNames: [Groundswell_Petition_V1_PetitionService.descriptor.fullyQualifiedService],
      interceptors: [PeerIdentityInterceptor()],
      logger: logger,
      onShutdown: { broadcaster.finishAll() }
    )
    return BuiltService(server: server, dependencies: [supporters])
  }
}
