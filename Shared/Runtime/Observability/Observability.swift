import Foundation
import Logging
import Metrics
import OTel
import Prometheus
import ServiceLifecycle
import Tracing

/// What every service's composition root needs for metrics and its admin
/// listener. Each process has its own registry (tests run several stacks in
/// one process); an executable also bootstraps swift-metrics onto it, so the
/// storage layer's timers land on the same `/metrics`.
public struct ObservabilityConfig: Sendable {
  /// The plain-HTTP admin listener (`/metrics`, and the gateway's
  /// dashboard); port 0 picks one.
  public var adminListen: ServiceAddress
  public var adminAccess: AdminAccess
  public var registry: PrometheusCollectorRegistry
  /// How long running calls may take to finish once shutdown begins.
  public var shutdownGrace: Duration

  public init(
    adminListen: ServiceAddress = ServiceAddress(host: "127.0.0.1", port: 0), adminAccess: AdminAccess = .open,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), shutdownGrace: Duration = .seconds(10)
  ) {
    self.shutdownGrace = shutdownGrace
    self.adminListen = adminListen
    self.adminAccess = adminAccess
    self.registry = registry
  }

  /// The admin listener of a service with nothing to add to `/metrics`.
  public func adminListener(serverName: String, health: HealthStatus, logger: Logger) -> AdminListener {
    AdminListener(
      listen: adminListen, serverName: serverName, registry: registry, access: adminAccess, health: health, logger: logger)
  }
}

/// The process-wide parts, bootstrapped once by `ServiceMain`.
public enum Telemetry {
  /// Bootstraps swift-metrics onto `registry`, and the tracer: swift-otel's,
  /// whose W3C propagation and trace ids are always on; spans are exported
  /// over OTLP/gRPC only when the standard variables ask for it
  /// (`OTEL_TRACES_EXPORTER=otlp`, or an `OTEL_EXPORTER_OTLP_ENDPOINT` /
  /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and never when
  /// `OTEL_SDK_DISABLED=true`. Returns the exporter's background service.
  public static func bootstrap(
    service: String, registry: PrometheusCollectorRegistry, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> any Service {
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    var configuration = OTel.Configuration.default
    configuration.serviceName = service
    configuration.logs.enabled = false
    configuration.metrics.enabled = false
    configuration.traces.otlpExporter.protocol = .grpc
    let wantsExport =
      environment["OTEL_TRACES_EXPORTER"] != nil || environment["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil
      || environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil
    configuration.traces.exporter = wantsExport ? .otlp : .none
    if !wantsExport {
      // Nothing would read the spans: trace ids are still made and passed
      // on (request logs, partners' `traceparent`), but no span is
      // recorded. Recording them for a no-op exporter cost every call an
      // allocation-heavy trip through the batch processor, and its queue
      // overflowed under load. Not `.alwaysOff`: swift-otel's fast path
      // for it makes no trace ids at all.
      configuration.traces.sampler = .traceIDRatio(ratio: 0)!
    }
    if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return Idle() }
    let backend = try OTel.makeTracingBackend(configuration: configuration)
    InstrumentationSystem.bootstrap(backend.factory)
    return backend.service
  }

  /// Runs until shutdown, doing nothing: the tracer's place when tracing
  /// is disabled.
  struct Idle: Service {
    func run() async throws { try await gracefulShutdown() }
  }
}
