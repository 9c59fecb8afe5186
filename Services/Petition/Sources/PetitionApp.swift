import Foundation
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
  /// How long signatures and retry answers are kept.
  public var retention: RetentionPolicy = .standard
  /// How often the retention pass runs.
  public var retentionInterval: Duration = .seconds(600)
  /// The clock the retention pass and verification tokens read.
  public var now: @Sendable () -> Date = { Date() }
  /// How long partner events are kept (`EventService/SubscribeEvents`).
  public var eventRetention: Duration = .seconds(30 * 86_400)
  /// The limits past which a signature is accepted but marked suspect.
  public var fraudRules = FraudRules()
  /// The admin listener and metrics registry.
  public var observability = ObservabilityConfig()

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
    // Before any transport is made from the files: they all share it.
    let rotation = try config.tls.startRotation(logger: logger)
    try AccessDeclarations.checkGenerated()
    let repository = try SQLitePetitionRepository(directory: config.dataDirectory)
    let supporters = try ClientHost(endpoint: config.supporterService, serverName: ServiceName.supporter, security: config.tls.clientMutualTLS)
    let changes = PetitionChanges()
    let secret = try DeploymentSecret.load(directory: config.dataDirectory)
    let resolver = RemoteSupporterResolver(client: supporters.client)
    let handlers = PetitionHandlers(
      repository: repository, resolver: resolver, changes: changes,
      ladder: config.goalLadder, secret: secret, now: config.now, fraudRules: config.fraudRules)
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverMutualTLS,
      services: [
        handlers, PetitionFeedHandlers(repository: repository, changes: changes), PetitionStatsHandlers(repository: repository),
        PetitionPrivacyHandlers(repository: repository, changes: changes, logger: logger),
        PetitionFraudHandlers(repository: repository, changes: changes, secret: secret),
        EventFeedHandlers(repository: repository, changes: changes, resolver: resolver),
        SignBatchHandlers(handlers: handlers, logger: logger),
      ],
      serviceNames: [
        Groundswell_Petition_V1_PetitionService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_PetitionFeedService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_PetitionStatsService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_PetitionPrivacyService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_PetitionFraudService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_EventFeedService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_SignBatchService.descriptor.fullyQualifiedService,
      ],
      identity: [PeerIdentityInterceptor()],
      registry: config.observability.registry,
      logger: logger,
      shutdownGrace: config.observability.shutdownGrace,
      onShutdown: { changes.finishAll() }
    )
    // Minutes are kept for a day and hours for 92 days; older buckets go.
    let pruner = PeriodicService(every: .seconds(600)) {
      do {
        let deleted = try await repository.pruneHistory(now: Date())
        if deleted > 0 { logger.info("pruned history", metadata: ["buckets": "\(deleted)"]) }
      } catch {
        logger.error("pruning history failed", metadata: ["error": "\(error)"])
      }
    }
    // Partner events older than the retention period go, in batches.
    let eventPruner = PeriodicService(every: config.retentionInterval) {
      do {
        let cutoff = config.now().addingTimeInterval(-config.eventRetention.seconds)
        var deleted = 0
        while true {
          let batch = try await repository.pruneEvents(before: cutoff, limit: 10_000)
          deleted += batch
          if batch < 10_000 { break }
        }
        if deleted > 0 { logger.info("pruned partner events", metadata: ["events": "\(deleted)"]) }
      } catch {
        logger.error("pruning partner events failed", metadata: ["error": "\(error)"])
      }
    }
    let retention = PrivacyMaintenance(
      repository: repository, changes: changes, policy: config.retention, now: config.now, logger: logger)
    let retainer = PeriodicService(every: config.retentionInterval) { await retention.run() }
    let invalidations = InvalidationRunner(repository: repository, changes: changes, logger: logger)
    let invalidator = PeriodicService(every: .seconds(1), immediately: true) { await invalidations.runPending() }
    let admin = config.observability.adminListener(serverName: name, health: server.health, logger: logger)
    // Signing needs supporter-service: while it is unreachable this service
    // reports NOT_SERVING.
    let probe = DependencyProbe(name: ServiceName.supporter, client: supporters.client, health: server.health, logger: logger)
    return BuiltService(
      server: server, dependencies: rotation + [supporters, probe, pruner, eventPruner, retainer, invalidator], admin: admin,
      openStreams: { changes.subscriberCount })
  }
}
