import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// How deliveries are paced.
public struct WebhookTiming: Sendable {
  /// How often due endpoints are looked for.
  public var poll: Duration = .milliseconds(500)
  /// The first retry's delay; each failure doubles it, up to `maximumBackoff`.
  public var firstBackoff: Duration = .seconds(5)
  public var maximumBackoff: Duration = .seconds(3600)
  /// Failing this long pauses an endpoint.
  public var pauseAfter: Duration = .seconds(86_400)
  /// Each POST's limit, connection to answer.
  public var timeout: Duration = .seconds(10)
  /// Events per POST.
  public var batch = 100
  /// A caught-up endpoint is looked at again after this even if no event
  /// signal came (they come from petition-service's heads watch).
  public var idle: Duration = .seconds(30)
  /// Endpoints delivered to at once.
  public var concurrency = 32

  public init() {}

  /// The delay before retry number `failures` (1 for the first), with full
  /// jitter over its upper half so that endpoints failing together do not
  /// retry together.
  func backoff(failures: Int, jitter: Double = Double.random(in: 0.5...1)) -> Duration {
    let doublings = min(max(failures - 1, 0), 30)
    return min(firstBackoff * (1 << doublings), maximumBackoff) * jitter
  }
}

/// Delivers each active endpoint's events, in order, from its cursor: reads
/// the organization's events after it (petition-service's outbox), POSTs
/// them as one signed JSON batch, and moves the cursor only when the
/// endpoint answers 2xx. Every attempt is logged. A failure schedules a
/// retry with backoff; failing for `pauseAfter` pauses the endpoint.
/// Deliveries are at least once: an endpoint that stored a batch but did
/// not answer in time gets it again, with the same event ids.
struct WebhookDispatcher: Service {
  let store: any WebhookStore
  let feed: Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>
  /// Which organizations' events moved: their caught-up endpoints wake.
  let signals: EventSignals
  let poster: WebhookPoster
  let timing: WebhookTiming
  let logger: Logger
  let now: @Sendable () -> Date

  func run() async throws {
    let inFlight = InFlight()
    await cancelWhenGracefulShutdown {
      await withDiscardingTaskGroup { group in
        while !Task.isCancelled {
          do {
            let moved = signals.takeMoved()
            if moved == nil || !(moved?.isEmpty ?? true) { try await store.wake(organizations: moved, now: now()) }
            // An endpoint being delivered to is not started again, and a
            // slow one holds only its own slot.
            let due = try await store.due(now: now(), limit: 100)
            for webhook in due {
              let started = inFlight.ids.withLock { running in
                guard running.count < timing.concurrency, !running.contains(webhook.id) else { return false }
                running.insert(webhook.id)
                return true
              }
              guard started else { continue }
              group.addTask {
                await deliver(webhook)
                inFlight.ids.withLock { _ = $0.remove(webhook.id) }
              }
            }
          } catch {
            logger.error("webhook scheduling failed", metadata: ["error": "\(error)"])
          }
          try? await Task.sleep(for: timing.poll)
        }
      }
    }
  }

  /// The endpoints being delivered to.
  final class InFlight: Sendable {
    let ids = Mutex(Set<String>())
  }

  /// One batch for one endpoint (or none, if nothing is new).
  func deliver(_ webhook: WebhookRecord) async {
    var webhook = webhook
    let page: Groundswell_Petition_V1_ListEventsResponse
    do {
      page = try await PartnerEvents.page(
        feed, webhook.organization, after: webhook.cursor, size: Int32(timing.batch), withIdentifiers: webhook.includeIdentifiers,
        consequence: "no events were read.")
    } catch let error as RPCError where error.code == .outOfRange {
      webhook.state = .paused
      webhook.pauseReason = "Its cursor is past the events kept; replay from the oldest kept (an empty cursor) or a newer cursor."
      try? await store.saveProgress(webhook)
      return
    } catch {
      // petition-service unreachable: the next poll tries again.
      logger.warning("webhook events could not be read", metadata: ["webhook": "\(webhook.id)", "error": "\(rootCause(of: error))"])
      return
    }
    guard let last = page.events.last else {
      // Caught up: it sleeps until its organization's events move.
      webhook.nextAttempt = now().addingTimeInterval(timing.idle.seconds)
      try? await store.saveProgress(webhook)
      return
    }
    let wanted = Set(webhook.types)
    let events = wanted.isEmpty ? page.events : page.events.filter { wanted.contains($0.type.rawValue) }
    guard !events.isEmpty else {
      // Nothing of its types: passed over.
      webhook.cursor = last.sequence
      try? await store.saveProgress(webhook)
      return
    }
    let body = Self.body(webhook: webhook, events: events)
    let timestamp = Int64(now().timeIntervalSince1970)
    let headers = [
      ("Content-Type", "application/json"),
      ("Groundswell-Webhook", "webhooks/\(webhook.id)"),
      ("Groundswell-Signature", Self.signature(secret: webhook.secret, timestamp: timestamp, body: body)),
      ("Idempotency-Key", "webhooks/\(webhook.id)/events/\(events.first!.sequence)-\(events.last!.sequence)"),
    ]
    let start = ContinuousClock.now
    logger.debug("webhook delivery starts", metadata: ["webhook": "\(webhook.id)", "events": "\(events.count)"])
    let result = await poster.post(Self.url(webhook), body: body, headers: headers)
    logger.debug("webhook delivery ended", metadata: ["webhook": "\(webhook.id)", "result": "\(result)"])
    let elapsed = start.duration(to: .now)
    var delivery = DeliveryRecord(
      webhookID: webhook.id, attemptTime: now(), firstSequence: events.first!.sequence, lastSequence: events.last!.sequence,
      eventCount: events.count, outcome: .failed, statusCode: 0, error: "",
      durationMilliseconds: Int64(elapsed.seconds * 1000))
    switch result {
    case .answered(let status) where (200..<300).contains(status):
      delivery.outcome = .delivered
      delivery.statusCode = status
      webhook.cursor = last.sequence
      webhook.failures = 0
      webhook.failingSince = nil
      // More may wait: due again at once.
      webhook.nextAttempt = now()
    case .answered(let status):
      delivery.statusCode = status
      delivery.error = "the endpoint answered HTTP \(status)"
    case .failed(let reason):
      delivery.error = reason
    case .refused(let reason):
      delivery.outcome = .refused
      delivery.error = reason
    }
    if delivery.outcome != .delivered {
      webhook.failures += 1
      let since = webhook.failingSince ?? now()
      webhook.failingSince = since
      let failingFor = now().timeIntervalSince(since)
      if failingFor >= timing.pauseAfter.seconds {
        webhook.state = .paused
        webhook.pauseReason = "Deliveries failed for \(Int(failingFor / 3600)) hours (last: \(delivery.error)); resume it when the endpoint works."
      } else {
        webhook.nextAttempt = now().addingTimeInterval(timing.backoff(failures: webhook.failures).seconds)
      }
    }
    do {
      try await store.log(delivery)
      try await store.saveProgress(webhook)
    } catch {
      logger.error("webhook progress not stored", metadata: ["webhook": "\(webhook.id)", "error": "\(error)"])
    }
  }

  static func url(_ webhook: WebhookRecord) -> WebhookURL {
    // Checked when registered.
    (try? WebhookURL.parse(webhook.url).get()) ?? WebhookURL(host: "invalid.", port: 443, target: "/")
  }

  /// `{"webhook": "webhooks/…", "events": [ … ]}`, each event in the proto3
  /// JSON mapping with its `id` and `cursor`.
  static func body(webhook: WebhookRecord, events: [Groundswell_Petition_V1_Event]) -> [UInt8] {
    var options = JSONEncodingOptions()
    options.alwaysPrintEnumsAsInts = false
    let encoded = events.map { event -> String in
      var event = PartnerEvents.addressed(event, organization: webhook.organization)
      event.supporter = ""
      return (try? event.jsonString(options: options)) ?? "{}"
    }
    return Array("{\"webhook\":\"webhooks/\(webhook.id)\",\"events\":[\(encoded.joined(separator: ","))]}".utf8)
  }

  /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body under the secret>`.
  static func signature(secret: String, timestamp: Int64, body: [UInt8]) -> String {
    var message = Array("\(timestamp).".utf8)
    message += body
    let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
    return "t=\(timestamp),v1=\(Hex.lowercase(mac))"
  }
}
