import GRPCCore
import GroundswellRuntime
import Logging

/// The first check on the public listener: the caller must present a valid
/// API key as `authorization: Bearer <key>`. Nothing reaches a backend or a
/// handler otherwise. The key's grant is bound to `CallContext.current`.
public struct APIKeyInterceptor: ServerInterceptor {
  let keys: any APIKeyRepository
  let logger: Logger

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    guard let header = request.metadata[stringValues: "authorization"].first(where: { _ in true }) else {
      throw RPCError(code: .unauthenticated, message: "Send your API key in the `authorization: Bearer <key>` header.")
    }
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else {
      throw RPCError(code: .unauthenticated, message: "The authorization header must be `Bearer <key>`.")
    }
    guard let grant = try await keys.grant(forKey: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
      logger.notice("refused an unknown API key", metadata: ["method": "\(context.descriptor)", "peer": "\(context.remotePeer)"])
      throw RPCError(code: .unauthenticated, message: "The API key is not valid.")
    }
    let call = CallContext(
      peerService: nil, organization: grant.organization, isOperator: grant.isOperator,
      deadline: IdentityMetadata.deadline(from: request.metadata), keyID: grant.keyID)
    return try await CallContext.$current.withValue(call) {
      try await next(request, context)
    }
  }
}
