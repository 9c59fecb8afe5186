import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellModel
import X509

/// The interceptor of every internal listener. It reads the caller's identity
/// from its client certificate (the common name, e.g. `gateway`), refuses
/// identity metadata from anyone but the gateway, admits only the peers each
/// method's `groundswell.api.v1.access` declaration names (the gateway for a
/// public method, plus its listed callers), and binds `CallContext.current`
/// for the handler. Any other certificate from the deployment's CA is
/// PERMISSION_DENIED.
public struct PeerIdentityInterceptor: ServerInterceptor {
  private let declarations: AccessDeclarations

  public init(declarations: AccessDeclarations = .generated) {
    self.declarations = declarations
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    guard let peer = Self.peerName(context) else {
      throw RPCError(code: .unauthenticated, message: "A client certificate from the deployment's CA is required.")
    }
    guard declarations.admits(peer: peer, to: context.descriptor) else {
      throw RPCError(
        code: .permissionDenied,
        message: "The certificate `\(Echo.prefix(peer))` may not call \(context.descriptor.method) on this service.")
    }
    let organization = request.metadata[stringValues: IdentityMetadata.organization].first(where: { _ in true })
    let role = request.metadata[stringValues: IdentityMetadata.role].first(where: { _ in true })
    if (organization != nil || role != nil) && peer != ServiceName.gateway {
      throw RPCError(code: .permissionDenied, message: "Only the gateway may pass caller identity; \(peer) may not.")
    }
    let call = CallContext(
      peerService: peer,
      organization: organization,
      isOperator: role == IdentityMetadata.operatorRole,
      deadline: IdentityMetadata.deadline(from: request.metadata)
    )
    CallNote.noteCaller(call.logName)
    let response = try await CallContext.$current.withValue(call) {
      try await next(request, context)
    }
    // A streamed response is produced after `next` returns, outside the
    // binding above: bind it again around the producer.
    return response.wrappingBody { produce in try await CallContext.$current.withValue(call) { try await produce() } }
  }

  /// The common name of the peer's certificate, or its first DNS name.
  static func peerName(_ context: ServerContext) -> String? {
    guard let certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate else {
      return nil
    }
    for rdn in certificate.subject {
      for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
        return String(describing: attribute.value)
      }
    }
    return nil
  }
}
