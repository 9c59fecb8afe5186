import GRPCCore
import Synchronization

/// A server transport that answers calls to methods the server does not
/// have itself, before the router would: with the status `refusal` chooses
/// from the call's metadata. The gateway uses it so that an unknown method
/// without a valid key is UNAUTHENTICATED like any other, and method paths
/// cannot be enumerated without a key. Known methods pass straight through.
public struct UnknownMethodGate<Inner: ServerTransport>: ServerTransport {
  public typealias Bytes = Inner.Bytes
  /// The status for a call to an unknown method, given its metadata.
  public typealias Refusal = @Sendable (Metadata, MethodDescriptor) async -> Status

  public let inner: Inner
  private let known: KnownMethods
  private let refusal: Refusal?

  public init(_ inner: Inner, refusal: Refusal?) {
    self.inner = inner
    self.refusal = refusal
    self.known = KnownMethods()
  }

  public func configure(context: GRPCServerContext) {
    known.set(context.methods)
    inner.configure(context: context)
  }

  public func listen(
    streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
  ) async throws {
    try await inner.listen { [known, refusal] stream, context in
      guard let refusal, !known.contains(stream.descriptor) else {
        await streamHandler(stream, context)
        return
      }
      var metadata = Metadata()
      do {
        var parts = stream.inbound.makeAsyncIterator()
        if case .metadata(let first) = try await parts.next() { metadata = first }
      } catch {
        // The client went away; answering is best effort.
      }
      let status = await refusal(metadata, stream.descriptor)
      do {
        try await stream.outbound.write(.status(status, [:]))
        await stream.outbound.finish()
      } catch {
        await stream.outbound.finish(throwing: error)
      }
    }
  }

  public func beginGracefulShutdown() {
    inner.beginGracefulShutdown()
  }
}

/// The methods the server has, set once when it starts serving.
final class KnownMethods: Sendable {
  private let paths = Mutex<Set<String>>([])

  func set(_ value: [MethodDescriptor]) { paths.withLock { $0 = Set(value.map(\.fullyQualifiedMethod)) } }
  func contains(_ method: MethodDescriptor) -> Bool { paths.withLock { $0.contains(method.fullyQualifiedMethod) } }
}
