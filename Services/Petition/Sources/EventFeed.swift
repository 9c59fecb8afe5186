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
  /// Where the organizations' own identifiers of signers are read.
  let resolver: any SupporterResolver

  /// How often the heads watch looks for new events.
  static let interval = Duration.milliseconds(100)
  /// An empty message at least this often.
  static let heartbeat = Duration.seconds(1)
  public static let maximumPageSize = 1_000

  public init(repository: any PetitionRepository, changes: PetitionChanges, resolver: any SupporterResolver) {
    self.repository = repository
    self.changes = changes
    self.resolver = resolver
  }

  /// The page's signature events with `organization`'s own identifiers of
  /// their signers, read in one call.
  func withIdentifiers(_ page: EventPage, organization: String) async throws -> [Groundswell_Petition_V1_Event] {
    let signers = Array(Set(page.signers.filter { !$0.isEmpty }))
    guard !signers.isEmpty else { return page.events }
    let found = try await resolver.identifiers(of: signers, organization: organization)
    guard !found.isEmpty else { return page.events }
    return zip(page.events, page.signers).map { event, signer in
      var event = event
      if let identifiers = found[signer] { event.identifiers = identifiers }
      return event
    }
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
      let events = request.includeIdentifiers ? try await withIdentifiers(page, organization: request.organization) : page.events
      return .with {
        $0.events = events
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

  public func appendEvents(
    request: Groundswell_Petition_V1_AppendEventsRequest, context: ServerContext
  ) async throws -> Groundswell_Petition_V1_AppendEventsResponse {
    var violations: [FieldViolation] = []
    if !(1...Self.maximumPageSize).contains(request.events.count) {
      violations.append(FieldViolation(field: "events", description: "must hold 1 to \(Self.maximumPageSize) events"))
    } else {
      var previous: Int64 = 0
      for (index, item) in request.events.enumerated() {
        if item.id <= previous { violations.append(FieldViolation(field: "events[\(index)].id", description: "must increase")) }
        if !item.organization.hasPrefix("organizations/") || item.organization.utf8.count > 200 {
          violations.append(FieldViolation(field: "events[\(index)].organization", description: "must be `organizations/{organization}`"))
        }
        if item.event.type == .unspecified {
          violations.append(FieldViolation(field: "events[\(index)].event.type", description: "is required"))
        }
        previous = item.id
        if violations.count >= 20 { break }
      }
    }
    if !violations.isEmpty { throw DomainError.invalidArgument(violations) }
    // The caller, from its certificate: each source has its own position.
    let source = CallContext.current.peerService ?? "unknown"
    let last = try await repository.appendEvents(
      source: source,
      request.events.map { item in
        OutboxItem(
          id: item.id, organization: item.organization, event: item.event,
          time: item.event.hasTime ? item.event.time.date : Date())
      })
    return .with { $0.lastID = last }
  }

  public func watchEventHeads(
    request: Groundswell_Petition_V1_WatchEventHeadsRequest,
    response: RPCWriter<Groundswell_Petition_V1_WatchEventHeadsResponse>,
    context: ServerContext
  ) async throws {
    // Subscribed to no petition: the heads are read every interval whatever
    // changed, and the subscription is only what ends the stream at
    // shutdown. Subscribed to all, every signature's change was folded into
    // its buffer and thrown away.
    let subscription = changes.subscribe(to: [])
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
