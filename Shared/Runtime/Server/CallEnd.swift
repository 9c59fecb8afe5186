import GRPCCore

/// Runs `next` and calls `ended` once, when the call has ended, with its
/// status code (nil for OK): at once for a refusal, after the last message
/// for a response that streams (gRPC produces it after the interceptor
/// returns). For interceptors that record how calls end.
public func observingEnd<Output: Sendable>(
  _ next: () async throws -> StreamingServerResponse<Output>,
  _ ended: @escaping @Sendable (RPCError.Code?) async -> Void
) async throws -> StreamingServerResponse<Output> {
  @Sendable func code(_ error: any Error) -> RPCError.Code {
    (error as? RPCError)?.code ?? (error as? any RPCErrorConvertible)?.rpcErrorCode ?? .unknown
  }
  var response: StreamingServerResponse<Output>
  do {
    response = try await next()
  } catch {
    await ended(code(error))
    throw error
  }
  switch response.accepted {
  case .failure(let error):
    await ended(error.code)
  case .success(var contents):
    let producer = contents.producer
    contents.producer = { writer in
      do {
        let trailers = try await producer(writer)
        await ended(nil)
        return trailers
      } catch {
        await ended(code(error))
        throw error
      }
    }
    response.accepted = .success(contents)
  }
  return response
}
