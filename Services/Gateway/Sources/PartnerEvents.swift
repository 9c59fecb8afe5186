import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime

/// What the event stream and the webhooks share: the cursor's form, the
/// checks on a request's cursor and types, an event as partners see it,
/// and a page read from petition-service's outbox.
enum PartnerEvents {
  typealias Event = Groundswell_Petition_V1_Event
  typealias Feed = Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>

  static let maximumTypes = 16
  static let maximumCursorBytes = 64

  /// The cursor after the event with `sequence`.
  static func cursor(_ sequence: Int64) -> String { "1.\(sequence)" }

  /// The sequence a cursor stands for; nil for text that is not a cursor.
  static func sequence(of cursor: String) -> Int64? {
    guard cursor.utf8.count <= maximumCursorBytes, cursor.hasPrefix("1."), let value = Int64(cursor.dropFirst(2)), value >= 0
    else { return nil }
    return value
  }

  /// What is wrong with a request's cursor (empty is allowed).
  static func cursorViolations(_ cursor: String, field: String) -> [FieldViolation] {
    guard !cursor.isEmpty, sequence(of: cursor) == nil else { return [] }
    return [FieldViolation(field: field, description: "is not a cursor (`\(Echo.prefix(cursor))`); pass an event's `cursor` as it came")]
  }

  /// What is wrong with a request's event types.
  static func typeViolations(_ types: [Event.TypeEnum], field: String) -> [FieldViolation] {
    if types.count > maximumTypes {
      return [FieldViolation(field: field, description: "lists \(types.count) types; at most \(maximumTypes)")]
    }
    if types.contains(where: { $0 == .unspecified || Event.TypeEnum.allCases.firstIndex(of: $0) == nil }) {
      return [FieldViolation(field: field, description: "holds an unknown or unspecified type")]
    }
    return []
  }

  /// The event with its cursor and its stable id, as partners get it.
  static func addressed(_ event: Event, organization: String) -> Event {
    var event = event
    event.cursor = cursor(event.sequence)
    event.id = "events/\(organization.dropFirst("organizations/".count))-\(event.sequence)"
    return event
  }

  /// Up to `size` of `organization`'s events after `after` (nil: from the
  /// oldest kept); UNAVAILABLE in our words when petition-service does not
  /// answer, OUT_OF_RANGE as it says.
  static func page(
    _ feed: Feed, _ organization: String, after: Int64?, size: Int32, withSupporters: Bool = false, withIdentifiers: Bool = false,
    consequence: String
  ) async throws -> Groundswell_Petition_V1_ListEventsResponse {
    var options = CallOptions.defaults
    options.timeout = .seconds(10)
    return try await callingBackend(ServiceName.petition, consequence: consequence) {
      try await feed.listEvents(
        .with {
          $0.organization = organization
          $0.afterSequence = after ?? 0
          $0.fromOldest = after == nil
          $0.pageSize = size
          $0.includeSupporters = withSupporters
          $0.includeIdentifiers = withIdentifiers
        }, options: options)
    }
  }
}
