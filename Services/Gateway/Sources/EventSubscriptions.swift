import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import GroundswellAPI
import GroundswellModel
import GroundswellRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// `EventService/SubscribeEvents`, served at the edge. A subscription reads
/// its organization's events from petition-service's outbox in pages
/// (`EventFeedService/ListEvents`, short calls) — the backlog first, then
/// again whenever the organization's events move. The gateway learns that
/// from one heads watch for all organizations (`EventHeadsFollower`), and
/// looks every 2 seconds anyway, so a lost heads watch delays events but
/// never loses one. Order and "each once" come from the sequence numbers
/// alone: every read starts after the last event sent.
public struct EventSubscriptions: RegistrableRPCService {
  typealias Request = Groundswell_Petition_V1_SubscribeEventsRequest
  typealias Response = Groundswell_Petition_V1_SubscribeEventsResponse
  typealias Event = Groundswell_Petition_V1_Event

  let feed: Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>
  let signals: EventSignals
  let limiter: StreamLimiter
  let caps: SignatureCountWatches.WatchCaps

  /// Events read per page.
  static let pageSize: Int32 = 500
  /// A subscriber looks for new events at least this often.
  static let poll = Duration.seconds(2)
  /// An empty message with the cursor at least this often.
  static let heartbeat = Duration.seconds(15)

  public init(
    feed: Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>, signals: EventSignals,
    limiter: StreamLimiter, caps: SignatureCountWatches.WatchCaps
  ) {
    self.feed = feed
    self.signals = signals
    self.limiter = limiter
    self.caps = caps
  }

  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: Groundswell_Petition_V1_EventService.Method.SubscribeEvents.descriptor,
      deserializer: ProtobufDeserializer<Request>(), serializer: ProtobufSerializer<Response>()
    ) { request, context in
      try await subscribe(request, context: context)
    }
  }

  func subscribe(_ request: StreamingServerRequest<Request>, context: ServerContext) async throws -> StreamingServerResponse<Response> {
    let call = CallContext.current
    guard let organization = call.organization else {
      throw RPCError(
        code: .permissionDenied, message: "Events belong to an organization: subscribe with one of its keys, not an operator key.")
    }
    var messages = request.messages.makeAsyncIterator()
    let message = try await messages.next() ?? Request()
    let violations = PartnerEvents.cursorViolations(message.startNow ? "" : message.cursor, field: "cursor")
      + PartnerEvents.typeViolations(message.types, field: "types")
    if !violations.isEmpty { throw DomainError.invalidArgument(violations) }
    // nil: from the oldest event kept.
    var start = message.startNow ? nil : PartnerEvents.sequence(of: message.cursor)
    let types = Set(message.types)
    let withSupporters = call.scopes.contains(.supportersRead)
    let permit = try limiter.acquire(SignatureCountWatches.limits(for: call, connection: context.remotePeer, caps: caps))
    // Subscribed before the first read, so that nothing moves unseen.
    let wakeups = signals.subscribe(organization)
    do {
      // Checks the cursor (OUT_OF_RANGE) before the stream starts, and
      // finds "now".
      let first = try await page(organization, after: start, size: 0, withSupporters: false)
      start = message.startNow ? first.headSequence : first.startAfter
    } catch {
      wakeups.cancel()
      permit.release()
      throw error
    }
    let begin = start ?? 0
    return StreamingServerResponse { writer in
      defer {
        wakeups.cancel()
        permit.release()
      }
      var after = begin
      var lastWrite = ContinuousClock.now
      var opened = false
      try await withRPCCancellationHandler {
        for await _ in wakeups.stream {
          // Everything after the last event sent, a page at a time.
          while true {
            let page = try await page(organization, after: after, size: Self.pageSize, withSupporters: withSupporters)
            guard let last = page.events.last else { break }
            after = last.sequence
            let kept = types.isEmpty ? page.events : page.events.filter { types.contains($0.type) }
            if !kept.isEmpty {
              try await writer.write(.with {
                $0.events = kept.map { PartnerEvents.addressed($0, organization: organization) }
                $0.cursor = PartnerEvents.cursor(after)
              })
              lastWrite = .now
              opened = true
            }
            if page.events.count < Self.pageSize { break }
          }
          // The first message comes at once, with the position, even
          // without events: the subscriber can store a cursor from the start.
          if !opened || lastWrite.duration(to: .now) >= Self.heartbeat {
            try await writer.write(.with { $0.cursor = PartnerEvents.cursor(after) })
            lastWrite = .now
          }
          opened = true
        }
      } onCancelRPC: {
        wakeups.cancel()
      }
      if context.cancellation.isCancelled { return [:] }
      throw RPCError(
        code: .unavailable, message: "The gateway is stopping; subscribe again with your last cursor (\(PartnerEvents.cursor(after))).")
    }
  }

  func page(_ organization: String, after: Int64?, size: Int32, withSupporters: Bool) async throws
    -> Groundswell_Petition_V1_ListEventsResponse
  {
    try await PartnerEvents.page(
      feed, organization, after: after, size: size, withSupporters: withSupporters, withIdentifiers: withSupporters,
      consequence: "no events could be read; subscribe again with your last cursor.")
  }
}

/// Wakes the subscriptions of an organization when its events move: each
/// subscription has a stream that yields when they do, and every
/// `EventSubscriptions.poll` in any case.
public final class EventSignals: Sendable {
  private struct State {
    var next = 0
    var waiters: [String: [Int: AsyncStream<Void>.Continuation]] = [:]
    var finished = false
  }

  private let state = Mutex(State())

  public init() {}

  /// One subscription's wake-ups.
  public struct Subscription: Sendable {
    let stream: AsyncStream<Void>
    let cancel: @Sendable () -> Void
  }

  /// Wake-ups for `organization`'s events: one at once, one whenever they
  /// move, one every `poll`. Ends on `cancel()` or `finishAll()`.
  func subscribe(_ organization: String, poll: Duration = EventSubscriptions.poll) -> Subscription {
    let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    continuation.yield()
    let id = state.withLock { state -> Int? in
      guard !state.finished else { return nil }
      state.next += 1
      state.waiters[organization, default: [:]][state.next] = continuation
      return state.next
    }
    guard let id else {
      continuation.finish()
      return Subscription(stream: stream, cancel: {})
    }
    let ticker = Task {
      while !Task.isCancelled {
        try? await Task.sleep(for: poll)
        continuation.yield()
      }
    }
    let cancel: @Sendable () -> Void = { [weak self] in
      ticker.cancel()
      continuation.finish()
      self?.state.withLock { state in
        state.waiters[organization]?[id] = nil
        if state.waiters[organization]?.isEmpty == true { state.waiters[organization] = nil }
      }
    }
    continuation.onTermination = { _ in ticker.cancel() }
    return Subscription(stream: stream, cancel: cancel)
  }

  /// The organizations whose events moved since `takeMoved()` last ran
  /// (nil: any may have), for the webhook deliveries.
  private let moves = Mutex<Set<String>?>([])

  /// `organization`'s events moved.
  func moved(_ organization: String) {
    moves.withLock { _ = $0?.insert(organization) }
    for continuation in state.withLock({ Array(($0.waiters[organization] ?? [:]).values) }) { continuation.yield() }
  }

  /// Anything may have moved (the heads watch reconnected).
  func movedAll() {
    moves.withLock { $0 = nil }
    for continuation in state.withLock({ $0.waiters.values.flatMap(\.values) }) { continuation.yield() }
  }

  /// The organizations whose events moved since the last call; nil when
  /// any may have.
  func takeMoved() -> Set<String>? {
    moves.withLock { moves in
      defer { moves = [] }
      return moves
    }
  }

  /// Ends every subscription (shutdown).
  func finishAll() {
    let all = state.withLock { state -> [AsyncStream<Void>.Continuation] in
      state.finished = true
      defer { state.waiters = [:] }
      return state.waiters.values.flatMap(\.values)
    }
    for continuation in all { continuation.finish() }
  }
}

/// Follows petition-service's event heads for as long as the gateway runs,
/// reconnecting with backoff, and wakes the subscriptions they concern.
struct EventHeadsFollower: Service {
  let signals: EventSignals
  let client: Groundswell_Petition_V1_EventFeedService.Client<HTTP2ClientTransport.Posix>
  let logger: Logger

  func run() async throws {
    await cancelWhenGracefulShutdown {
      var backoff = ReconnectBackoff()
      while !Task.isCancelled {
        let started = ContinuousClock.now
        do {
          try await client.watchEventHeads(.init()) { response in
            // Whatever moved while the watch was down.
            signals.movedAll()
            for try await message in response.messages {
              for head in message.heads { signals.moved(head.organization) }
            }
          }
        } catch {
          if !Task.isCancelled {
            logger.warning("event heads watch lost", metadata: ["reason": "\(rootCause(of: error))"])
          }
        }
        if Task.isCancelled { break }
        await backoff.wait(afterAttemptStartedAt: started)
      }
    }
  }
}
