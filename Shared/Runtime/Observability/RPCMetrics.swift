import GRPCCore
import Prometheus

/// Every server's RPC metrics: calls by method and status code, how long
/// they took, and how many are in flight. Label sets are bounded by the
/// methods the server serves and the 17 status codes.
public struct RPCMetricsInterceptor: ServerInterceptor {
  let registry: PrometheusCollectorRegistry

  static let buckets: [Duration] = [
    .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
    .seconds(2.5), .seconds(5), .seconds(10),
  ]

  static var handled: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "grpc", subsystem: "server", metricName: "handled", unitName: "total",
      helpText: "RPCs completed, by method and status code.")
  }
  static var handling: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "grpc", subsystem: "server", metricName: "handling", unitName: "seconds",
      helpText: "Time from a call's arrival to its status, by method (streams: until they end).")
  }

  static var inFlight: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "grpc", subsystem: "server", metricName: "in_flight", unitName: "calls",
      helpText: "Calls started and not yet ended (streams until their last message).")
  }

  /// The code's canonical name, as gRPC's documentation spells it
  /// (`INVALID_ARGUMENT`).
  public static func name(_ code: RPCError.Code) -> String {
    if code == .internalError { return "INTERNAL" }
    return String(describing: code).reduce(into: "") { name, character in
      if character.isUppercase { name += "_" }
      name += character.uppercased()
    }
  }

  public init(registry: PrometheusCollectorRegistry) {
    self.registry = registry
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let start = ContinuousClock.now
    let method = context.descriptor.fullyQualifiedMethod
    let inFlight = registry.makeGauge(descriptor: Self.inFlight)
    inFlight.increment()
    return try await observingEnd({ try await next(request, context) }) { [registry] code in
      inFlight.decrement()
      let status = code.map(Self.name) ?? "OK"
      registry.makeCounter(descriptor: Self.handled, labels: [("grpc_method", method), ("grpc_code", status)]).increment()
      registry.makeDurationHistogram(descriptor: Self.handling, labels: [("grpc_method", method)], buckets: Self.buckets)
        .record(start.duration(to: .now))
    }
  }
}
