import Foundation
import GRPCCore
import GroundswellAPI

/// The terms of `SignBatchService/SignPetitions`, shared by the gateway that
/// sends the batches and petition-service that signs them.
public enum SignBatch {
  /// The most calls in one batch.
  public static let maximumCalls = 256
  /// The largest encoded SignPetitionRequest a batch carries; the gateway
  /// forwards a larger one on its own. A full batch of the largest
  /// (4 MiB and its framing) stays within the 8 MiB an internal listener
  /// accepts in one message.
  public static let maximumRequestBytes = 16 * 1024
  /// The longest deadline a call carries (as the forwarded calls do).
  public static let maximumTimeout = Duration.seconds(3600)

  /// The metadata key of a status's encoded `google.rpc.Status`.
  static let statusDetailsKey = "grpc-status-details-bin"

  /// When a call's partner stops waiting, from the time it had left.
  public static func deadline(start: ContinuousClock.Instant, timeoutMicroseconds: Int64) -> ContinuousClock.Instant? {
    guard timeoutMicroseconds > 0 else { return nil }
    return start + min(.microseconds(timeoutMicroseconds), maximumTimeout)
  }

  /// The time a call has left, in whole microseconds (at least one); 0 for
  /// no deadline.
  public static func timeoutMicroseconds(_ call: CallContext) -> Int64 {
    guard call.deadline != nil else { return 0 }
    let (seconds, attoseconds) = call.timeout(limit: maximumTimeout).components
    return max(1, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
  }

  /// A failed call's status, to carry in the batch's answer.
  public static func error(_ error: RPCError) -> Groundswell_Petition_V1_SignCallError {
    .with {
      $0.code = Int32(error.code.rawValue)
      $0.message = error.message
      if let details = error.metadata[binaryValues: statusDetailsKey].first(where: { _ in true }) {
        $0.statusDetails = Data(details)
      }
    }
  }

  /// The status a failed call answers its partner, with its details.
  public static func rpcError(_ error: Groundswell_Petition_V1_SignCallError) -> RPCError {
    guard let status = Status.Code(rawValue: Int(error.code)), let code = RPCError.Code(status) else {
      return RPCError(code: .internalError, message: "petition-service answered an invalid status for this signature.")
    }
    var metadata = Metadata()
    if !error.statusDetails.isEmpty { metadata.addBinary(Array(error.statusDetails), forKey: statusDetailsKey) }
    return RPCError(code: code, message: error.message, metadata: metadata)
  }
}
