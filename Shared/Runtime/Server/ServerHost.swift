import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// One gRPC server of a service, with its health status, run as a
/// `ServiceLifecycle.Service`. On graceful shutdown health goes NOT_SERVING,
/// long-lived streams are ended (`onShutdown`), new calls are refused with
/// UNAVAILABLE, and the calls already running get up to `shutdownGrace` to
/// finish; then the listener closes and the server stops.
public final class ServerHost: Service, Sendable {
  public let server: GRPCServer<UnknownMethodGate<HTTP2ServerTransport.Posix>>
  private let transport: HTTP2ServerTransport.Posix
  public let health: HealthStatus
  public let endpoint: ServiceAddress
  /// The connections the server holds open now.
  public let connections: ConnectionCounter
  private let logger: Logger
  private let drain = DrainGate()
  private let shutdownGrace: Duration
  private let onShutdown: @Sendable () -> Void

  /// - Parameters:
  ///   - services: the handlers; health is added here.
  ///   - identity: the service's authentication and identity interceptors;
  ///     `ServerPipeline` puts tracing, metrics and the request log before
  ///     them. Applied to every method but health's.
  ///   - registry: where the RPC metrics go.
  ///   - shutdownGrace: how long running calls may take to finish once
  ///     shutdown begins; what still runs after it is cut.
  ///   - onShutdown: ends long-lived streams when graceful shutdown begins.
  ///   - unknownMethod: the answer to a call of a method the server does not
  ///     have; nil for the usual UNIMPLEMENTED.
  public init(
    endpoint: ServiceAddress,
    security: HTTP2ServerTransport.Posix.TransportSecurity,
    services: [any RegistrableRPCService],
    serviceNames: [String],
    identity: [any ServerInterceptor],
    registry: PrometheusCollectorRegistry,
    limits: ConnectionLimits = .internalListener,
    logger: Logger,
    shutdownGrace: Duration = .seconds(10),
    onShutdown: @escaping @Sendable () -> Void = {},
    unknownMethod: UnknownMethodGate<HTTP2ServerTransport.Posix>.Refusal? = nil
  ) {
    let health = HealthStatus(services: serviceNames)
    let connections = ConnectionCounter()
    let transport = HTTP2ServerTransport.Posix(
      address: .ipv4(host: endpoint.host, port: endpoint.port),
      transportSecurity: security,
      config: .defaults { config in
        config.http2.maxConcurrentStreams = limits.streamsPerConnection
        // Up to twice the limit the transport reads the message, so a
        // handler can refuse it with RESOURCE_EXHAUSTED; beyond, it resets.
        config.rpc.maxRequestPayloadSize = limits.maximumMessageBytes * 2
        config.connection.maxIdleTime = limits.idleTimeout
        config.connection.maxAge = .seconds(60 * 60)
        config.connection.maxGraceTime = .seconds(30)
        // A peer that vanished without closing its TCP connection is found
        // by a ping after a minute of silence, and its streams are released.
        config.connection.keepalive.time = .seconds(60)
        config.connection.keepalive.timeout = .seconds(20)
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in
          ConnectionGuard.install(on: channel, counter: connections, limits: limits)
        }
      }
    )
    self.connections = connections
    let healthService = HealthService(status: health)
    self.transport = transport
    self.server = GRPCServer(
      transport: UnknownMethodGate(transport, refusal: unknownMethod),
      services: services + [healthService],
      interceptorPipeline: ServerPipeline.interceptors(registry: registry, logger: logger, drain: drain, identity: identity).map {
        .apply($0, to: .allExcluding(services: [Grpc_Health_V1_Health.descriptor], methods: []))
      }
    )
    self.health = health
    self.endpoint = endpoint
    self.logger = logger
    self.onShutdown = onShutdown
    self.shutdownGrace = shutdownGrace
  }

  /// The port the server listens on, once it does (useful with port 0).
  public func listeningPort() async throws -> Int {
    guard let address = try await transport.listeningAddress.ipv4 else {
      throw StartupError("the server has no IPv4 listening address")
    }
    return address.port
  }

  public func run() async throws {
    Task { [logger, endpoint, transport] in
      if let port = try? await transport.listeningAddress.ipv4?.port {
        logger.info("listening", metadata: ["address": "\(endpoint.host):\(port)"])
      }
    }
    do {
      try await withGracefulShutdownHandler {
        try await server.serve()
      } onGracefulShutdown: { [health, server, logger, onShutdown, drain, shutdownGrace] in
        logger.info(
          "shutting down: health NOT_SERVING, refusing new calls, finishing running ones",
          metadata: ["running": "\(drain.running)", "grace_s": "\(shutdownGrace.components.seconds)"])
        health.beginShutdown()
        drain.close()
        onShutdown()
        Task {
          let left = await drain.drained(within: shutdownGrace)
          if left > 0 {
            logger.warning("the shutdown grace period is over; cutting the calls still running", metadata: ["running": "\(left)"])
          }
          server.beginGracefulShutdown()
        }
      }
    } catch {
      throw StartupError("cannot serve on \(endpoint): \(rootCause(of: error))")
    }
  }
}

/// The innermost cause of a gRPC runtime error, which is what an operator
/// needs to read ("Address already in use", a TLS alert, …).
public func rootCause(of error: any Error) -> String {
  var current: any Error = error
  while true {
    if let runtime = current as? RuntimeError, let cause = runtime.cause {
      current = cause
    } else if let rpc = current as? RPCError, let cause = rpc.cause {
      current = cause
    } else if let io = current as? IOError {
      return String(cString: strerror(io.errnoCode)).lowercased()
    } else {
      return String(describing: current)
    }
  }
}
