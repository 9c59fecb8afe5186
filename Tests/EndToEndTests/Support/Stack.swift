import CampaignService
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import GatewayService
import GroundswellAPI
import GroundswellRuntime
import Logging
import PetitionService
import ServiceLifecycle
import Synchronization
import SupporterService

/// One service of a test stack, running in its own service group so a test
/// can stop it alone.
final class RunningService: Sendable {
  let built: BuiltService
  let group: ServiceGroup
  let task: Task<Void, any Error>
  let port: Int

  init(_ built: BuiltService) async throws {
    self.built = built
    let group = ServiceGroup(
      configuration: .init(services: built.services.map { .init(service: $0) }, logger: Logger(label: "test")))
    self.group = group
    self.task = Task { try await group.run() }
    self.port = try await built.server.listeningPort()
  }

  var endpoint: ServiceAddress { ServiceAddress(host: "127.0.0.1", port: port) }

  /// Waits until the service reports SERVING (its dependencies found, the
  /// gateway's view loaded), as a readiness probe would.
  func waitUntilServing(within limit: Duration = .seconds(15)) async throws {
    let deadline = ContinuousClock.now + limit
    while built.server.health.status != .serving {
      guard ContinuousClock.now < deadline else {
        throw StackError("\(endpoint) is still NOT_SERVING: \(built.server.health.holds.sorted())")
      }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  /// Begins graceful shutdown and waits for the group to finish.
  func stop() async throws {
    await group.triggerGracefulShutdown()
    try await task.value
  }
}

/// The four services on ephemeral loopback ports with real TLS and mutual
/// TLS, a throwaway PKI, fresh data directories, and an operator key.
struct Stack: Sendable {
  let pki: TestPKI
  let dataRoot: String
  let supporter: RunningService
  let petition: RunningService
  let campaign: RunningService
  let gateway: RunningService
  let keys: SQLiteAPIKeyRepository
  let operatorKey: String

  static func start(
    reconcileInterval: Duration = .seconds(300), gateway configure: (inout GatewayConfig) -> Void = { _ in },
    petition configurePetition: (inout PetitionServiceConfig) -> Void = { _ in },
    supporter configureSupporter: (inout SupporterServiceConfig) -> Void = { _ in },
    logger given: Logger? = nil
  ) async throws -> Stack {
    let pki = try TestPKI.make(extraIdentities: ["monitoring"])
    let dataRoot = NSTemporaryDirectory() + "groundswell-data-" + UUID().uuidString
    // Ports drawn below the kernel's ephemeral range and never drawn twice
    // in this process, not port 0: a test that stops a service starts it
    // again on the same port, which an ephemeral port freed by the stop
    // might by then be (another test's listener or outgoing connection).
    func loopback() throws -> ServiceAddress { ServiceAddress(host: "127.0.0.1", port: try freePort()) }
    var logger = given ?? ServiceLog.shared.map { file in Logger(label: "test") { _ in file } } ?? Logger(label: "test")
    if given == nil { logger.logLevel = ServiceLog.shared == nil ? .warning : .debug }
    // Each of supporter- and petition-service calls the other: the second
    // one's port is chosen first.
    let petitionAddress = try loopback()
    var supporterConfig = SupporterServiceConfig(
      listen: try loopback(), dataDirectory: "\(dataRoot)/supporter", tls: pki.files(for: "supporter-service"),
      petitionService: petitionAddress)
    configureSupporter(&supporterConfig)
    let supporter = try await RunningService(SupporterApp.build(supporterConfig, logger: logger))
    var petitionConfig = PetitionServiceConfig(
      listen: petitionAddress, dataDirectory: "\(dataRoot)/petition", tls: pki.files(for: "petition-service"),
      supporterService: supporter.endpoint)
    configurePetition(&petitionConfig)
    let petition = try await RunningService(PetitionApp.build(petitionConfig, logger: logger))
    let campaign = try await RunningService(
      CampaignApp.build(
        .init(listen: try loopback(), dataDirectory: "\(dataRoot)/campaign", tls: pki.files(for: "campaign-service"),
              petitionService: petition.endpoint, supporterService: supporter.endpoint), logger: logger))
    var gatewayConfig = GatewayConfig(
      listen: try loopback(), dataDirectory: "\(dataRoot)/gateway", tls: pki.files(for: "gateway"),
      petitionService: petition.endpoint, supporterService: supporter.endpoint,
      campaignService: campaign.endpoint, reconcileInterval: reconcileInterval)
    // The suites' own keys are not what they measure: quotas are tested
    // with keys of their own.
    gatewayConfig.quota = QuotaDefaults(callsPerSecond: 100_000, burst: 100_000)
    configure(&gatewayConfig)
    // Made before the gateway starts, so its key table has it at once.
    let keys = try SQLiteAPIKeyRepository(directory: "\(dataRoot)/gateway")
    let operatorKey = try await keys.create(organization: nil, isOperator: true, scopes: [], label: "test operator").key
    let gateway = try await RunningService(GatewayApp.build(gatewayConfig, logger: logger))
    for service in [supporter, petition, campaign, gateway] { try await service.waitUntilServing() }
    return Stack(
      pki: pki, dataRoot: dataRoot, supporter: supporter, petition: petition, campaign: campaign, gateway: gateway,
      keys: keys, operatorKey: operatorKey)
  }

  func stop() async throws {
    for service in [gateway, campaign, petition, supporter] { try await service.stop() }
  }

  /// Starts petition-service again on its old port and data, after a test
  /// stopped it (with the default configuration).
  func restartPetitionService() async throws -> RunningService {
    try await RunningService(
      PetitionApp.build(
        .init(listen: petition.endpoint, dataDirectory: "\(dataRoot)/petition", tls: pki.files(for: "petition-service"),
              supporterService: supporter.endpoint), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
  }

  /// Starts supporter-service again on its old port and data.
  func restartSupporterService(configure: (inout SupporterServiceConfig) -> Void = { _ in }) async throws -> RunningService {
    var config = SupporterServiceConfig(
      listen: supporter.endpoint, dataDirectory: "\(dataRoot)/supporter", tls: pki.files(for: "supporter-service"),
      petitionService: petition.endpoint)
    configure(&config)
    return try await RunningService(
      SupporterApp.build(config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
  }

  /// Starts campaign-service again on its old port and data.
  func restartCampaignService() async throws -> RunningService {
    try await RunningService(
      CampaignApp.build(
        .init(listen: campaign.endpoint, dataDirectory: "\(dataRoot)/campaign", tls: pki.files(for: "campaign-service"),
              petitionService: petition.endpoint, supporterService: supporter.endpoint),
        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
  }

  /// Starts the gateway again on its old port and data.
  func restartGateway() async throws -> RunningService {
    var config = GatewayConfig(
      listen: gateway.endpoint, dataDirectory: "\(dataRoot)/gateway", tls: pki.files(for: "gateway"),
      petitionService: petition.endpoint, supporterService: supporter.endpoint,
      campaignService: campaign.endpoint, reconcileInterval: .seconds(300))
    config.quota = QuotaDefaults(callsPerSecond: 100_000, burst: 100_000)
    return try await RunningService(
      GatewayApp.build(config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
  }

  /// The body of a GET to the gateway's HTTP admin listener.
  func admin(_ path: String) async throws -> (status: Int, body: String) {
    let port = await gateway.built.adminPort()
    let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
  }
}

/// What the helpers that set a test up through the gateway need: where it
/// listens, the CA that signed it, and an operator key. In-process stacks
/// and stacks of real processes both are one.
protocol GatewayFixture: Sendable {
  var gatewayEndpoint: ServiceAddress { get }
  var caFile: String { get }
  var operatorKey: String { get }
}

extension Stack: GatewayFixture {
  var gatewayEndpoint: ServiceAddress { gateway.endpoint }
  var caFile: String { pki.caFile }
}

extension GatewayFixture {
  /// Runs `body` with a client of the gateway's public TLS listener.
  func withGateway<T: Sendable>(_ body: (GatewayAPI) async throws -> T) async throws -> T {
    let transport = try makeGatewayTransport(endpoint: gatewayEndpoint, caFile: caFile)
    return try await withGRPCClient(transport: transport) { client in
      try await body(GatewayAPI(client: client))
    }
  }

  /// An organization created with the operator key, and a partner key for it.
  func makeOrganization(_ id: String = "org-" + UUID().uuidString.prefix(8).lowercased()) async throws -> (name: String, key: String) {
    let name = "organizations/\(id)"
    _ = try await withGateway { api in
      try await api.organizations.createOrganization(
        .with {
          $0.organizationID = id
          $0.organization = .with { $0.displayName = "Test organization \(id)" }
        }, metadata: bearer(operatorKey))
    }
    return (name, try await makeKey(organization: name))
  }

  /// A key made through `ApiKeyService` with the operator key, so that the
  /// gateway knows it at once.
  func makeKey(
    organization: String, scopes: Set<APIScope> = APIScope.partnerDefault,
    configure: (inout Groundswell_Gateway_V1_ApiKey) -> Void = { _ in }
  ) async throws -> String {
    try await withGateway { api in
      try await api.keys.createApiKey(
        .with {
          $0.apiKey = .with {
            $0.organization = organization
            $0.scopes = scopes.sorted().map(\.rawValue)
            $0.displayName = "test"
            configure(&$0)
          }
        }, metadata: bearer(operatorKey)
      ).secret
    }
  }

  /// A new organization with one open petition in one campaign, and a key
  /// of its own without a quota, so that load meets the code and not the
  /// quota.
  func makeUnlimitedPetition() async throws -> (organization: String, petition: String, campaign: String, key: String) {
    let (organization, partnerKey) = try await makeOrganization()
    let petition = try await makeOpenPetition(organization: organization, key: partnerKey)
    let campaign = try await makeCampaign(organization: organization, key: partnerKey, petitions: [petition])
    let key = try await makeKey(organization: organization) { $0.quota = .with { $0.unlimited = true } }
    return (organization, petition, campaign, key)
  }

  /// A campaign of `organization` holding `petitions`.
  func makeCampaign(organization: String, key: String, petitions: [String]) async throws -> String {
    try await withGateway { api in
      let campaign = try await api.campaigns.createCampaign(
        .with {
          $0.parent = organization
          $0.campaign = .with { $0.title = "Campaign for \(petitions.count) petitions" }
        }, metadata: bearer(key)
      ).campaign.name
      for petition in petitions {
        _ = try await api.campaigns.addCampaignPetition(
          .with {
            $0.campaign = campaign
            $0.petition = petition
          }, metadata: bearer(key))
      }
      return campaign
    }
  }

  /// An OPEN petition of `organization`.
  func makeOpenPetition(organization: String, key: String, title: String = "Free them all") async throws -> String {
    try await withGateway { api in
      let petition = try await api.petitions.createPetition(
        .with {
          $0.parent = organization
          $0.petition = .with {
            $0.title = title
            $0.targets = [.with {
              $0.displayName = "Pat Example"
              $0.office = "Governor"
              $0.jurisdiction = "US-CT"
            }]
          }
        }, metadata: bearer(key)
      ).petition
      _ = try await api.petitions.publishPetition(.with { $0.name = petition.name }, metadata: bearer(key))
      return petition.name
    }
  }
}

/// The typed clients of everything the gateway serves.
struct GatewayAPI: Sendable {
  let client: GRPCClient<HTTP2ClientTransport.Posix>
  var petitions: Groundswell_Petition_V1_PetitionService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var campaigns: Groundswell_Campaign_V1_CampaignService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var organizations: Groundswell_Campaign_V1_OrganizationService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var supporters: Groundswell_Supporter_V1_SupporterService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var totals: Groundswell_Gateway_V1_GatewayService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var health: Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var keys: Groundswell_Gateway_V1_ApiKeyService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var audit: Groundswell_Gateway_V1_AuditService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
  var fraud: Groundswell_Petition_V1_PetitionFraudService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
}

/// One stack shared by the tests that do not stop services.
let sharedStack = Task { try await Stack.start() }

/// Calls `read` every 50 ms until `done` holds for what it returns, or
/// `timeout` passes; returns the last value read (the caller asserts on it).
func eventually<T: Sendable>(
  timeout: Duration = .seconds(10), _ read: () async throws -> T, until done: (T) -> Bool
) async throws -> T {
  let deadline = ContinuousClock.now + timeout
  var value = try await read()
  while !done(value) && ContinuousClock.now < deadline {
    try await Task.sleep(for: .milliseconds(50))
    value = try await read()
  }
  return value
}

/// `body`'s value, calling it again while it fails UNAVAILABLE (for up to
/// 10 s): a restarted backend is unreachable through the gateway until the
/// gateway has reconnected to it, and the gateway says to retry.
func whenReachable<T: Sendable>(_ body: () async throws -> T) async throws -> T {
  let deadline = ContinuousClock.now + .seconds(10)
  while true {
    do {
      return try await body()
    } catch let error as RPCError where error.code == .unavailable && ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(50))
    }
  }
}

/// A campaign's totals from the gateway's live view once `done` holds for
/// them (or after 10 s); a campaign the view has not heard of yet is retried.
func liveTotals(
  _ api: GatewayAPI, _ campaign: String, key: String, recentMinutes: Bool = false,
  until done: (Groundswell_Gateway_V1_CampaignTotals) -> Bool = { _ in true }
) async throws -> Groundswell_Gateway_V1_CampaignTotals {
  let read = { () async throws -> Groundswell_Gateway_V1_CampaignTotals? in
    do {
      return try await api.totals.getCampaignTotals(
        .with {
          $0.campaign = campaign
          $0.includeRecentMinutes = recentMinutes
        }, metadata: bearer(key)
      ).totals
    } catch let error as RPCError where error.code == .notFound || error.code == .unavailable {
      return nil
    }
  }
  let totals = try await eventually(read, until: { $0.map(done) ?? false })
  guard let totals else { throw RPCError(code: .notFound, message: "\(campaign) never reached the gateway's view") }
  return totals
}

/// Runs `body` and returns the RPC error it throws (nil when it succeeds).
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
  do {
    try await body()
    return nil
  } catch let error as RPCError {
    return error
  } catch {
    return RPCError(code: .unknown, message: "not an RPCError: \(error)")
  }
}

/// The fields an INVALID_ARGUMENT error names in its BadRequest details.
func badFields(_ error: RPCError?) -> Set<String> {
  let violations = (try? error?.unpackGoogleRPCStatus()?.details.compactMap(\.badRequest).flatMap(\.violations)) ?? []
  return Set(violations.map(\.field))
}

/// A sign request for `petition` by a signer with these details.
func signRequest(
  _ petition: String, email: String, given: String = "Ana", family: String = "Rivera", country: String = "",
  postal: String = "", _ change: (inout Groundswell_Petition_V1_SignPetitionRequest) -> Void = { _ in }
) -> Groundswell_Petition_V1_SignPetitionRequest {
  var request = Groundswell_Petition_V1_SignPetitionRequest.with {
    $0.petition = petition
    $0.signer = .with {
      $0.email = email
      $0.givenName = given
      $0.familyName = family
      $0.country = country
      $0.postalCode = postal
    }
  }
  change(&request)
  return request
}

private let drawnPorts = Mutex<Set<Int>>([])

/// A loopback port no one listens on now, for a service whose address
/// another must know before it starts. It is drawn below Linux's ephemeral
/// range (32768 and up), where every other listener of the suites gets its
/// port, so only another draw could take it first — and no draw of this
/// process hands out a port twice (two stacks starting at once drew the
/// same one, and the second could not bind it).
func freePort() throws -> Int {
  for _ in 0..<100 {
    let port = Int.random(in: 20_000..<30_000)
    guard drawnPorts.withLock({ $0.insert(port).inserted }) else { continue }
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    if bound { return port }
  }
  throw POSIXError(.EADDRINUSE)
}

/// With `GROUNDSWELL_TEST_LOG=path` (scripts/test.sh sets it), every stack's
/// services log at debug level into that file, which the script then scans
/// for personal data.
final class ServiceLog: LogHandler, Sendable {
  static let shared: ServiceLog? = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_LOG"].flatMap(ServiceLog.init)

  private let handle: Mutex<FileHandle>

  init?(path: String) {
    FileManager.default.createFile(atPath: path, contents: nil)
    guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
    handle.seekToEndOfFile()
    self.handle = Mutex(handle)
  }

  var logLevel: Logger.Level {
    get { .debug }
    set {}
  }
  var metadata: Logger.Metadata {
    get { [:] }
    set {}
  }
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { nil }
    set {}
  }

  func log(event: LogEvent) {
    let line = "\(event.level) \(event.source) \(event.message) \(event.metadata ?? [:])\n"
    handle.withLock { $0.write(Data(line.utf8)) }
  }
}

struct StackError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
