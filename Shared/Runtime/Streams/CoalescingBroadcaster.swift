import Foundation
import Synchronization

/// A change that can absorb a newer change to the same key, so that a
/// subscriber holds at most one pending change per key.
public protocol Coalescing: Sendable {
  associatedtype Key: Hashable & Sendable
  var key: Key { get }
  /// Folds `newer` (a later change to the same key) into this one.
  mutating func absorb(_ newer: Self)
}

/// Fans changes out to subscribers, each with a buffer that holds at most one
/// pending change per key (newer changes are folded into it). A publisher
/// never waits for a subscriber, and a slow subscriber's buffer is bounded
/// by the number of keys, not by the rate of changes: it sees the latest
/// state when it next reads.
public final class CoalescingBroadcaster<Change: Coalescing>: Sendable {
  private struct State {
    var subscribers: [Int: Subscription] = [:]
    var next = 0
    var finished = false
  }

  private let state = Mutex(State())

  public init() {}

  /// How many subscribers are listening.
  public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

  /// A new subscription to the changes of `keys` (all keys when nil).
  public func subscribe(to keys: Set<Change.Key>? = nil) -> Subscription {
    let subscription = Subscription(keys: keys)
    let finished = state.withLock { state in
      guard !state.finished else { return true }
      let id = state.next
      state.next += 1
      state.subscribers[id] = subscription
      subscription.onCancel = { [weak self] in
        self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
      }
      return false
    }
    if finished { subscription.cancel() }
    return subscription
  }

  /// The keys among `keys` that some subscriber listens to (all of them
  /// when one listens to everything), so a publisher can skip building
  /// changes nobody would receive.
  public func watched(_ keys: [Change.Key]) -> [Change.Key] {
    let interests = state.withLock { $0.subscribers.values.map(\.keys) }
    if interests.contains(where: { $0 == nil }) { return keys }
    let wanted = interests.reduce(into: Set<Change.Key>()) { $0.formUnion($1!) }
    return keys.filter(wanted.contains)
  }

  public func publish(_ change: Change) {
    publish(contentsOf: CollectionOfOne(change))
  }

  public func publish(contentsOf changes: some Sequence<Change>) {
    let subscribers = state.withLock { Array($0.subscribers.values) }
    for subscriber in subscribers { subscriber.offer(changes) }
  }

  /// Ends every subscription, so that graceful shutdown is not held open.
  public func finishAll() {
    endAll(finishing: true)
  }

  /// Ends every current subscription (their source was interrupted, so
  /// they could have missed a change); later subscriptions are served.
  public func endAll(finishing: Bool = false) {
    let subscribers = state.withLock { state in
      if finishing { state.finished = true }
      defer { state.subscribers = [:] }
      return Array(state.subscribers.values)
    }
    for subscriber in subscribers { subscriber.cancel() }
  }

  /// One subscriber's pending changes.
  public final class Subscription: Sendable {
    private struct Pending {
      var changes: [Change.Key: Change] = [:]
      var order: [Change.Key] = []
      var cancelled = false
      var onCancel: (@Sendable () -> Void)?
    }

    fileprivate let keys: Set<Change.Key>?
    private let pending = Mutex(Pending())

    init(keys: Set<Change.Key>?) {
      self.keys = keys
    }

    fileprivate var onCancel: (@Sendable () -> Void)? {
      get { pending.withLock { $0.onCancel } }
      set { pending.withLock { $0.onCancel = newValue } }
    }

    public var isCancelled: Bool { pending.withLock { $0.cancelled } }

    fileprivate func offer(_ changes: some Sequence<Change>) {
      pending.withLock { pending in
        guard !pending.cancelled else { return }
        for change in changes where keys?.contains(change.key) ?? true {
          if pending.changes[change.key] != nil {
            pending.changes[change.key]!.absorb(change)
          } else {
            pending.changes[change.key] = change
            pending.order.append(change.key)
          }
        }
      }
    }

    /// Takes every pending change, in the order their keys first changed.
    public func drain() -> [Change] {
      pending.withLock { pending in
        defer {
          pending.changes = [:]
          pending.order = []
        }
        return pending.order.map { pending.changes[$0]! }
      }
    }

    /// Waits `interval`, then takes the pending changes; nil once cancelled.
    /// Reading at a fixed pace is what coalesces: every change to a key
    /// within one interval reaches the reader as one.
    public func next(after interval: Duration) async -> [Change]? {
      try? await Task.sleep(for: interval)
      if isCancelled || Task.isCancelled { return nil }
      return drain()
    }

    /// Every `window`, hands `send` the pending changes and the time just
    /// before they were taken (everything committed before it is in them);
    /// with a `heartbeat`, an empty batch goes out when nothing changed for
    /// that long. Returns once the subscription is cancelled.
    public func deliver(
      every window: Duration, heartbeat: Duration? = nil, _ send: ([Change], Date) async throws -> Void
    ) async throws {
      var quietSince = ContinuousClock.now
      while true {
        let asOf = Date()
        guard let pending = await next(after: window) else { return }
        if pending.isEmpty {
          guard let heartbeat, quietSince.duration(to: .now) >= heartbeat else { continue }
        }
        quietSince = .now
        try await send(pending, asOf)
      }
    }

    public func cancel() {
      let onCancel = pending.withLock { pending in
        pending.cancelled = true
        defer { pending.onCancel = nil }
        return pending.onCancel
      }
      onCancel?()
    }
  }
}
