import GRPCCore
import GRPCProtobuf
import GroundswellModel

/// Handlers throw `DomainError`; gRPC turns it into the status the client
/// sees, with a `google.rpc.BadRequest` listing every bad field.
extension DomainError: RPCErrorConvertible {
  /// The most bytes of one status message, and of one violation's field or
  /// description: with `Validator.maximumListed` violations an error stays
  /// far below the 16 KiB of trailers an HTTP/2 peer accepts by default.
  static let maximumMessageBytes = 2_048
  static let maximumViolationBytes = 300

  public var googleStatus: GoogleRPCStatus {
    switch self {
    case .invalidArgument(let all):
      let violations = all.prefix(Validator.maximumListed + 1).map {
        FieldViolation(
          field: Echo.prefix($0.field, maximumBytes: Self.maximumViolationBytes),
          description: Echo.prefix($0.description, maximumBytes: Self.maximumViolationBytes))
      }
      let fields = violations.map(\.field).joined(separator: ", ")
      return GoogleRPCStatus(
        code: .invalidArgument,
        message: Echo.prefix(
          "The request has invalid fields: \(fields). " + violations.map(\.description).joined(separator: " "),
          maximumBytes: Self.maximumMessageBytes),
        details: [.badRequest(violations: violations.map { .init(field: $0.field, description: $0.description) })]
      )
    case .notFound(let message): return GoogleRPCStatus(code: .notFound, message: message, details: [])
    case .failedPrecondition(let message): return GoogleRPCStatus(code: .failedPrecondition, message: message, details: [])
    case .permissionDenied(let message): return GoogleRPCStatus(code: .permissionDenied, message: message, details: [])
    case .alreadyExists(let message): return GoogleRPCStatus(code: .alreadyExists, message: message, details: [])
    case .unavailable(let message): return GoogleRPCStatus(code: .unavailable, message: message, details: [])
    case .notReadyYet(let message, let delay):
      return GoogleRPCStatus(code: .unavailable, message: message, details: [.retryInfo(delay: .milliseconds(delay))])
    case .overQuota(let message, let delay):
      return GoogleRPCStatus(code: .resourceExhausted, message: message, details: [.retryInfo(delay: .milliseconds(delay))])
    }
  }

  public var rpcErrorCode: RPCError.Code { googleStatus.rpcErrorCode }
  public var rpcErrorMessage: String { googleStatus.rpcErrorMessage }
  public var rpcErrorMetadata: Metadata { googleStatus.rpcErrorMetadata }
}
