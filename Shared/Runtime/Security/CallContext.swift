import GRPCCore
import GroundswellModel

/// Who is calling and by when they need the answer, bound by the server's
/// interceptor for the duration of a handler (a task-local, so handlers and the
/// clients they call read it without threading it through every signature).
public struct CallContext: Sendable {
  /// The service named by the caller's client certificate (`gateway`,
  /// `petition-service`, …); nil on the gateway's public listener.
  public var peerService: String?
  /// The organization the gateway authenticated, `organizations/{id}`, when
  /// the call came from a partner key.
  public var organization: String?
  /// True when the gateway authenticated an operator key.
  public var isOperator: Bool
  /// When the original caller stops waiting, if they set a deadline.
  public var deadline: ContinuousClock.Instant?
  /// The id of the API key that authenticated the call, on the gateway.
  public var keyID: String?
  /// The scopes of that key, on the gateway.
  public var scopes: Set<APIScope>

  public init(
    peerService: String? = nil, organization: String? = nil, isOperator: Bool = false,
    deadline: ContinuousClock.Instant? = nil, keyID: String? = nil, scopes: Set<APIScope> = []
  ) {
    self.keyID = keyID
    self.scopes = scopes
    self.peerService = peerService
    self.organization = organization
    self.isOperator = isOperator
    self.deadline = deadline
  }

  @TaskLocal public static var current = CallContext()

  /// How the request log names the caller: `gateway for organizations/…`,
  /// `gateway for operator`, or the peer alone.
  public var logName: String {
    let peer = peerService ?? "unknown"
    if let organization { return "\(peer) for \(organization)" }
    return isOperator ? "\(peer) for \(IdentityMetadata.operatorRole)" : peer
  }

  /// True for calls an internal service makes itself (not on a partner's
  /// behalf through the gateway) and for operator keys.
  public var isTrusted: Bool {
    isOperator || (peerService != nil && peerService != ServiceName.gateway)
  }

  /// Throws PERMISSION_DENIED unless the caller acts for `owner`
  /// (`organizations/{id}`) or is trusted.
  public func requireActing(for owner: String, _ action: OwnerAction) throws(DomainError) {
    if isTrusted || organization == owner { return }
    throw .permissionDenied(Refusal.notTheOwner(caller: organization, owner: owner, action: action))
  }

  /// The timeout for a call to another service: the caller's remaining time,
  /// never more than `limit`.
  public func timeout(limit: Duration = .seconds(5)) -> Duration {
    guard let deadline else { return limit }
    let remaining = deadline - .now
    return max(.milliseconds(1), min(remaining, limit))
  }

  /// Call options carrying `timeout(limit:)`.
  public func callOptions(limit: Duration = .seconds(5)) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = timeout(limit: limit)
    return options
  }
}

/// The metadata keys that carry the caller's identity from the gateway to the
/// internal services. Only a peer whose certificate names the gateway may set
/// them.
public enum IdentityMetadata {
  public static let organization = "x-groundswell-organization"
  public static let role = "x-groundswell-role"
  public static let operatorRole = "operator"

  /// The metadata that passes `call`'s caller on to an internal service.
  public static func forwarding(_ call: CallContext) -> Metadata {
    var metadata = Metadata()
    if let organization = call.organization { metadata.addString(organization, forKey: IdentityMetadata.organization) }
    if call.isOperator { metadata.addString(IdentityMetadata.operatorRole, forKey: IdentityMetadata.role) }
    return metadata
  }

  /// The deadline a request's `grpc-timeout` header sets, if any. The gRPC
  /// protocol allows at most 8 digits, so the arithmetic cannot overflow;
  /// anything else is ignored as no deadline.
  public static func deadline(from metadata: Metadata) -> ContinuousClock.Instant? {
    guard let value = metadata[stringValues: "grpc-timeout"].first(where: { _ in true }),
      let unit = value.last, (1...8).contains(value.utf8.count - 1),
      value.utf8.dropLast().allSatisfy({ $0 >= 48 && $0 <= 57 }), let amount = Int64(value.dropLast())
    else { return nil }
    let duration: Duration
    switch unit {
    case "H": duration = .seconds(amount * 3600)
    case "M": duration = .seconds(amount * 60)
    case "S": duration = .seconds(amount)
    case "m": duration = .milliseconds(amount)
    case "u": duration = .microseconds(amount)
    case "n": duration = .nanoseconds(amount)
    default: return nil
    }
    return .now + duration
  }
}
