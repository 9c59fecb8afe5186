import GRPCCore
import GroundswellModel

/// Runs a call to another service and turns "could not reach it in time"
/// (UNAVAILABLE or DEADLINE_EXCEEDED) into an UNAVAILABLE answer that says
/// which service and what happened to the caller's request.
public func callingBackend<T>(
  _ service: String, consequence: String, _ body: () async throws -> T
) async throws -> T {
  do {
    return try await body()
  } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
    throw DomainError.unavailable("\(service) did not answer in time; \(consequence) Retry the call.")
  } catch let error as RPCError {
    // Pass on the code, message and error details, never the other service's
    // trailers: rethrown as ours they would repeat reserved headers
    // (`grpc-status`…), which breaks the HTTP/2 connection and every other
    // stream on it.
    var details = Metadata()
    for value in error.metadata[binaryValues: "grpc-status-details-bin"] {
      details.addBinary(Array(value), forKey: "grpc-status-details-bin")
    }
    throw RPCError(code: error.code, message: error.message, metadata: details)
  }
}
