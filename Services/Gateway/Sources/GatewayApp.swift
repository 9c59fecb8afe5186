import Foundation
import GRPCCore
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
  /// Whether SignPetition calls that arrive together go to petition-service
  /// in one internal `SignBatchService/SignPetitions` call (`SignBatcher`);
  /// off, each is forwarded alone.
  public var signBatching = true
  /// The plain-HTTP admin listener (`/metrics`, `/dashboard`) and the
  /// metrics registry.
  public var observability = ObservabilityConfig()
  /// The public listener's limits on connections, streams and messages.
  public var limits: ConnectionLimits = .publicListener
  /// The limits on partners' `WatchSignatureCounts` streams.
  public var watchCaps = SignatureCountWatches.WatchCaps()
  /// The quota of keys that have none of their own, per gateway process.
  public var quota = QuotaDefaults()
  /// Webhook deliveries.
  public var webhooks = WebhookSettings()

  public init(
    listen: ServiceAddress, dataDirectory: String, tls: TLSFiles,
    petitionService: ServiceAddress, supporterService: ServiceAddress, campaignService: ServiceAddress,
    reconcileInterval: Duration = .seconds(300)
  ) {
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

  /// The connections to one backend: one for short calls, one for
  /// long-lived streams, so that no number of open watches can delay a call.
  struct Backend {
    let calls: ClientHost
    let streams: ClientHost
    let host: String

    init(_ endpoint: ServiceAddress, name: String, tls: TLSFiles) throws {
      host = endpoint.host
      calls = try ClientHost(endpoint: endpoint, serverName: name, security: tls.clientMutualTLS)
      streams = try ClientHost(endpoint: endpoint, serverName: name, security: tls.clientMutualTLS)
    }

    var hosts: [ClientHost] { [calls, streams] }
  }

  /// The backends by the proto package whose services they own.
  static let owners: [String: String] = [
    "groundswell.petition.v1": ServiceName.petition,
    "groundswell.supporter.v1": ServiceName.supporter,
    "groundswell.campaign.v1": ServiceName.campaign,
  ]

  /// The RPCs the gateway forwards: every one declared public in an internal
  /// service's package, except those it serves itself. Nothing else of the
  /// internal services is reachable from the public listener.
  public static func forwarded(_ declarations: AccessDeclarations = .generated) -> [String: [MethodDescriptor]] {
    var byOwner: [String: [MethodDescriptor]] = [:]
    for method in declarations.publicMethods where !servedAtTheEdge.contains(method.descriptor) {
      let service = method.descriptor.service.fullyQualifiedService
      guard let dot = service.lastIndex(of: "."), let owner = owners[String(service[..<dot])] else { continue }
      byOwner[owner, default: []].append(method.descriptor)
    }
    return byOwner
  }

  /// The public services, for the gateway's health: those with a forwarded
  /// or edge-served method.
  public static func publicServices(_ declarations: AccessDeclarations = .generated) -> [String] {
    Set(declarations.publicMethods.map(\.descriptor.service.fullyQualifiedService)).sorted()
  }

  static func routes(petition: Backend, supporter: Backend, campaign: Backend) -> [Forwarder.Route] {
    let backends = [ServiceName.petition: petition, ServiceName.supporter: supporter, ServiceName.campaign: campaign]
    return forwarded().sorted { $0.key < $1.key }.compactMap { owner, methods in
      backends[owner].map { Forwarder.Route(service: owner, address: $0.host, methods: methods, client: $0.calls.client) }
    }
  }

  /// The public methods of the internal services that the gateway serves
  /// itself: every server-streaming one but the bounded streams the
  /// `Forwarder` passes on (a test checks both lists against the
  /// declarations).
  public static let servedAtTheEdge: Set<MethodDescriptor> = [
    Groundswell_Petition_V1_PetitionService.Method.WatchSignatureCounts.descriptor,
    Groundswell_Petition_V1_EventService.Method.SubscribeEvents.descriptor,
  ]

  public static func build(_ config: GatewayConfig, logger: Logger) throws -> BuiltService {
    try config.tls.checkReadable()
    // Before any transport is made from the files: they all share it.
    let rotation = try config.tls.startRotation(logger: logger)
    try AccessDeclarations.checkGenerated()
    let keys = try SQLiteAPIKeyRepository(directory: config.dataDirectory)
    let keyCache = try APIKeyCache(repository: keys)
    let audit = try SQLiteAuditLog(directory: config.dataDirectory)
    let webhookStore = try SQLiteWebhookStore(directory: config.dataDirectory)
    let poster: WebhookPoster
    do {
      poster = try WebhookPoster(
        policy: WebhookAddressPolicy(allowInternal: config.webhooks.allowInternalAddresses),
        extraTrustRoots: config.webhooks.caFile, timeout: config.webhooks.timing.timeout)
    } catch {
      throw StartupError("\(error); check --webhook-ca-file")
    }
    if let reason = poster.unavailable { logger.warning("webhooks cannot be delivered", metadata: ["reason": "\(reason)"]) }
    let petition = try Backend(config.petitionService, name: ServiceName.petition, tls: config.tls)
    let supporter = try Backend(config.supporterService, name: ServiceName.supporter, tls: config.tls)
    let campaign = try Backend(config.campaignService, name: ServiceName.campaign, tls: config.tls)
    let canceller = LongCallCanceller()
    let streams = StreamLimiter()
    let fanout = CountFanout()
    let eventSignals = EventSignals()
    let view = LiveView()
    let updates = TotalsUpdates()
    let petitionFeed = PetitionFeedReader(client: .init(wrapping: petition.streams.client), view: view)
    let campaignFeed = CampaignFeedReader(client: .init(wrapping: campaign.streams.client), view: view)
    let live: [any Service] = [
      FeedFollower(source: .signatures, view: view, logger: logger) { try await petitionFeed.read(reconcile: false, pulse: $0) },
      FeedFollower(source: .membership, view: view, logger: logger) { try await campaignFeed.read(reconcile: false, pulse: $0) },
      PeriodicService(every: config.reconcileInterval) {
        await reconcile(petitionFeed: petitionFeed, campaignFeed: campaignFeed, view: view, logger: logger)
      },
      PeriodicService(every: TotalsHandlers.watchInterval) { publishChanges(view: view, to: updates) },
      CountFanoutFollower(fanout: fanout, client: .init(wrapping: petition.streams.client), logger: logger),
      EventHeadsFollower(signals: eventSignals, client: .init(wrapping: petition.streams.client), logger: logger),
      WebhookDispatcher(
        store: webhookStore, feed: .init(wrapping: petition.calls.client), signals: eventSignals, poster: poster,
        timing: config.webhooks.timing,
        logger: logger, now: config.webhooks.now),
      // The delivery log is kept 7 days.
      PeriodicService(every: .seconds(3600)) {
        _ = try? await webhookStore.pruneDeliveries(before: Date().addingTimeInterval(-7 * 86_400))
      },
    ] + keyCache.services(logger: logger)
    let authentication = APIKeyInterceptor(keys: keyCache, quotas: QuotaBuckets(defaults: config.quota), logger: logger)
    let directory = RemoteTenantDirectory(client: campaign.calls.client)
    let registry = config.observability.registry
    let server = ServerHost(
      endpoint: config.listen,
      security: config.tls.serverTLS,
      services: [
        Forwarder(
          routes: routes(petition: petition, supporter: supporter, campaign: campaign),
          signing: config.signBatching
            ? SignBatcher(client: petition.calls.client, service: ServiceName.petition, address: petition.host) : nil,
          canceller: canceller,
          maximumMessageBytes: config.limits.maximumMessageBytes),
        SignatureCountWatches(
          counts: .init(wrapping: petition.calls.client), fanout: fanout, limiter: streams, caps: config.watchCaps),
        EventSubscriptions(
          feed: .init(wrapping: petition.calls.client), signals: eventSignals, limiter: streams, caps: config.watchCaps),
        TotalsHandlers(
          view: view, updates: updates, history: .init(wrapping: petition.calls.client), limiter: streams,
          caps: config.watchCaps, directory: directory),
        APIKeyHandlers(repository: keys, cache: keyCache, directory: directory),
        AuditHandlers(log: audit),
        WebhookHandlers(store: webhookStore, feed: .init(wrapping: petition.calls.client), poster: poster, now: config.webhooks.now),
        ReflectionService(),
        ReflectionServiceV1Alpha(ReflectionService()),
      ],
      serviceNames: publicServices(),
      // The audit after the key is known.
      identity: [authentication, AuditInterceptor(log: audit, logger: logger)],
      registry: registry,
      limits: config.limits,
      logger: logger,
      shutdownGrace: config.observability.shutdownGrace,
      onShutdown: {
        canceller.beginShutdown()
        updates.finishAll()
        fanout.changes.finishAll()
        eventSignals.finishAll()
      },
      unknownMethod: { await authentication.refuseUnknown($0, method: $1) }
    )
    let admin = GatewayAdmin.listener(
      listen: config.observability.adminListen, access: config.observability.adminAccess, health: server.health, view: view, updates: updates,
      registry: registry, logger: logger)
    // Not ready until the live view has loaded both feeds; not serving while
    // petition-service, which every signature needs, is unreachable.
    let loading = ViewLoading(view: view, health: server.health)
    let probe = DependencyProbe(name: ServiceName.petition, client: petition.calls.client, health: server.health, logger: logger)
    return BuiltService(
      server: server, dependencies: rotation + petition.hosts + supporter.hosts + campaign.hosts + live + [loading, probe], admin: admin,
      openStreams: { streams.count(scope: SignatureCountWatches.allScope, key: "") })
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
