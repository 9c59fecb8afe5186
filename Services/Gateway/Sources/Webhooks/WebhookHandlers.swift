import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import SwiftProtobuf

/// `WebhookService`: an organization's endpoints, on keys with
/// `webhooks.manage`. Another organization's endpoint answers NOT_FOUND,
/// like one that does not exist.
public struct WebhookHandlers: Sendable {
  let store: any WebhookStore
  let feed: Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>
  let poster: WebhookPoster
  let now: @Sendable () -> Date

  public static let maximumPerOrganization = 10

  public init(
    store: any WebhookStore, feed: Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>,
    poster: WebhookPoster, now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.store = store
    self.feed = feed
    self.poster = poster
    self.now = now
  }

  /// The caller's organization; operators manage no organization's webhooks.
  func organization() throws -> String {
    guard let organization = CallContext.current.organization else {
      throw RPCError(
        code: .permissionDenied, message: "Webhooks belong to an organization: manage them with one of its keys, not an operator key.")
    }
    return organization
  }

  /// The caller's endpoint named `name`, or NOT_FOUND.
  func owned(_ name: String, field: String = "name") async throws -> WebhookRecord {
    let organization = try organization()
    guard name.hasPrefix("webhooks/"), name.utf8.count <= 80 else {
      throw DomainError.invalidArgument([FieldViolation(field: field, description: "must be `webhooks/{webhook}`")])
    }
    guard let webhook = try await store.webhook(id: String(name.dropFirst("webhooks/".count))),
      webhook.organization == organization
    else {
      throw DomainError.notFound("Webhook `\(Echo.prefix(name))` does not exist.")
    }
    return webhook
  }

  /// The sequence a request's cursor stands for (nil for empty), or
  /// INVALID_ARGUMENT.
  static func sequence(_ cursor: String, field: String) throws -> Int64? {
    let violations = PartnerEvents.cursorViolations(cursor, field: field)
    if !violations.isEmpty { throw DomainError.invalidArgument(violations) }
    return PartnerEvents.sequence(of: cursor)
  }

  /// Checks a position with petition-service (OUT_OF_RANGE when not kept)
  /// and resolves nil to the newest event, or to the oldest kept.
  func position(_ organization: String, after: Int64?, newestIfNil: Bool) async throws -> Int64 {
    let page = try await PartnerEvents.page(
      feed, organization, after: after ?? (newestIfNil ? 0 : nil), size: 0, consequence: "the position could not be checked.")
    if let after { return after }
    return newestIfNil ? page.headSequence : page.startAfter
  }

  static func proto(_ webhook: WebhookRecord) -> Groundswell_Gateway_V1_Webhook {
    .with {
      $0.name = "webhooks/\(webhook.id)"
      $0.organization = webhook.organization
      $0.url = webhook.url
      $0.types = webhook.types.map { Groundswell_Petition_V1_Event.TypeEnum(rawValue: $0) ?? .unspecified }
      $0.state = webhook.state == .active ? .active : .paused
      $0.pauseReason = webhook.pauseReason
      $0.cursor = PartnerEvents.cursor(webhook.cursor)
      $0.failureCount = Int32(clamping: webhook.failures)
      if webhook.state == .active { $0.nextAttemptTime = Google_Protobuf_Timestamp(clamping: webhook.nextAttempt) }
      $0.createTime = Google_Protobuf_Timestamp(clamping: webhook.createTime)
      $0.includeIdentifiers = webhook.includeIdentifiers
    }
  }

  /// `whsec_` and 32 random bytes in hex.
  static func newSecret() -> String {
    var generator = SystemRandomNumberGenerator()
    return "whsec_" + Hex.lowercase((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
  }
}

extension WebhookHandlers: Groundswell_Gateway_V1_WebhookService.SimpleServiceProtocol {
  public func createWebhook(
    request: Groundswell_Gateway_V1_CreateWebhookRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_CreateWebhookResponse {
    let organization = try organization()
    var violations: [FieldViolation] = []
    var url: WebhookURL?
    switch WebhookURL.parse(request.webhook.url) {
    case .success(let parsed): url = parsed
    case .failure(let reason): violations.append(FieldViolation(field: "webhook.url", description: "\(reason)"))
    }
    let types = request.webhook.types
    violations += PartnerEvents.typeViolations(types, field: "webhook.types")
    violations += PartnerEvents.cursorViolations(request.cursor, field: "cursor")
    let after = PartnerEvents.sequence(of: request.cursor)
    if !violations.isEmpty { throw DomainError.invalidArgument(violations) }
    if request.webhook.includeIdentifiers && !CallContext.current.scopes.contains(.supportersRead) {
      throw DomainError.permissionDenied(
        "webhook.include_identifiers sends your supporters' identifiers to the endpoint; it needs a key with the `supporters.read` scope.")
    }
    if case .failure(let refusal) = await poster.check(url!) {
      let reason = switch refusal {
      case .refused(let why), .failed(let why): why
      case .answered: "cannot be reached"
      }
      throw DomainError.invalidArgument([FieldViolation(field: "webhook.url", description: reason)])
    }
    guard try await store.webhooks(organization: organization).count < Self.maximumPerOrganization else {
      throw DomainError.failedPrecondition(
        "The organization has \(Self.maximumPerOrganization) webhooks, the most it may have; delete one first.")
    }
    let cursor = try await position(organization, after: after, newestIfNil: true)
    let time = now()
    let record = WebhookRecord(
      id: ResourceName.newID(), organization: organization, url: request.webhook.url, secret: Self.newSecret(),
      types: Array(Set(types.map(\.rawValue))).sorted(), state: .active, pauseReason: "", cursor: cursor, failures: 0,
      failingSince: nil, nextAttempt: time, createTime: time, includeIdentifiers: request.webhook.includeIdentifiers)
    try await store.create(record)
    return .with {
      $0.webhook = Self.proto(record)
      $0.secret = record.secret
    }
  }

  public func listWebhooks(
    request: Groundswell_Gateway_V1_ListWebhooksRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ListWebhooksResponse {
    let webhooks = try await store.webhooks(organization: try organization())
    return .with { $0.webhooks = webhooks.map(Self.proto) }
  }

  public func deleteWebhook(
    request: Groundswell_Gateway_V1_DeleteWebhookRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_DeleteWebhookResponse {
    let webhook = try await owned(request.name)
    _ = try await store.delete(id: webhook.id)
    return .init()
  }

  public func listWebhookDeliveries(
    request: Groundswell_Gateway_V1_ListWebhookDeliveriesRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ListWebhookDeliveriesResponse {
    var violations: [FieldViolation] = []
    if !(0...100).contains(request.pageSize) {
      violations.append(FieldViolation(field: "page_size", description: "must be 1 to 100 (0 for 20)"))
    }
    var before: Int64 = 0
    if !request.pageToken.isEmpty {
      if let value = Int64(request.pageToken), value > 0 { before = value } else {
        violations.append(FieldViolation(field: "page_token", description: "is not a page token of this list"))
      }
    }
    if !violations.isEmpty { throw DomainError.invalidArgument(violations) }
    let webhook = try await owned(request.name)
    let page = try await store.deliveries(
      webhookID: webhook.id, before: before, limit: request.pageSize == 0 ? 20 : Int(request.pageSize))
    return .with {
      $0.deliveries = page.deliveries.map { delivery in
        .with {
          $0.attemptTime = Google_Protobuf_Timestamp(clamping: delivery.attemptTime)
          $0.firstSequence = delivery.firstSequence
          $0.lastSequence = delivery.lastSequence
          $0.eventCount = Int32(clamping: delivery.eventCount)
          $0.outcome = switch delivery.outcome {
          case .delivered: .delivered
          case .failed: .failed
          case .refused: .refused
          }
          $0.statusCode = Int32(clamping: delivery.statusCode)
          $0.error = delivery.error
          $0.durationMilliseconds = delivery.durationMilliseconds
        }
      }
      if page.hasMore, let last = page.deliveries.last { $0.nextPageToken = "\(last.sequence)" }
    }
  }

  public func resumeWebhook(
    request: Groundswell_Gateway_V1_ResumeWebhookRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ResumeWebhookResponse {
    var webhook = try await owned(request.name)
    Self.activate(&webhook, now: now())
    try await store.saveProgress(webhook)
    return .with { $0.webhook = Self.proto(webhook) }
  }

  public func replayWebhook(
    request: Groundswell_Gateway_V1_ReplayWebhookRequest, context: ServerContext
  ) async throws -> Groundswell_Gateway_V1_ReplayWebhookResponse {
    let after = try Self.sequence(request.cursor, field: "cursor")
    var webhook = try await owned(request.name)
    webhook.cursor = try await position(webhook.organization, after: after, newestIfNil: false)
    Self.activate(&webhook, now: now())
    try await store.saveProgress(webhook)
    return .with { $0.webhook = Self.proto(webhook) }
  }

  static func activate(_ webhook: inout WebhookRecord, now: Date) {
    webhook.state = .active
    webhook.pauseReason = ""
    webhook.failures = 0
    webhook.failingSince = nil
    webhook.nextAttempt = now
  }
}
