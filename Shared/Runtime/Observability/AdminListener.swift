import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Who may read a service's admin listener.
public struct AdminAccess: Sendable {
  /// Host names (besides IP literals and `localhost`) that requests may name
  /// in `Host`: a request naming any other is refused, so a web page cannot
  /// reach the listener through a name that resolves to it (DNS rebinding).
  public var allowedHosts: Set<String>
  /// When set, every request must carry `Authorization: Bearer <token>`.
  public var bearerToken: String?

  public init(allowedHosts: Set<String> = [], bearerToken: String? = nil) {
    self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    self.bearerToken = bearerToken
  }

  public static let open = AdminAccess()

  /// Whether `host` (a `Host` header, with or without a port) is admitted.
  public func admits(host: String?) -> Bool {
    guard var name = host?.lowercased(), !name.isEmpty, name.utf8.count <= 255 else { return false }
    if name.hasPrefix("[") {  // [IPv6]:port
      return name.contains("]")
    }
    if let colon = name.lastIndex(of: ":") { name = String(name[..<colon]) }
    if name == "localhost" || allowedHosts.contains(name) { return true }
    return name.split(separator: ".").count == 4 && name.split(separator: ".").allSatisfy { UInt8($0) != nil }
  }

  /// Whether `authorization` carries the bearer token (compared in
  /// constant time), or no token is required.
  public func admits(authorization: String?) -> Bool {
    guard let bearerToken else { return true }
    guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
    let offered = SHA256.hash(data: Data(authorization.dropFirst(7).utf8))
    let expected = SHA256.hash(data: Data(bearerToken.utf8))
    return offered.withUnsafeBytes { a in expected.withUnsafeBytes { b in
      zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    } }
  }
}

struct AdminAccessMiddleware<Context: RequestContext>: RouterMiddleware {
  let access: AdminAccess

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    guard access.admits(host: request.head.authority) else {
      return Response(status: .misdirectedRequest, body: .init(byteBuffer: ByteBuffer(string: "Host not served here.\n")))
    }
    guard access.admits(authorization: request.headers[.authorization]) else {
      return Response(
        status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
        body: .init(byteBuffer: ByteBuffer(string: "A bearer token is required.\n")))
    }
    return try await next(request, context)
  }
}

/// A service's plain-HTTP admin listener: `/metrics` for Prometheus (the
/// service's registry, then whatever `extraMetrics` renders at scrape
/// time); `/livez` and `/readyz`, the gRPC health status as HTTP 200 or 503
/// for probes that cannot speak TLS (the kubelet's gRPC probe cannot);
/// plus any routes the service adds (the gateway's dashboard). It is for a
/// private network: it checks `Host`, and can require a bearer token.
public struct AdminListener: Service {
  let application: Application<RouterResponder<BasicRequestContext>>
  public let port: PortPromise

  public init(
    listen: ServiceAddress, serverName: String, registry: PrometheusCollectorRegistry, access: AdminAccess,
    health: HealthStatus,
    extraMetrics: @escaping @Sendable () -> String = { "" },
    routes: (Router<BasicRequestContext>) -> Void = { _ in },
    logger: Logger
  ) {
    let router = Router()
    router.add(middleware: AdminAccessMiddleware(access: access))
    router.get("metrics") { _, _ -> Response in
      Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: registry.emitToString() + extraMetrics())))
    }
    @Sendable func probe(_ service: String) -> Response {
      let status = health.status(of: service)
      let body = status == .serving ? "SERVING\n" : "NOT_SERVING: \(health.holds.sorted().joined(separator: ", "))\n"
      return Response(
        status: status == .serving ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    router.get("livez") { _, _ in probe(HealthStatus.liveness) }
    router.get("readyz") { _, _ in probe("") }
    routes(router)
    let port = PortPromise()
    self.port = port
    application = Application(
      router: router,
      configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "\(serverName)-admin"),
      onServerRunning: { channel in port.fulfil(channel.localAddress?.port ?? 0) },
      logger: logger)
  }

  public func run() async throws {
    try await application.run()
  }
}

/// The port a listener bound, once it has.
public final class PortPromise: Sendable {
  private let state = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

  public init() {}

  public func fulfil(_ port: Int) {
    let waiters = state.withLock { state in
      state.port = port
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: port) }
  }

  public func value() async -> Int {
    await withCheckedContinuation { continuation in
      let port = state.withLock { state in
        if state.port == nil { state.waiters.append(continuation) }
        return state.port
      }
      if let port { continuation.resume(returning: port) }
    }
  }
}
