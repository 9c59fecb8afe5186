import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import GroundswellAPI
import GroundswellRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// `PetitionService/WatchSignatureCounts`, served at the edge: the gateway
/// holds one watch of every count at petition-service and fans it out to
/// its own clients. A partner's watch costs the backend one unary call for
/// its initial counts (which also checks the names, as petition-service
/// answers them) and nothing when it ends — so no number of abandoned or
/// cancelled watches can reach the backend as a flood of stream resets (which
/// HTTP/2 servers answer by closing the whole connection).
///
/// When the backend watch breaks, every partner watch ends with UNAVAILABLE
/// (it could have missed a change); watching again starts from fresh counts.
/// A watch that arrives while the gateway is (re)connecting to it waits for
/// it, up to `CountFanout.followWait` or the caller's deadline, before it is
/// answered UNAVAILABLE.
public struct SignatureCountWatches: RegistrableRPCService {
  typealias Request = Groundswell_Petition_V1_WatchSignatureCountsRequest
  typealias Response = Groundswell_Petition_V1_WatchSignatureCountsResponse

  let counts: Groundswell_Petition_V1_PetitionService.Client<HTTP2ClientTransport.Posix>
  let fanout: CountFanout
  let limiter: StreamLimiter
  let caps: WatchCaps

  /// The limits on partners' watches.
  public struct WatchCaps: Sendable {
    public var perKey = 64
    public var perConnection = 32
    public var inAll = 5_000
    public init() {}
  }

  /// The limit every watch counts against.
  static let allScope = "the gateway"

  /// The limits one watch counts against.
  static func limits(for call: CallContext, connection: String, caps: WatchCaps) -> [StreamLimiter.Limit] {
    [
      StreamLimiter.Limit(scope: "your API key", key: call.keyID ?? "", maximum: caps.perKey),
      StreamLimiter.Limit(scope: "this connection", key: connection, maximum: caps.perConnection),
      StreamLimiter.Limit(scope: allScope, key: "", maximum: caps.inAll),
    ]
  }

  /// How often a watch sends what changed; changes within it arrive as one.
  static let window = Duration.milliseconds(100)

  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: Groundswell_Petition_V1_PetitionService.Method.WatchSignatureCounts.descriptor,
      deserializer: ProtobufDeserializer<Request>(), serializer: ProtobufSerializer<Response>()
    ) { request, context in
      try await watch(request, context: context)
    }
  }

  func watch(_ request: StreamingServerRequest<Request>, context: ServerContext) async throws -> StreamingServerResponse<Response> {
    let call = CallContext.current
    let permit = try limiter.acquire(Self.limits(for: call, connection: context.remotePeer, caps: caps))
    var messages = request.messages.makeAsyncIterator()
    let message = try await messages.next() ?? Request()
    if !fanout.isFollowing {
      // Waits in a task of its own, so that the caller leaving ends it.
      let waiting = Task { try await fanout.awaitFollowing(within: call.timeout(limit: CountFanout.followWait)) }
      try await withRPCCancellationHandler {
        try await withTaskCancellationHandler { try await waiting.value } onCancel: { waiting.cancel() }
      } onCancelRPC: {
        waiting.cancel()
      }
    }
    // Subscribe before reading the current counts, so no change falls between.
    let subscription = fanout.changes.subscribe(to: message.petitions.isEmpty ? nil : Set(message.petitions))
    let initial: [Groundswell_Petition_V1_SignatureCount]
    do {
      initial = message.petitions.isEmpty ? [] : try await callingBackend(ServiceName.petition, consequence: "no counts could be read.") {
        try await counts.batchGetSignatureCounts(
          .with { $0.petitions = message.petitions }, metadata: IdentityMetadata.forwarding(call), options: call.callOptions()
        ).counts
      }
    } catch {
      subscription.cancel()
      throw error
    }
    return StreamingServerResponse { writer in
      defer {
        subscription.cancel()
        permit.release()
      }
      if !initial.isEmpty { try await writer.write(.with { $0.counts = initial }) }
      // A change committed just before the initial read can arrive after
      // it: a count the watcher already has is not sent again.
      var sent = Dictionary(initial.map { ($0.petition, $0) }, uniquingKeysWith: { _, last in last })
      try await withRPCCancellationHandler {
        try await subscription.deliver(every: Self.window) { pending, _ in
          let fresh = pending.map(\.count).filter { sent[$0.petition] != $0 }
          guard !fresh.isEmpty else { return }
          for count in fresh { sent[count.petition] = count }
          try await writer.write(.with { $0.counts = fresh })
        }
      } onCancelRPC: {
        subscription.cancel()
      }
      if context.cancellation.isCancelled { return [:] }
      throw RPCError(
        code: .unavailable,
        message: "The gateway's count stream from petition-service was interrupted or the gateway is stopping; watch again.")
    }
  }
}

/// One petition's latest count, for watchers; a newer one replaces it.
struct CountUpdate: Coalescing {
  var count: Groundswell_Petition_V1_SignatureCount
  var key: String { count.petition }
  mutating func absorb(_ newer: CountUpdate) { self = newer }
}

/// The gateway's one watch of every count at petition-service, and the
/// watchers it fans out to.
final class CountFanout: Sendable {
  let changes = CoalescingBroadcaster<CountUpdate>()

  private struct Following {
    var isOn = false
    var lastWaiter = 0
    /// Watches waiting for the backend watch, woken when it runs.
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
  }

  private let following = Mutex(Following())

  /// How long a new watch waits for the backend watch when it is not
  /// running (the gateway just started, or it is reconnecting).
  static let followWait = Duration.seconds(5)

  var isFollowing: Bool { following.withLock { $0.isOn } }

  /// Returns once the backend watch runs; throws UNAVAILABLE if it does not
  /// within `limit` or the waiting task is cancelled. Waiting costs nothing
  /// until then: however many watches wait, they are woken once, together.
  func awaitFollowing(within limit: Duration) async throws {
    if isFollowing { return }
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await self.untilFollowing() }
      group.addTask { try? await Task.sleep(for: limit) }
      await group.next()
      group.cancelAll()
    }
    guard isFollowing else {
      throw RPCError(code: .unavailable, message: "The gateway is connecting to petition-service; watch again in a second.")
    }
  }

  /// Returns when the backend watch runs or the task is cancelled.
  private func untilFollowing() async {
    let id = following.withLock { state in
      state.lastWaiter &+= 1
      return state.lastWaiter
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let now = following.withLock { state in
          if state.isOn || Task.isCancelled { return true }
          state.waiters[id] = continuation
          return false
        }
        if now { continuation.resume() }
      }
    } onCancel: {
      following.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
  }

  func set(following value: Bool) {
    let woken = following.withLock { state in
      state.isOn = value
      guard value else { return [CheckedContinuation<Void, Never>]() }
      defer { state.waiters.removeAll() }
      return Array(state.waiters.values)
    }
    for waiter in woken { waiter.resume() }
    if !value { changes.endAll() }
  }
}

/// Runs the backend watch for as long as the gateway runs, reconnecting
/// with backoff; every break ends the partner watches it fed.
struct CountFanoutFollower: Service {
  let fanout: CountFanout
  let client: Groundswell_Petition_V1_PetitionService.Client<HTTP2ClientTransport.Posix>
  let logger: Logger
  /// How long after the backend watch starts it is taken to be subscribed
  /// (it sends nothing until a count changes).
  static let settle = Duration.milliseconds(300)

  func run() async throws {
    await cancelWhenGracefulShutdown {
      var backoff = ReconnectBackoff()
      while !Task.isCancelled {
        let started = ContinuousClock.now
        do {
          try await client.watchSignatureCounts(.init()) { response in
            let settled = Task {
              try await Task.sleep(for: Self.settle)
              fanout.set(following: true)
            }
            defer { settled.cancel() }
            for try await message in response.messages {
              fanout.changes.publish(contentsOf: message.counts.map { CountUpdate(count: $0) })
            }
          }
        } catch {
          if !Task.isCancelled {
            logger.warning("count watch lost", metadata: ["reason": "\(rootCause(of: error))"])
          }
        }
        fanout.set(following: false)
        if Task.isCancelled { break }
        await backoff.wait(afterAttemptStartedAt: started)
      }
    }
  }
}
