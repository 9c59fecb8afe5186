import GRPCCore
import Instrumentation
import ServiceContextModule
import Tracing

/// W3C trace context (`traceparent`, `tracestate`) in gRPC metadata.
struct MetadataExtractor: Extractor {
  func extract(key: String, from carrier: Metadata) -> String? {
    carrier[stringValues: key].first(where: { _ in true })
  }
}

struct MetadataInjector: Injector {
  func inject(_ value: String, forKey key: String, into carrier: inout Metadata) {
    carrier.replaceOrAddString(value, forKey: key)
  }
}

/// The first interceptor of every server: continues the caller's trace
/// (a partner's `traceparent`, or the previous hop's) or starts one, and
/// holds a server span named for the method until the call ends, the
/// stream's last message included.
public struct ServerTracingInterceptor: ServerInterceptor {
  public init() {}

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    var parent = ServiceContext.topLevel
    InstrumentationSystem.instrument.extract(request.metadata, into: &parent, using: MetadataExtractor())
    let span = InstrumentationSystem.tracer.startSpan(
      context.descriptor.fullyQualifiedMethod, context: parent, ofKind: .server)
    // An unsampled span drops its attributes, but each assignment still
    // builds a dictionary for it to drop: set them only on recorded spans.
    let recording = span.isRecording
    if recording {
      span.attributes["rpc.system"] = "grpc"
      span.attributes["rpc.service"] = context.descriptor.service.fullyQualifiedService
      span.attributes["rpc.method"] = context.descriptor.method
    }
    let spanContext = span.context
    let response = try await ServiceContext.withValue(spanContext) {
      try await observingEnd({ try await next(request, context) }) { code in
        if recording {
          span.attributes["rpc.grpc.status_code"] = code.map { Int($0.rawValue) } ?? 0
          if let code { span.setStatus(SpanStatus(code: .error, message: RPCMetricsInterceptor.name(code))) }
        }
        span.end()
      }
    }
    return response.wrappingBody { produce in try await ServiceContext.withValue(spanContext) { try await produce() } }
  }
}

/// The interceptor of every internal client: passes the current trace and
/// request id on to the service called.
public struct ClientPropagationInterceptor: ClientInterceptor {
  public init() {}

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
  ) async throws -> StreamingClientResponse<Output> {
    var request = request
    if let id = RequestID.current { request.metadata.replaceOrAddString(id, forKey: RequestID.metadataKey) }
    if let current = ServiceContext.current {
      InstrumentationSystem.instrument.inject(current, into: &request.metadata, using: MetadataInjector())
    }
    return try await next(request, context)
  }
}

