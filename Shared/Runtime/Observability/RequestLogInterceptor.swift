import GRPCCore
import Logging
import OTel
import ServiceContextModule

/// One log line per call — method, status, duration, caller, request id and
/// trace id, never a request's content — and the one place an unexpected
/// error becomes an answer: logged with its cause, answered INTERNAL with a
/// message naming the request id, never the error's own text (which may hold
/// SQL or a file path).
///
/// It binds `RequestID.current` (the caller's `x-request-id`, or a new one)
/// for the handler and the internal calls it makes, and returns the id in
/// the response metadata.
public struct RequestLogInterceptor: ServerInterceptor {
  let logger: Logger

  public init(logger: Logger) {
    self.logger = logger
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let id = RequestID.accept(request.metadata[stringValues: RequestID.metadataKey].first(where: { _ in true })) ?? RequestID.make()
    let note = CallNote()
    let start = ContinuousClock.now
    let method = context.descriptor.fullyQualifiedMethod
    let traceID = Self.currentTraceID
    let logger = logger
    @Sendable func ended(_ code: RPCError.Code?) {
      Self.log(logger, method: method, code: code, since: start, requestID: id, caller: note.caller, traceID: traceID)
    }
    @Sendable func answer(_ error: any Error) -> RPCError {
      Self.answer(error, logger: logger, method: method, requestID: id, traceID: traceID)
    }

    var response: StreamingServerResponse<Output>
    do {
      response = try await RequestID.$current.withValue(id) {
        try await CallNote.$current.withValue(note) { try await next(request, context) }
      }
    } catch {
      let refusal = answer(error)
      ended(refusal.code)
      throw refusal
    }
    switch response.accepted {
    case .failure(let error):
      let refusal = answer(error)
      ended(refusal.code)
      response.accepted = .failure(refusal)
      return response
    case .success(var contents):
      contents.metadata.replaceOrAddString(id, forKey: RequestID.metadataKey)
      response.accepted = .success(contents)
    }
    return response.wrappingBody { produce in
      do {
        let trailers = try await RequestID.$current.withValue(id) {
          try await CallNote.$current.withValue(note) { try await produce() }
        }
        ended(nil)
        return trailers
      } catch {
        let refusal = answer(error)
        ended(refusal.code)
        throw refusal
      }
    }
  }

  /// The trace id of the current task's span, if it is traced.
  public static var currentTraceID: String? { ServiceContext.current?.otelTraceID }

  /// The request line of one call.
  public static func log(
    _ logger: Logger, method: String, code: RPCError.Code?, since start: ContinuousClock.Instant, requestID: String,
    caller: String?, traceID: String?
  ) {
    var metadata: Logger.Metadata = [
      "method": "\(method)", "code": "\(code.map(RPCMetricsInterceptor.name) ?? "OK")",
      "duration_ms": "\(Self.milliseconds(start.duration(to: .now)))", "request_id": "\(requestID)",
    ]
    if let caller { metadata["caller"] = "\(caller)" }
    if let traceID { metadata["trace_id"] = "\(traceID)" }
    logger.info("rpc", metadata: metadata)
  }

  /// The status a call that threw `error` answers: its own when it is one
  /// (an `RPCError` or a `DomainError`), else INTERNAL naming the request id,
  /// with the cause logged. The request id goes in its metadata.
  public static func answer(
    _ error: any Error, logger: Logger, method: String, requestID id: String, traceID: String?
  ) -> RPCError {
    var reply: RPCError
    // grpc-swift wraps an error an inner interceptor threw that is not an
    // RPCError as UNKNOWN with an empty message: answer for its cause.
    if let rpc = error as? RPCError, rpc.code == .unknown, rpc.message.isEmpty, let cause = rpc.cause {
      return answer(cause, logger: logger, method: method, requestID: id, traceID: traceID)
    }
    if let rpc = error as? RPCError {
      reply = rpc
    } else if let convertible = error as? any RPCErrorConvertible {
      reply = RPCError(code: convertible.rpcErrorCode, message: convertible.rpcErrorMessage, metadata: convertible.rpcErrorMetadata)
    } else if error is CancellationError {
      reply = RPCError(code: .cancelled, message: "The call was cancelled.")
    } else {
      var metadata: Logger.Metadata = ["method": "\(method)", "request_id": "\(id)", "error": "\(String(reflecting: error))"]
      if let traceID { metadata["trace_id"] = "\(traceID)" }
      logger.error("unexpected error", metadata: metadata)
      reply = RPCError(
        code: .internalError, message: "Internal error. If it persists, give support the request id \(id).")
    }
    reply.metadata.replaceOrAddString(id, forKey: RequestID.metadataKey)
    return reply
  }

  /// A call's duration in milliseconds with three decimals (`12.345`),
  /// built without a format string: it is on every call's line. Clamped to
  /// 0 and to a century.
  public static func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0, attoseconds >= 0 else { return "0.000" }
    let micros = min(seconds, 3_155_760_000) * 1_000_000 + attoseconds / 1_000_000_000_000
    let fraction = micros % 1000
    var text = String(micros / 1000)
    text.append(fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".")
    text.append(String(fraction))
    return text
  }
}
