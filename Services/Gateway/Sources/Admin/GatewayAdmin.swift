import Foundation
import GroundswellRuntime
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The gateway's admin listener: the shared `/metrics` with the live view's
/// totals added, and the read-only live dashboard at `/dashboard`.
enum GatewayAdmin {
  static func listener(
    listen: ServiceAddress, access: AdminAccess, health: HealthStatus, view: LiveView, updates: TotalsUpdates,
    registry: PrometheusCollectorRegistry, logger: Logger
  ) -> AdminListener {
    let totals = TotalsMetrics(view: view, updates: updates)
    return AdminListener(
      listen: listen, serverName: GatewayApp.name, registry: registry, access: access, health: health,
      extraMetrics: { totals.render(now: Date()) },
      routes: { router in
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
      },
      logger: logger)
  }
}
