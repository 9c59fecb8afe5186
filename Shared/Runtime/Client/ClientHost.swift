import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// A gRPC client to another internal service over mutual TLS, run as a
/// `ServiceLifecycle.Service` so its connections live exactly as long as the
/// process's service group. Every call carries the current trace and
/// request id.
public final class ClientHost: Service, Sendable {
  public let client: GRPCClient<HTTP2ClientTransport.Posix>
  public let endpoint: ServiceAddress

  /// - Parameter serverName: the name the server's certificate must carry
  ///   (the service name, e.g. `petition-service`), so a client talks only to
  ///   the service it means to.
  public init(endpoint: ServiceAddress, serverName: String, security: HTTP2ClientTransport.Posix.TransportSecurity) throws {
    let transport = try HTTP2ClientTransport.Posix(
      target: endpoint.target,
      transportSecurity: security,
      config: .defaults { config in
        config.http2.authority = serverName
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(5), multiplier: 1.6, jitter: 0.2)
      }
    )
    self.client = GRPCClient(transport: transport, interceptors: [ClientPropagationInterceptor()])
    self.endpoint = endpoint
  }

  public func run() async throws {
    try await withGracefulShutdownHandler {
      try await client.runConnections()
    } onGracefulShutdown: { [client] in
      client.beginGracefulShutdown()
    }
  }
}
