import CampaignService
import Crypto
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging
import PetitionService
import SupporterService

/// Every handler of petition-, supporter- and campaign-service behind one
/// in-process gRPC server, over throwaway SQLite files, with fakes where a
/// service would call another. `call(_:)` sends arbitrary bytes as the
/// request message of a method chosen by the input's first byte, as a
/// caller chosen by its second, and checks the answer.
public final class HandlerHarness: Sendable {
  /// The statuses a handler may answer; anything else is a defect.
  public static let documented: Set<RPCError.Code> = [
    .invalidArgument, .notFound, .failedPrecondition, .permissionDenied, .alreadyExists, .resourceExhausted,
    .outOfRange, .unauthenticated, .deadlineExceeded, .cancelled,
  ]

  /// The methods, in a fixed order (the first input byte picks one).
  public let methods: [MethodDescriptor]
  let client: GRPCClient<InProcessTransport.Client>
  let server: GRPCServer<InProcessTransport.Server>
  let tasks: [Task<Void, any Error>]
  public let directory: String

  public init() throws {
    directory = NSTemporaryDirectory() + "groundswell-fuzz-" + UUID().uuidString
    let supporters = try SQLiteSupporterRepository(directory: directory + "/supporter")
    let petitions = try SQLitePetitionRepository(directory: directory + "/petition")
    let campaigns = try SQLiteCampaignStore(directory: directory + "/campaign")
    let petitionChanges = PetitionChanges()
    let campaignChanges = CampaignChanges()
    let services: [any RegistrableRPCService] = [
      SupporterHandlers(
        repository: supporters, keeper: LocalKeeper(petitions: petitions),
        erasures: Erasures(repository: supporters, keeper: LocalKeeper(petitions: petitions), logger: Logger(label: "fuzz"))),
      SupporterResolverHandlers(repository: supporters),
      SupporterStatsHandlers(repository: supporters),
      PetitionStatsHandlers(repository: petitions),
      PetitionHandlers(
        repository: petitions, resolver: FixedResolver(), changes: petitionChanges,
        secret: DeploymentSecret(key: SymmetricKey(size: .bits256))),
      PetitionFraudHandlers(
        repository: petitions, changes: petitionChanges, secret: DeploymentSecret(key: SymmetricKey(size: .bits256))),
      PetitionPrivacyHandlers(repository: petitions, changes: petitionChanges, logger: Logger(label: "fuzz")),
      PetitionFeedHandlers(repository: petitions, changes: petitionChanges),
      OrganizationHandlers(repository: campaigns, stats: NoStats()),
      CampaignHandlers(
        repository: PublishingCampaignRepository(campaigns, changes: campaignChanges), organizations: campaigns,
        petitions: AnyPetition(), secret: DeploymentSecret(key: SymmetricKey(size: .bits256))),
    ]
    var methods: [MethodDescriptor] = []
    methods += Groundswell_Supporter_V1_SupporterService.Method.descriptors
    methods += Groundswell_Supporter_V1_SupporterResolverService.Method.descriptors
    methods += Groundswell_Petition_V1_PetitionService.Method.descriptors
    methods += Groundswell_Petition_V1_PetitionFeedService.Method.descriptors
    methods += Groundswell_Campaign_V1_OrganizationService.Method.descriptors
    methods += Groundswell_Campaign_V1_CampaignService.Method.descriptors
    methods += Groundswell_Petition_V1_PetitionPrivacyService.Method.descriptors
    methods += Groundswell_Petition_V1_PetitionFraudService.Method.descriptors
    self.methods = methods
    let transport = InProcessTransport()
    server = GRPCServer(transport: transport.server, services: services, interceptors: [CallerInterceptor()])
    client = GRPCClient(transport: transport.client)
    tasks = [Task { [server] in try await server.serve() }, Task { [client] in try await client.runConnections() }]
  }

  /// Sends one input; returns the status, or throws `Defect` for an answer
  /// no client is promised.
  @discardableResult
  public func call(_ input: [UInt8]) async throws -> RPCError.Code? {
    guard input.count >= 2 else { return nil }
    let method = methods[Int(input[0]) % methods.count]
    let caller = Caller.allCases[Int(input[1]) % Caller.allCases.count]
    var options = CallOptions.defaults
    // Long enough for any short call; watches end here.
    options.timeout = .milliseconds(200)
    do {
      try await client.bidirectionalStreaming(
        request: StreamingClientRequest<[UInt8]>(metadata: ["x-fuzz-caller": .string(caller.rawValue)]) { writer in
          try await writer.write(Array(input.dropFirst(2)))
        },
        descriptor: method, serializer: RawMessage(), deserializer: RawMessage(), options: options
      ) { response in
        for try await _ in response.messages {}
      }
      return nil
    } catch let error as RPCError {
      guard Self.documented.contains(error.code) else {
        throw Defect(method: method.fullyQualifiedMethod, caller: caller, code: error.code, message: error.message)
      }
      return error.code
    }
  }

  public func stop() async {
    client.beginGracefulShutdown()
    server.beginGracefulShutdown()
    for task in tasks { _ = await task.result }
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// An answer outside `documented`.
  public struct Defect: Error, CustomStringConvertible {
    public var method: String
    public var caller: Caller
    public var code: RPCError.Code
    public var message: String
    public var description: String { "\(method) as \(caller.rawValue) answered \(code): \(message)" }
  }

  /// Who the fuzzed call comes from.
  public enum Caller: String, CaseIterable, Sendable {
    case partner, otherPartner, operatorKey, gatewayWithoutKey, petitionService
  }
}

/// Binds the caller the input chose, as the runtime's identity interceptor would.
struct CallerInterceptor: ServerInterceptor {
  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let caller = request.metadata[stringValues: "x-fuzz-caller"].first(where: { _ in true })
      .flatMap(HandlerHarness.Caller.init(rawValue:)) ?? .partner
    let call: CallContext = switch caller {
    case .partner: CallContext(peerService: ServiceName.gateway, organization: "organizations/fuzz-a")
    case .otherPartner: CallContext(peerService: ServiceName.gateway, organization: "organizations/fuzz-b")
    case .operatorKey: CallContext(peerService: ServiceName.gateway, isOperator: true)
    case .gatewayWithoutKey: CallContext(peerService: ServiceName.gateway)
    case .petitionService: CallContext(peerService: ServiceName.petition)
    }
    return try await CallContext.$current.withValue(call) { try await next(request, context) }
  }
}

struct FixedResolver: SupporterResolver {
  func resolve(_ signer: SignerDetails) async throws -> String {
    "supporters/" + (Email.canonical(signer.email).map { String($0.utf8.count) } ?? "x") + "fuzz"
  }

  func resolveMany(_ signers: [SignerDetails]) async throws -> [Result<String, SignerRefused>] {
    var resolved: [Result<String, SignerRefused>] = []
    for signer in signers { resolved.append(.success(try await resolve(signer))) }
    return resolved
  }

  func identifiers(of supporters: [String], organization: String) async throws -> [String: [String]] { [:] }
}

/// A supporter's signatures straight from petition-service's repository.
struct LocalKeeper: SignatureKeeper {
  let petitions: SQLitePetitionRepository

  func signatures(
    of supporter: String, organization: String?,
    _ page: @escaping @Sendable ([Groundswell_Petition_V1_SignatureOfSupporter]) async throws -> Void
  ) async throws -> Int {
    let (signatures, _) = try await petitions.signaturesOfSupporter(supporter, organization: organization, before: 0, limit: 100)
    try await page(signatures.map { item in .with { $0.petitionTitle = item.petitionTitle } })
    return signatures.count
  }

  func anonymize(_ supporter: String, organization: String?) async throws -> Int64 {
    Int64(try await petitions.anonymize(supporter: supporter, organization: organization, now: Date()).count)
  }
}

struct NoStats: OrganizationStats {
  func figures(for organizations: [String]) async throws -> [OrganizationFigures] {
    organizations.map { _ in OrganizationFigures(supporterCount: 0, petitionsStarted: 0) }
  }
}

struct AnyPetition: PetitionDirectory {
  func petition(named name: String) async throws -> PetitionSummary? {
    PetitionSummary(organization: "organizations/fuzz-a", isDraft: false)
  }
}
