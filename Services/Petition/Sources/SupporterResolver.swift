import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// What petition-service tells supporter-service about a signer.
public struct SignerDetails: Sendable, Equatable {
  public var email: String
  public var givenName: String
  public var familyName: String
  public var postalCode: String = ""
  public var region: Region?
  /// The organization the signer gives their details to: the collecting
  /// organization, or the petition's when no organization's key collected.
  public var organization: String
  /// The petition's organization, when another organization collected.
  public var petitionOrganization: String? = nil
  /// The organization the signer opted in to, if they did.
  public var optInOrganization: String?
  public var optInSource: String = ""
  /// `organization`'s own identifiers for the person, to attach.
  public var identifiers: [String] = []
}

/// Turns a signer into a supporter name; supporter-service does it in
/// production, tests may substitute their own.
public protocol SupporterResolver: Sendable {
  func resolve(_ signer: SignerDetails) async throws -> String
  /// Resolves up to 1,000 signers at once, in order: a supporter name each,
  /// or why that signer was refused.
  func resolveMany(_ signers: [SignerDetails]) async throws -> [Result<String, SignerRefused>]
  /// `organization`'s own identifiers of up to 1,000 supporters (names),
  /// for those that have any.
  func identifiers(of supporters: [String], organization: String) async throws -> [String: [String]]
}

/// Why supporter-service refused one signer of a batch.
public struct SignerRefused: Error, Equatable, Sendable {
  public var message: String
  /// One of the signer's identifiers is another supporter's.
  public var identifierTaken = false

  public init(_ message: String, identifierTaken: Bool = false) {
    self.message = message
    self.identifierTaken = identifierTaken
  }

  /// The request field the refusal is about.
  public var field: String { identifierTaken ? "signer.identifiers" : "signer" }

  /// The error a single signature gets.
  var domainError: DomainError {
    identifierTaken
      ? .alreadyExists(message) : .invalidArgument([FieldViolation(field: field, description: message)])
  }
}

/// Resolves signers by calling supporter-service over mutual TLS. Signers
/// that arrive together go in one `ResolveSupporters` call (one round trip
/// and one transaction there for all of them); a batch call is given 5
/// seconds, the longest any caller's own resolve was given before.
public struct RemoteSupporterResolver: SupporterResolver {
  let client: Groundswell_Supporter_V1_SupporterResolverService.Client<HTTP2ClientTransport.Posix>
  let batcher: CallBatcher<SignerDetails, String>

  public init(client: GRPCClient<HTTP2ClientTransport.Posix>) {
    let client = Groundswell_Supporter_V1_SupporterResolverService.Client(wrapping: client)
    self.client = client
    batcher = CallBatcher(maximumBatch: Limits.signaturesPerBatch) { signers in
      try await Self.resolveMany(signers, client: client).map { result in
        result.mapError { $0.domainError as any Error }
      }
    }
  }

  public func resolve(_ signer: SignerDetails) async throws -> String {
    try await batcher.submit(signer)
  }

  public func resolveMany(_ signers: [SignerDetails]) async throws -> [Result<String, SignerRefused>] {
    try await Self.resolveMany(signers, client: client)
  }

  public func identifiers(of supporters: [String], organization: String) async throws -> [String: [String]] {
    let response = try await callingBackend(ServiceName.supporter, consequence: "the events could not carry identifiers.") {
      try await client.listIdentifiers(
        .with {
          $0.organization = organization
          $0.supporters = supporters
        }, options: CallContext.current.callOptions())
    }
    return Dictionary(response.supporters.map { ($0.supporter, $0.identifiers) }, uniquingKeysWith: { first, _ in first })
  }

  static func resolveMany(
    _ signers: [SignerDetails], client: Groundswell_Supporter_V1_SupporterResolverService.Client<HTTP2ClientTransport.Posix>
  ) async throws -> [Result<String, SignerRefused>] {
    let request = Groundswell_Supporter_V1_ResolveSupportersRequest.with { $0.signers = signers.map(Self.request) }
    let results = try await callingBackend(ServiceName.supporter, consequence: "no signature was recorded.") {
      try await client.resolveSupporters(request, options: CallContext.current.callOptions()).results
    }
    guard results.count == signers.count else {
      throw RPCError(code: .internalError, message: "supporter-service answered \(results.count) of \(signers.count) signers.")
    }
    return results.map {
      $0.error.isEmpty ? .success($0.supporter) : .failure(SignerRefused($0.error, identifierTaken: $0.identifierTaken))
    }
  }

  static func request(_ signer: SignerDetails) -> Groundswell_Supporter_V1_ResolveSupporterRequest {
    .with {
      $0.email = signer.email
      $0.givenName = signer.givenName
      $0.familyName = signer.familyName
      $0.organization = signer.organization
      $0.postalCode = signer.postalCode
      $0.country = signer.region?.country ?? ""
      $0.region = signer.region?.subdivision ?? ""
      $0.optInOrganization = signer.optInOrganization ?? ""
      $0.optInSource = signer.optInSource
      $0.petitionOrganization = signer.petitionOrganization ?? ""
      $0.identifiers = signer.identifiers
    }
  }
}
