import GRPCCore
import Logging
import Prometheus

/// The interceptors of every server, in one order:
///
/// 1. `ServerTracingInterceptor` — the span, so everything after is in it;
/// 2. `RPCMetricsInterceptor` — counts every call, refusals included;
/// 3. `RequestLogInterceptor` — the log line, the request id, and INTERNAL
///    for unexpected errors (so the metrics see INTERNAL, not UNKNOWN);
/// 4. `DrainGate` — counts running calls; refuses new ones once shutdown
///    begins (after the log, so a refusal is logged and counted);
/// 5. the service's authentication and identity (API keys on the gateway,
///    client certificates on the internal services), then anything that
///    needs the caller (the gateway's audit);
/// 6. the handler.
public enum ServerPipeline {
  public static func interceptors(
    registry: PrometheusCollectorRegistry, logger: Logger, drain: DrainGate = DrainGate(), identity: [any ServerInterceptor]
  ) -> [any ServerInterceptor] {
    [ServerTracingInterceptor(), RPCMetricsInterceptor(registry: registry), RequestLogInterceptor(logger: logger), drain]
      + identity
  }
}
