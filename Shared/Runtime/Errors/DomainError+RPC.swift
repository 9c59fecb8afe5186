import GRPCCore
import GRPCProtobuf
import GroundswellModel

/// Handlers throw `DomainError`; gRPC turns it into the status the client
/// sees, with a `google.rpc.BadRequest` listing every bad field.
extension DomainError: RPCErrorConvertible {
  public var googleStatus: GoogleRPCStatus {
    switch self {
    case .invalidArgument(let violations):
      let fields = violations.map(\.field).joined(separator: ", ")
      return GoogleRPCStatus(
        code: .invalidArgument,
        message: "The request has invalid fields: \(fields). " + violations.map(\.description).joined(separator: " "),
        details: [.badRequest(violations: violations.map { .init(field: $0.field, description: $0.description) })]
      )
    case .notFound(let message): return GoogleRPCStatus(code: .notFound, message: message, details: [])
    case .failedPrecondition(let message): return GoogleRPCStatus(code: .failedPrecondition, message: message, details: [])
    case .permissionDenied(let message): return GoogleRPCStatus(code: .permissionDenied, message: message, details: [])
    case .alreadyExists(let message): return GoogleRPCStatus(code: .alreadyExists, message: message, details: [])
    case .unavailable(let message): return GoogleRPCStatus(code: .unavailable, message: message, details: [])
    }
  }

  public var rpcErrorCode: RPCError.Code { googleStatus.rpcErrorCode }
  public var rpcErrorMessage: String { googleStatus.rpcErrorMessage }
  public var rpcErrorMetadata: Metadata { googleStatus.rpcErrorMetadata }
}
