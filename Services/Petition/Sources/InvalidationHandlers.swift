import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging
import SwiftProtobuf

/// Runs invalidation jobs: every running one, batch by batch, publishing
/// each batch's changes. A job left running by a restart is picked up again
/// by the next pass, so it always finishes.
public struct InvalidationRunner: Sendable {
  let repository: any PetitionRepository
  let changes: PetitionChanges
  let logger: Logger
  static let batch = 200

  public init(repository: any PetitionRepository, changes: PetitionChanges, logger: Logger) {
    self.repository = repository
    self.changes = changes
    self.logger = logger
  }

  public func runPending() async {
    do {
      for id in try await repository.runningInvalidations() {
        while !Task.isCancelled {
          let (job, published) = try await repository.runInvalidationBatch(id: id, limit: Self.batch, now: Date())
          for change in published { changes.publish(change) }
          guard let job, job.state == .running else {
            if let job { logger.info("invalidation finished", metadata: ["job": "\(id)", "signatures": "\(job.invalidated)"]) }
            break
          }
          logger.info("invalidation progress", metadata: ["job": "\(id)", "signatures": "\(job.invalidated)"])
        }
      }
    } catch {
      logger.error("an invalidation batch failed; the next pass retries", metadata: ["error": "\(error)"])
    }
  }
}

extension PetitionFraudHandlers {
  /// The condition of a request, checked: at least one part set.
  func condition(_ proto: Groundswell_Petition_V1_InvalidationCondition) async throws -> InvalidationConditionRecord {
    var validator = Validator()
    var condition = InvalidationConditionRecord()
    if !proto.petition.isEmpty { condition.petitionID = validator.name("condition.petition", proto.petition, collection: "petitions") }
    if !proto.emailDomain.isEmpty {
      if let domain = Self.domain(proto.emailDomain) {
        condition.domainHash = secret.domainMark(domain)
      } else {
        validator.add("condition.email_domain", "condition.email_domain must be a domain like example.net; got `\(Echo.prefix(proto.emailDomain))`.")
      }
    }
    if !proto.signerIp.isEmpty {
      if let ip = IPAddress.canonical(proto.signerIp) {
        condition.ipHash = secret.ipMark(ip)
      } else {
        validator.add("condition.signer_ip", "condition.signer_ip must be an IPv4 or IPv6 address; got `\(Echo.prefix(proto.signerIp))`.")
      }
    }
    if proto.hasStartTime { condition.start = validator.time("condition.start_time", proto.startTime) }
    if proto.hasEndTime { condition.end = validator.time("condition.end_time", proto.endTime) }
    if let start = condition.start, let end = condition.end, end <= start {
      validator.add("condition.end_time", "condition.end_time must be after condition.start_time.")
    }
    if condition.isEmpty && !proto.hasStartTime && !proto.hasEndTime {
      validator.add("condition", "condition must set at least one of petition, email_domain, signer_ip, start_time and end_time; an invalidation of everything is refused.")
    }
    try validator.check()
    try Self.requireOperator()
    if let id = condition.petitionID, try await repository.petition(id: id) == nil {
      throw DomainError.notFound("Petition `\(proto.petition)` was not found.")
    }
    return condition
  }

  public func previewInvalidation(
    request: Groundswell_Petition_V1_PreviewInvalidationRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_PreviewInvalidationResponse {
    let condition = try await condition(request.condition)
    let count = try await repository.matchingSignatures(condition)
    return .with { $0.matchingSignatures = Int64(count) }
  }

  public func startInvalidation(
    request: Groundswell_Petition_V1_StartInvalidationRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_StartInvalidationResponse {
    let condition = try await condition(request.condition)
    let job = try await repository.startInvalidation(condition, now: Date())
    // The runner's next pass (within a second) takes it from here.
    return .with { $0.invalidation = job.proto }
  }

  public func getInvalidation(
    request: Groundswell_Petition_V1_GetInvalidationRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_GetInvalidationResponse {
    let id = try Self.jobID(request.name)
    guard let job = try await repository.invalidation(id: id) else { throw Self.noJob(request.name) }
    return .with { $0.invalidation = job.proto }
  }

  public func cancelInvalidation(
    request: Groundswell_Petition_V1_CancelInvalidationRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_CancelInvalidationResponse {
    let id = try Self.jobID(request.name)
    guard let job = try await repository.cancelInvalidation(id: id, now: Date()) else { throw Self.noJob(request.name) }
    return .with { $0.invalidation = job.proto }
  }

  static func jobID(_ name: String) throws -> String {
    var validator = Validator()
    let id = validator.name("name", name, collection: "invalidations")
    try validator.check()
    try requireOperator()
    return id!
  }

  static func noJob(_ name: String) -> DomainError {
    .notFound("Invalidation `\(name)` was not found.")
  }
}

extension InvalidationRecord {
  var proto: Groundswell_Petition_V1_Invalidation {
    .with {
      $0.name = "invalidations/\(id)"
      $0.state = switch state {
      case .running: .running
      case .done: .done
      case .cancelled: .cancelled
      }
      $0.signaturesInvalidated = invalidated
      $0.createTime = Google_Protobuf_Timestamp(clamping: createTime)
      $0.updateTime = Google_Protobuf_Timestamp(clamping: updateTime)
    }
  }
}
