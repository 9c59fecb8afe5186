import GRPCCore
import GroundswellRuntime
import GroundswellModel
import Logging

/// The first check on the public listener: the caller must present a valid
/// API key as `authorization: Bearer <key>`, and the key must carry the scope
/// the method's `groundswell.api.v1.access` declaration names. Nothing
/// reaches a backend or a handler otherwise. The key's grant is bound to
/// `CallContext.current`.
public struct APIKeyInterceptor: ServerInterceptor {
  let keys: APIKeyCache
  let quotas: QuotaBuckets
  let declarations: AccessDeclarations
  let logger: Logger

  /// Services of the edge that any valid key may call, whatever its
  /// scopes: server reflection, which describes the public API and nothing
  /// of any organization. (Every Groundswell method declares its scope in
  /// proto/; these are gRPC's own.)
  public static let keyOnlyServices: Set<ServiceDescriptor> = Set(ReflectionService.services)

  public init(keys: APIKeyCache, quotas: QuotaBuckets, declarations: AccessDeclarations = .generated, logger: Logger) {
    self.keys = keys
    self.quotas = quotas
    self.declarations = declarations
    self.logger = logger
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let grant = try authenticate(request.metadata, method: context.descriptor)
    let scope: APIScope?
    if Self.keyOnlyServices.contains(context.descriptor.service) {
      scope = nil
    } else if let method = declarations.method(context.descriptor), method.isPublic, let declared = method.scope {
      scope = declared
    } else {
      throw RPCError(code: .unimplemented, message: "\(context.descriptor.method) is not a public method of Groundswell.")
    }
    if let scope, !grant.scopes.contains(scope) {
      throw RPCError(
        code: .permissionDenied,
        message: "\(context.descriptor.method) needs an API key with the `\(scope.rawValue)` scope; this key has \(grant.scopes.isEmpty ? "none" : APIScope.list(grant.scopes)).")
    }
    if let wait = quotas.take(key: grant.keyID, quota: grant.quota) {
      throw DomainError.overQuota(
        "This API key is over its quota of calls; retry after the delay in the RetryInfo detail.",
        retryAfterMilliseconds: max(1, Int((wait.seconds * 1000).rounded(.up))))
    }
    let call = CallContext(
      peerService: nil, organization: grant.organization, isOperator: grant.isOperator,
      deadline: IdentityMetadata.deadline(from: request.metadata), keyID: grant.keyID,
      scopes: grant.scopes)
    CallNote.noteCaller(grant.isOperator ? "operator key \(grant.keyID)" : "\(grant.organization ?? "?") key \(grant.keyID)")
    return try await CallContext.$current.withValue(call) {
      try await next(request, context)
    }
  }

  /// The grant of the call's API key; UNAUTHENTICATED without a valid one.
  func authenticate(_ metadata: Metadata, method: MethodDescriptor) throws(RPCError) -> APIKeyGrant {
    guard let header = metadata[stringValues: "authorization"].first(where: { _ in true }) else {
      throw RPCError(code: .unauthenticated, message: "Send your API key in the `authorization: Bearer <key>` header.")
    }
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else {
      throw RPCError(code: .unauthenticated, message: "The authorization header must be `Bearer <key>`.")
    }
    switch keys.lookup(secret: String(parts[1]).trimmingWhitespace()) {
    case .valid(let grant):
      return grant
    case .unknown:
      logger.notice("refused an unknown API key", metadata: ["method": "\(Echo.prefix(method.fullyQualifiedMethod))"])
      throw RPCError(code: .unauthenticated, message: "The API key is not valid.")
    case .expired:
      throw RPCError(code: .unauthenticated, message: "The API key has expired; ask for a new one.")
    case .revoked:
      throw RPCError(code: .unauthenticated, message: "The API key was revoked; ask for a new one.")
    }
  }

  /// The answer to a method the gateway does not serve: UNAUTHENTICATED
  /// without a valid key, exactly as for a method it does serve, so that
  /// method paths cannot be probed without one; UNIMPLEMENTED with one.
  public func refuseUnknown(_ metadata: Metadata, method: MethodDescriptor) async -> Status {
    do {
      _ = try authenticate(metadata, method: method)
      return Status(
        code: .unimplemented,
        message: "`\(Echo.prefix(method.fullyQualifiedMethod))` is not a public method of Groundswell; see proto/ for the API.")
    } catch {
      return Status(code: Status.Code(error.code), message: error.message)
    }
  }
}
