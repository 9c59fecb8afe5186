import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellRuntime

/// Forwards the public RPCs of the internal services by method path, without
/// decoding their messages: each call becomes a stream of raw messages to the
/// owning service over mutual TLS, carrying the caller's identity as metadata.
/// Statuses, messages and error details come back unchanged.
public struct Forwarder: RegistrableRPCService {
  /// A backend and the methods it owns.
  public struct Route: Sendable {
    public var methods: [MethodDescriptor]
    public var client: GRPCClient<HTTP2ClientTransport.Posix>
  }

  let routes: [Route]
  let canceller: LongCallCanceller

  public init(routes: [Route], canceller: LongCallCanceller) {
    self.routes = routes
    self.canceller = canceller
  }

  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    for route in routes {
      for method in route.methods {
        router.registerHandler(forMethod: method, deserializer: RawMessage(), serializer: RawMessage()) { request, _ in
          try await Self.forward(request, method: method, client: route.client, call: CallContext.current, canceller: canceller)
        }
      }
    }
  }

  static func forward(
    _ request: StreamingServerRequest<[UInt8]>,
    method: MethodDescriptor,
    client: GRPCClient<HTTP2ClientTransport.Posix>,
    call: CallContext,
    canceller: LongCallCanceller
  ) async throws -> StreamingServerResponse<[UInt8]> {
    var metadata = Metadata()
    if let organization = call.organization { metadata.addString(organization, forKey: IdentityMetadata.organization) }
    if call.isOperator { metadata.addString(IdentityMetadata.operatorRole, forKey: IdentityMetadata.role) }
    var options = CallOptions.defaults
    if call.deadline != nil { options.timeout = call.timeout(limit: .seconds(3600)) }
    let outbound = StreamingClientRequest<[UInt8]>(metadata: metadata) { writer in
      for try await message in request.messages { try await writer.write(message) }
    }
    return StreamingServerResponse { [options] writer in
      do {
        // A stream left open by its client must not hold shutdown forever.
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
        // The backend's status goes back as it was, with its details
        // (`grpc-status-details-bin`) but without transport headers.
        throw RPCError(code: error.code, message: error.message, metadata: forwardable(error.metadata))
      }
    }
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
}

/// A message passed through as its serialized bytes.
struct RawMessage: MessageSerializer, MessageDeserializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}
