import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellRuntime

/// Sends the partners' SignPetition calls that arrive together to
/// petition-service in one internal `SignBatchService/SignPetitions` call:
/// while one batch is on its way, the calls that arrive queue, and the next
/// batch takes all of them (up to `SignBatch.maximumCalls`). A call alone
/// goes at once, in a batch of one. Each call keeps its caller identity,
/// deadline and request id, and gets exactly the answer — response or
/// status with its details — a SignPetition of its own would have had.
///
/// The request is not decoded here: petition-service decodes and checks it.
public struct SignBatcher: Sendable {
  public static let method = Groundswell_Petition_V1_PetitionService.Method.SignPetition.descriptor
  typealias Call = Groundswell_Petition_V1_SignCall
  typealias CallResult = Groundswell_Petition_V1_SignCallResult

  let batcher: CallBatcher<Call, CallResult>

  public init(client: GRPCClient<HTTP2ClientTransport.Posix>, service: String, address: String) {
    let client = Groundswell_Petition_V1_SignBatchService.Client(wrapping: client)
    batcher = CallBatcher(maximumBatch: SignBatch.maximumCalls) { calls in
      var options = CallOptions.defaults
      options.timeout = Self.timeout(calls)
      let results: [CallResult]
      do {
        results = try await client.signPetitions(.with { $0.calls = calls }, options: options).results
      } catch let error as RPCError {
        throw Forwarder.translated(error, service: service, address: address)
      }
      guard results.count == calls.count else {
        throw RPCError(code: .internalError, message: "\(service) answered \(results.count) of \(calls.count) signatures.")
      }
      return results.map { .success($0) }
    }
  }

  /// Whether a request this size goes in a batch (a larger one is forwarded
  /// on its own).
  static func batches(_ message: [UInt8]) -> Bool {
    message.count <= SignBatch.maximumRequestBytes
  }

  /// A batch is given the longest time any of its calls has left; none when
  /// one of them set no deadline (as a forwarded call without one has none).
  static func timeout(_ calls: [Call]) -> Duration? {
    var longest: Int64 = 0
    for call in calls {
      guard call.timeoutMicroseconds > 0 else { return nil }
      longest = max(longest, call.timeoutMicroseconds)
    }
    return .microseconds(longest)
  }

  /// Signs one partner's request (encoded, as it arrived) in the next batch.
  func sign(_ message: [UInt8], call: CallContext) async throws -> StreamingServerResponse<[UInt8]> {
    let result = try await batcher.submit(
      .with {
        $0.request = Data(message)
        $0.organization = call.organization ?? ""
        $0.operator = call.isOperator
        $0.timeoutMicroseconds = SignBatch.timeoutMicroseconds(call)
        $0.requestID = RequestID.current ?? ""
        $0.traceID = RequestLogInterceptor.currentTraceID ?? ""
      })
    switch result.result {
    case .response(let bytes): return StreamingServerResponse(single: ServerResponse(message: Array(bytes), metadata: [:]))
    case .error(let error): throw SignBatch.rpcError(error)
    case nil: throw RPCError(code: .internalError, message: "petition-service answered nothing for this signature.")
    }
  }
}
