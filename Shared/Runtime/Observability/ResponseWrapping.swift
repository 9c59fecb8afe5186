import GRPCCore

extension StreamingServerResponse {
  /// The response with its body (produced after the interceptor returns)
  /// run inside `wrap`: for rebinding task-locals around a stream, or
  /// observing how its body ends.
  public func wrappingBody(
    _ wrap: @escaping @Sendable (_ produce: @Sendable () async throws -> Metadata) async throws -> Metadata
  ) -> Self {
    guard case .success(var contents) = accepted else { return self }
    let producer = contents.producer
    contents.producer = { writer in try await wrap { try await producer(writer) } }
    var response = self
    response.accepted = .success(contents)
    return response
  }
}
