import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime

/// Forwards the public RPCs of the internal services by method path, without
/// decoding their messages: each call becomes a stream of raw messages to the
/// owning service over mutual TLS, carrying the caller's identity as metadata.
/// Statuses, messages and error details come back unchanged. Every forwarded
/// call ends its backend stream as soon as its client goes away.
///
/// Only short calls and bounded streams are forwarded, over a connection of
/// their own per backend; long-lived streams are served at the edge
/// (`SignatureCountWatches`), so no number of them can delay a call.
public struct Forwarder: RegistrableRPCService {
  /// A backend and the methods it owns.
  public struct Route: Sendable {
    /// The backend's name, for errors (never its address).
    public var service: String
    /// The backend's host, which no error may show.
    public var address: String
    public var methods: [MethodDescriptor]
    /// The connection for short calls.
    public var client: GRPCClient<HTTP2ClientTransport.Posix>
  }

  /// The public server streams that are forwarded: each ends by itself
  /// (one person's export, one petition's delivery export), and is cut off after `boundedStreamLimit` when
  /// its client reads too slowly or set no earlier deadline.
  public static let boundedStreams: Set<MethodDescriptor> = [
    Groundswell_Supporter_V1_SupporterService.Method.ExportSupporter.descriptor,
    Groundswell_Petition_V1_PetitionService.Method.ExportDelivery.descriptor,
  ]
  public static let boundedStreamLimit: Duration = .seconds(120)

  let routes: [Route]
  /// SignPetition's calls, sent to petition-service in batches.
  let signing: SignBatcher?
  let canceller: LongCallCanceller
  /// The largest request message forwarded; larger ones are answered
  /// RESOURCE_EXHAUSTED (the transport itself resets streams only beyond
  /// twice this, see `ServerHost`).
  let maximumMessageBytes: Int

  public init(routes: [Route], signing: SignBatcher? = nil, canceller: LongCallCanceller, maximumMessageBytes: Int) {
    self.routes = routes
    self.signing = signing
    self.canceller = canceller
    self.maximumMessageBytes = maximumMessageBytes
  }

  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    for route in routes {
      for method in route.methods {
        let signing = method == SignBatcher.method ? signing : nil
        router.registerHandler(forMethod: method, deserializer: RawMessage(), serializer: RawMessage()) { request, _ in
          try await Self.forward(
            request, method: method, service: route.service, address: route.address, client: route.client, call: CallContext.current,
            signing: signing, canceller: canceller,
            maximumMessageBytes: maximumMessageBytes)
        }
      }
    }
  }

  static func forward(
    _ request: StreamingServerRequest<[UInt8]>,
    method: MethodDescriptor,
    service: String,
    address: String,
    client: GRPCClient<HTTP2ClientTransport.Posix>,
    call: CallContext,
    signing: SignBatcher? = nil,
    canceller: LongCallCanceller,
    maximumMessageBytes: Int
  ) async throws -> StreamingServerResponse<[UInt8]> {
    // Every forwarded method is unary: read its one request message first,
    // so that an oversize one is refused before anything reaches a backend.
    var messages: [[UInt8]] = []
    for try await message in request.messages {
      guard message.count <= maximumMessageBytes else {
        throw RPCError(
          code: .resourceExhausted,
          message: "The request message has \(message.count) bytes; the gateway accepts at most \(maximumMessageBytes).")
      }
      guard messages.isEmpty else {
        throw RPCError(code: .invalidArgument, message: "\(method.method) takes exactly one request message.")
      }
      messages.append(message)
    }
    if let signing, messages.count == 1, SignBatcher.batches(messages[0]) {
      return try await signing.sign(messages[0], call: call)
    }
    let metadata = IdentityMetadata.forwarding(call)
    var options = CallOptions.defaults
    if call.deadline != nil { options.timeout = call.timeout(limit: .seconds(3600)) }
    if boundedStreams.contains(method) { options.timeout = call.timeout(limit: boundedStreamLimit) }
    let outbound = StreamingClientRequest<[UInt8]>(metadata: metadata) { [messages] writer in
      try await writer.write(contentsOf: messages)
    }
    return StreamingServerResponse { [options] writer in
      do {
        // Ends when the client goes away (RST_STREAM, a closed connection,
        // its deadline) and, after a grace period, on shutdown.
        return try await canceller.run {
          try await client.bidirectionalStreaming(
            request: outbound, descriptor: method, serializer: RawMessage(), deserializer: RawMessage(), options: options
          ) { response in
            var trailers = Metadata()
            for try await part in response.bodyParts {
              switch part {
              case .message(let message): try await writer.write(message)
              case .trailingMetadata(let metadata): trailers = metadata
              }
            }
            return forwardable(trailers)
          }
        }
      } catch let error as RPCError {
        throw translated(error, service: service, address: address)
      }
    }
  }

  /// The backend's status goes back as it was, with its details
  /// (`grpc-status-details-bin`) but without transport headers. An error of
  /// the gateway's own client (the backend unreachable) has a cause or names
  /// the backend's address: it is told in our words, naming the service and
  /// never its address.
  static func translated(_ error: RPCError, service: String, address: String) -> RPCError {
    if error.cause != nil || error.message.contains(address) { return unreached(service, error) }
    return RPCError(code: error.code, message: error.message, metadata: forwardable(error.metadata))
  }

  /// The metadata a proxy may pass on: not the HTTP/2 and gRPC framing
  /// headers (`:status`, `content-type`, `grpc-status`, …), which the
  /// gateway's own transport writes.
  static func forwardable(_ metadata: Metadata) -> Metadata {
    var result = Metadata()
    for (key, value) in metadata {
      let lower = key.lowercased()
      if lower.hasPrefix(":") || ["content-type", "te", "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding"].contains(lower) {
        continue
      }
      switch value {
      case .string(let text): result.addString(text, forKey: key)
      case .binary(let bytes): result.addBinary(bytes, forKey: key)
      }
    }
    return result
  }

  /// The answer when a backend could not be reached or did not answer.
  static func unreached(_ service: String, _ error: RPCError) -> RPCError {
    switch error.code {
    case .deadlineExceeded:
      return RPCError(code: .deadlineExceeded, message: "\(service) did not answer before the call's deadline.")
    case .cancelled:
      return RPCError(code: .cancelled, message: "The call was cancelled before \(service) answered.")
    default:
      return RPCError(
        code: .unavailable, message: "\(service) is not reachable from the gateway right now; retry the call with backoff.")
    }
  }
}
