import GroundswellAPI
import GroundswellRuntime
import Logging

/// The configuration of supporter-service.
public struct SupporterServiceConfig: Sendable {
  public var listen: ServiceAddress
  public var dataDirectory: String
  public var tls: TLSFiles

  public init(listen: ServiceAddress, dataDirectory: String, tls: TLSFiles) {
    self.listen = listen
    self.dataDirectory = dataDirectory
    self.tls = tls
  }
}

/// The composition root of supporter-service.
public enum SupporterApp {
  public static let name = ServiceName.supporter

  public static func build(_ config: SupporterServiceConfig, logger: Logger) throws -> BuiltService {
    try config.tls.checkReadable()
    try AccessDeclarations.checkGenerated()
    let repository = try SQLiteSupporterRepository(directory: config.dataDirectory)
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverMutualTLS,
      services: [
        SupporterHandlers(repository: repository), SupporterResolverHandlers(repository: repository),
        SupporterStatsHandlers(repository: repository),
      ],
      serviceNames: [
        Groundswell_Supporter_V1_SupporterService.descriptor.fullyQualifiedService,
        Groundswell_Supporter_V1_SupporterResolverService.descriptor.fullyQualifiedService,
        Groundswell_Supporter_V1_SupporterStatsService.descriptor.fullyQualifiedService,
      ],
      interceptors: [PeerIdentityInterceptor()],
      logger: logger
    )
    return BuiltService(server: server)
  }
}
