import Foundation
import GroundswellAPI
import GroundswellRuntime
import Logging
import Prometheus
import ServiceLifecycle

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
  /// How often the live view is checked against full snapshots of both
  /// feeds, repairing any update it lost.
  public var reconcileInterval: Duration
  /// The plain-HTTP admin listener (`/metrics`, `/dashboard`); port 0 picks one.
  public var adminListen: ServiceAddress

  public init(
    listen: ServiceAddress, dataDirectory: String, tls: TLSFiles,
    petitionService: ServiceAddress, supporterService: ServiceAddress, campaignService: ServiceAddress,
    reconcileInterval: Duration = .seconds(300), adminListen: ServiceAddress = ServiceAddress(host: "127.0.0.1", port: 0)
  ) {
    self.adminListen = adminListen
    self.reconcileInterval = reconcileInterval
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
    let view = LiveView()
    let updates = TotalsUpdates()
    let petitionFeed = PetitionFeedReader(client: .init(wrapping: petition.client), view: view)
    let campaignFeed = CampaignFeedReader(client: .init(wrapping: campaign.client), view: view)
    let live: [any Service] = [
      FeedFollower(source: .signatures, view: view, logger: logger) { try await petitionFeed.read(reconcile: false, pulse: $0) },
      FeedFollower(source: .membership, view: view, logger: logger) { try await campaignFeed.read(reconcile: false, pulse: $0) },
      PeriodicService(every: config.reconcileInterval) {
        await reconcile(petitionFeed: petitionFeed, campaignFeed: campaignFeed, view: view, logger: logger)
      },
      PeriodicService(every: TotalsHandlers.watchInterval) { publishChanges(view: view, to: updates) },
    ]
    let registry = PrometheusCollectorRegistry()
    let admin = AdminServer(listen: config.adminListen, view: view, updates: updates, registry: registry, logger: logger)
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverTLS,
      services: [
        Forwarder(routes: routes(petition: petition, supporter: supporter, campaign: campaign), canceller: canceller),
        TotalsHandlers(view: view, updates: updates, history: .init(wrapping: petition.client)),
      ],
      serviceNames: [
        Groundswell_Gateway_V1_GatewayService.descriptor.fullyQualifiedService,
        Groundswell_Petition_V1_PetitionService.descriptor.fullyQualifiedService,
        Groundswell_Supporter_V1_SupporterService.descriptor.fullyQualifiedService,
        Groundswell_Campaign_V1_OrganizationService.descriptor.fullyQualifiedService,
        Groundswell_Campaign_V1_CampaignService.descriptor.fullyQualifiedService,
      ],
      // Metrics first, so refused keys are counted too.
      interceptors: [RPCMetricsInterceptor(registry: registry), APIKeyInterceptor(keys: keys, logger: logger)],
      logger: logger,
      onShutdown: {
        canceller.beginShutdown()
        updates.finishAll()
      }
    )
    return BuiltService(
      server: server, dependencies: [petition, supporter, campaign] + live + [admin], adminPort: { await admin.port.value() })
  }

  /// Reads a full snapshot of each feed beside the live streams and applies
  /// whatever is newer than the view: updates the view lost are repaired.
  static func reconcile(petitionFeed: PetitionFeedReader, campaignFeed: CampaignFeedReader, view: LiveView, logger: Logger) async {
    do {
      let petitions = try await petitionFeed.read(reconcile: true)
      let campaigns = try await campaignFeed.read(reconcile: true)
      if petitions + campaigns > 0 {
        logger.warning("reconcile repaired the live view", metadata: ["petitions": "\(petitions)", "campaigns": "\(campaigns)"])
      }
    } catch {
      logger.warning("reconcile failed; the feeds' own reconnects keep the view whole", metadata: ["error": "\(rootCause(of: error))"])
    }
  }

  /// Hands watchers the totals of the campaigns that changed since the last
  /// call; does nothing while nobody watches.
  static func publishChanges(view: LiveView, to updates: TotalsUpdates) {
    let now = Date()
    view.withState { $0.minutePassed(now: Int64(now.timeIntervalSince1970) / 60) }
    let changed = updates.watched(view.takeChanges(now: now))
    guard !changed.isEmpty else { return }
    updates.publish(contentsOf: view.campaignTotals(changed, recentMinutes: true, now: now).map { TotalsUpdate(totals: $0) })
  }
}
