import Foundation
import GRPCCore
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// The handlers of the internal `EventFeedService`, from which the gateway
/// serves `EventService/SubscribeEvents`: pages of one organization's events,
/// and the heads of every organization's events as they move.
public struct EventFeedHandlers: Sendable {
  let repository: any PetitionRepository
  /// Ends the heads watches on shutdown (and paces them).
  let changes: PetitionChanges

  /// How often the heads watch looks for new events.
  static let interval = Duration.milliseconds(100)
  /// An empty message at least this often.
  static let heartbeat = Duration.seconds(1)
  public static let maximumPageSize = 1_000

  public init(repository: any PetitionRepository, changes: PetitionChanges) {
    self.repository = repository
    self.changes = changes
  }
}

extension EventFeedHandlers: Groundswell_Petition_V1_EventFeedService.SimpleServiceProtocol {
  public func listEvents(
    request: Groundswell_Petition_V1_ListEventsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_ListEventsResponse {
    var violations: [FieldViolation] = []
    if !request.organization.hasPrefix("organizations/") || request.organization.utf8.count > 200 {
      violations.append(FieldViolation(field: "organization", description: "must be `organizations/{organization}`"))
    }
    if request.afterSequence < 0 { violations.append(FieldViolation(field: "after_sequence", description: "must not be negative")) }
    if !(0...Self.maximumPageSize).contains(Int(request.pageSize)) {
      violations.append(FieldViolation(field: "page_size", description: "must be 0 to \(Self.maximumPageSize)"))
    }
    if !violations.isEmpty { throw DomainError.invalidArgument(violations) }
    do {
      let page = try await repository.events(
        organization: request.organization, after: request.fromOldest ? nil : request.afterSequence, limit: Int(request.pageSize),
        withSupporters: request.includeSupporters)
      return .with {
        $0.events = page.events
        $0.headSequence = page.head
        $0.startAfter = page.startAfter
      }
    } catch EventReadError.pruned {
      throw RPCError(
        code: .outOfRange,
        message: "That cursor is older than the events kept; subscribe from the oldest kept (an empty cursor) or from now.")
    } catch EventReadError.ahead {
      throw RPCError(code: .outOfRange, message: "That cursor is past the newest event; it was not issued by this deployment.")
    }
  }

  public func watchEventHeads(
    request: Groundswell_Petition_V1_WatchEventHeadsRequest,
    response: RPCWriter<Groundswell_Petition_V1_WatchEventHeadsResponse>,
    context: ServerContext
  ) async throws {
    let subscription = changes.subscribe()
    defer { subscription.cancel() }
    var position = try await repository.eventPosition()
    var quietSince = ContinuousClock.now
    try await withRPCCancellationHandler {
      try await subscription.deliver(every: Self.interval, heartbeat: Self.interval) { _, _ in
        let (heads, next) = try await repository.eventHeads(after: position)
        position = next
        guard !heads.isEmpty || quietSince.duration(to: .now) >= Self.heartbeat else { return }
        quietSince = .now
        try await response.write(.with {
          $0.heads = heads.sorted { $0.key < $1.key }.map { head in
            .with {
              $0.organization = head.key
              $0.sequence = head.value
            }
          }
        })
      }
    } onCancelRPC: {
      subscription.cancel()
    }
  }
}
