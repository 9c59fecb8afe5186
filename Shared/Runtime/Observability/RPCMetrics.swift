import GRPCCore
import Prometheus
import Synchronization

/// Every server's RPC metrics: calls by method and status code, how long
/// they took, and how many are in flight. Label sets are bounded by the
/// methods the server serves and the 17 status codes.
public final class RPCMetricsInterceptor: ServerInterceptor {
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

  /// One method's metric handles, made on its first call: the registry
  /// looks handles up by name and labels under its lock, which every call
  /// of every hop would otherwise pay three times.
  final class MethodMetrics: Sendable {
    let handling: DurationHistogram
    /// Indexed by status code (`RPCError.Code.rawValue`), OK at 0.
    private let handled: Mutex<[Counter?]>
    private let method: String
    private let registry: PrometheusCollectorRegistry

    init(method: String, registry: PrometheusCollectorRegistry) {
      self.method = method
      self.registry = registry
      handling = registry.makeDurationHistogram(
        descriptor: RPCMetricsInterceptor.handling, labels: [("grpc_method", method)], buckets: RPCMetricsInterceptor.buckets)
      handled = Mutex(Array(repeating: nil, count: 17))
    }

    func count(_ code: RPCError.Code?) {
      let index = code.map { Int(Status.Code($0).rawValue) } ?? 0
      let counter = handled.withLock { counters -> Counter in
        if index < counters.count, let counter = counters[index] { return counter }
        let status = code.map(RPCMetricsInterceptor.name) ?? "OK"
        let counter = registry.makeCounter(
          descriptor: RPCMetricsInterceptor.handled, labels: [("grpc_method", method), ("grpc_code", status)])
        if index < counters.count { counters[index] = counter }
        return counter
      }
      counter.increment()
    }
  }

  let inFlightGauge: Gauge
  private let methods: Mutex<[String: MethodMetrics]>

  public init(registry: PrometheusCollectorRegistry) {
    self.registry = registry
    inFlightGauge = registry.makeGauge(descriptor: Self.inFlight)
    methods = Mutex([:])
  }

  func metrics(_ method: String) -> MethodMetrics {
    methods.withLock { methods in
      if let known = methods[method] { return known }
      let made = MethodMetrics(method: method, registry: registry)
      methods[method] = made
      return made
    }
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let start = ContinuousClock.now
    let metrics = metrics(context.descriptor.fullyQualifiedMethod)
    let inFlight = inFlightGauge
    inFlight.increment()
    return try await observingEnd({ try await next(request, context) }) { code in
      inFlight.decrement()
      metrics.count(code)
      metrics.handling.record(start.duration(to: .now))
    }
  }
}
