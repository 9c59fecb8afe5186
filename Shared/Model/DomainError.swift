/// An error a handler reports to its caller. The runtime maps each case to the
/// gRPC status a client sees; messages must say what to fix and never carry
/// another tenant's data, SQL or stack traces.
public enum DomainError: Error, Equatable, Sendable {
  /// The request has bad fields; each violation names one.
  case invalidArgument([FieldViolation])
  /// The named resource does not exist (or is not visible to the caller).
  case notFound(String)
  /// The resource exists but is in a state that does not allow the call.
  case failedPrecondition(String)
  /// The caller is identified but not allowed to do this.
  case permissionDenied(String)
  /// A resource with this name exists already.
  case alreadyExists(String)
  /// A dependency could not be reached in time.
  case unavailable(String)
  /// What the call needs is on its way (a new campaign not yet in the live
  /// view): retrying after the delay will work.
  case notReadyYet(String, retryAfterMilliseconds: Int)
  /// The caller used up its quota; it may call again after the delay.
  case overQuota(String, retryAfterMilliseconds: Int)
}

/// One bad field of a request: the dotted path of the field and what is wrong
/// with it, in a sentence a partner developer can act on.
public struct FieldViolation: Equatable, Sendable, CustomStringConvertible {
  public var field: String
  public var description: String

  public init(field: String, description: String) {
    self.field = field
    self.description = description
  }
}
