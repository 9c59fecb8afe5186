import Foundation
import GroundswellRuntime
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The gateway's plain-HTTP admin listener: `/metrics` for Prometheus, and a
/// read-only live dashboard at `/dashboard`. It serves figures anyone with
/// the dashboard may see, so bind it to loopback or a private network.
struct AdminServer: Service {
  let application: Application<RouterResponder<BasicRequestContext>>
  let port: PortPromise

  init(listen: ServiceAddress, view: LiveView, updates: TotalsUpdates, registry: PrometheusCollectorRegistry, logger: Logger) {
    let router = Router()
    let metrics = TotalsMetrics(view: view, updates: updates, registry: registry)
    router.get("metrics") { _, _ -> Response in
      Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: metrics.render(now: Date()))))
    }
    router.get("dashboard") { _, _ -> Response in
      Response(
        status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
    }
    router.get("dashboard/data") { _, _ -> Response in
      let data = try DashboardData(view: view, now: Date()).encoded()
      return Response(
        status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    let port = PortPromise()
    self.port = port
    application = Application(
      router: router,
      configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "groundswell-gateway-admin"),
      onServerRunning: { channel in port.fulfil(channel.localAddress?.port ?? 0) },
      logger: logger)
  }

  func run() async throws {
    try await application.run()
  }
}

/// The port a listener bound, once it has.
final class PortPromise: Sendable {
  private let state = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

  func fulfil(_ port: Int) {
    let waiters = state.withLock { state in
      state.port = port
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: port) }
  }

  func value() async -> Int {
    await withCheckedContinuation { continuation in
      let port = state.withLock { state in
        if state.port == nil { state.waiters.append(continuation) }
        return state.port
      }
      if let port { continuation.resume(returning: port) }
    }
  }
}
